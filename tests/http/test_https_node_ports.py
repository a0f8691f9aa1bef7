"""Node 20's test-https-*.js, ported (each docstring names the file): the
client's certificate checks (ca, rejectUnauthorized, checkServerIdentity,
servername from the Host header), https.Agent (its name, its options,
SNI per request, createConnection's forms), and the server's http
behaviour over TLS.  The certificates are made by tests/tls/tls_certs_support.py; the
expected values are what Node 20 gives running the same exchanges with
its own client and server."""

import pyuvnet as net
import pyuvnet.http as http
import pyuvnet.https as https

from http_node_ports_support import body_of
from https_node_ports_support import hello, serve  # noqa: F401 (a fixture)


def outcome(options, then):
    """https.get(options): then(('ok', status, body, socket)) or
    then(('error', code))."""
    req = https.get(options, lambda res: body_of(res, lambda body: then(
        ('ok', res.statusCode, body, req.socket))))
    req.on('error', lambda error: then(('error', getattr(error, 'code', None), str(error))))
    return req


def test_a_request_without_the_ca_is_refused_and_without_checks_answered(serve):
    """test-https-simple.js: rejectUnauthorized false gets the body; the
    default check fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE, as Node's."""
    got = []

    def exchange(server, port, done):
        base = {'hostname': '127.0.0.1', 'port': port, 'path': '/', 'agent': False}
        outcome(dict(base, rejectUnauthorized=False), lambda result: (
            got.append(result[:3]),
            outcome(base, lambda result: (got.append(result[:2]), done()))))
    serve(hello, exchange)
    assert got == [('ok', 200, 'hello world\n'), ('error', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')]


def test_authorized_is_false_without_the_ca_and_true_with_it(serve, tls_certs):
    """test-https-client-reject.js: the CA given to a new https.Agent
    makes the connection authorized; without it, refused."""
    got = []

    def exchange(server, port, done):
        base = {'host': '127.0.0.1', 'port': port}

        def authorized():
            outcome(dict(base, ca=[tls_certs.ca], agent=https.Agent(dict(base, ca=[tls_certs.ca]))),
                    lambda result: (got.append((result[0], result[3].authorized)), done()))

        def refused():
            outcome(dict(base, agent=https.Agent(base)),
                    lambda result: (got.append(result[:2]), authorized()))
        outcome(dict(base, rejectUnauthorized=False, agent=False), lambda result: (
            got.append((result[0], result[3].authorized, result[3].authorizationError)),
            refused()))
    serve(hello, exchange)
    assert got == [('ok', False, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
                   ('error', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), ('ok', True)]


def test_check_server_identity_decides_the_name_check(serve, tls_certs):
    """test-https-client-checkServerIdentity.js: a Host the certificate
    does not name is refused (ERR_TLS_CERT_ALTNAME_INVALID); a
    checkServerIdentity that returns nothing lets it through, authorized;
    one that returns an error fails the request with it."""
    got = []

    def exchange(server, port, done):
        base = {'host': '127.0.0.1', 'port': port, 'ca': tls_certs.ca, 'agent': False,
                'headers': {'host': 'other.test'}}
        seen = []

        def failing():
            outcome(dict(base, checkServerIdentity=lambda host, cert: ValueError('nope')),
                    lambda result: (got.append(result[2]), done()))

        def overridden():
            outcome(dict(base, checkServerIdentity=lambda host, cert: seen.append(host)),
                    lambda result: (got.append((result[0], result[3].authorized, seen[:])),
                                    failing()))
        outcome(base, lambda result: (got.append(result[:2]), overridden()))
    serve(hello, exchange)
    assert got == [('error', 'ERR_TLS_CERT_ALTNAME_INVALID'), ('ok', True, ['other.test']), 'nope']


def test_the_host_header_is_the_servername_checked_and_sent(serve, tls_certs):
    """test-https-strict.js: with a CA, the name checked is the Host
    header's (without its port); an IP address host is checked as an IP
    and sends no SNI; the agent's ``ca`` is used for its requests."""
    got = []

    def app(req, res):
        res.end('%s|%s' % (req.socket.servername, req.headers['host'].split(':')[0]))

    def exchange(server, port, done):
        agent = https.Agent(ca=[tls_certs.ca])
        base = {'host': '127.0.0.1', 'port': port, 'agent': agent}
        steps = [dict(base), dict(base, headers={'host': 'localhost:%d' % port}),
                 dict(base, headers={'host': 'other.test:99'}), dict(base, agent=https.Agent())]

        def next_step(result=None):
            if result is not None:
                got.append(result[:3] if result[0] == 'ok' else result[:2])
            if steps:
                outcome(steps.pop(0), next_step)
            else:
                agent.destroy()
                done()
        next_step()
    serve(app, exchange)
    assert got == [('ok', 200, 'False|127.0.0.1'), ('ok', 200, 'localhost|localhost'),
                         ('error', 'ERR_TLS_CERT_ALTNAME_INVALID'),
                         ('error', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')]


def test_each_request_sends_its_own_servername(serve):
    """test-https-agent-sni.js and test-https-agent-servername.js: one
    socket at most, four servernames: each request is answered on a
    connection that sent its name."""
    names = []

    def app(req, res):
        res.writeHead(200, {'x-sni': req.socket.servername})
        res.end('hello world')

    def exchange(server, port, done):
        agent = https.Agent(maxSockets=1)
        for index in range(4):
            https.get({'agent': agent, 'path': '/', 'port': port, 'host': '127.0.0.1',
                       'servername': 'sni.%d' % index, 'rejectUnauthorized': False},
                      lambda res: (names.append(res.headers['x-sni']), res.resume(),
                                   len(names) == 4 and (agent.destroy(), done())))
    serve(app, exchange)
    assert sorted(names) == ['sni.0', 'sni.1', 'sni.2', 'sni.3']


def test_the_agent_name_is_nodes(tls_certs):
    """test-https-agent-getname.js: every TLS option in Node's order, each
    after a ':' whether given or not, booleans and lists as JavaScript
    writes them; a servername equal to the host is left out."""
    agent = https.Agent()
    assert agent.getName({}) == 'localhost:' + ':' * 21
    options = {'host': '0.0.0.0', 'port': 443, 'localAddress': '192.168.1.1', 'ca': 'ca',
               'cert': 'cert', 'ciphers': 'ciphers', 'crl': [b'c', b'r', b'l'],
               'dhparam': 'dhparam', 'ecdhCurve': 'ecdhCurve', 'honorCipherOrder': False,
               'key': 'key', 'pfx': 'pfx', 'rejectUnauthorized': False, 'secureOptions': 0,
               'secureProtocol': 'secureProtocol', 'servername': 'localhost',
               'sessionIdContext': 'sessionIdContext'}
    assert agent.getName(options) == (
        '0.0.0.0:443:192.168.1.1:ca:cert::ciphers:key:pfx:false:localhost:::secureProtocol:'
        'c,r,l:false:ecdhCurve:dhparam:0:sessionIdContext:::')
    assert agent.getName({'host': 'h', 'servername': 'h'}) == 'h:' + ':' * 21
    assert https.Agent(ca=tls_certs.ca, rejectUnauthorized=False).options['ca'] == tls_certs.ca


def test_create_server_takes_the_listener_alone_or_nothing_and_offers_http_1_1(serve):
    """test-https-argument-of-creating.js: createServer(listener) and
    createServer() work, the options dict is not changed, and the server
    offers 'http/1.1' by ALPN (Node's default)."""
    def listener(req, res):
        pass
    assert https.createServer(listener).listeners('request') == [listener]
    assert https.createServer().listeners('request') == []
    options = {'ALPNProtocols': ['http/1.1']}
    https.createServer(options).close()
    assert options == {'ALPNProtocols': ['http/1.1']}
    got = []

    def exchange(server, port, done):
        outcome({'host': '127.0.0.1', 'port': port, 'rejectUnauthorized': False, 'agent': False,
                 'ALPNProtocols': ['h2', 'http/1.1']},
                lambda result: (got.append(result[3].alpnProtocol), done()))
    serve(hello, exchange)
    assert got == ['http/1.1']


def test_an_https_request_to_an_http_server_fails_and_is_not_answered(run_loop):
    """test-https-connecting-to-http.js: the server's plain answer to the
    ClientHello is no TLS record: the request gets one 'error' (OpenSSL's
    wrong version number) and no request reaches the server.  The request's
    head waits for the handshake, so the failure is its write's: EPROTO,
    'write EPROTO ...' with OpenSSL's text, as Node 20's."""
    events = []
    server = http.createServer(lambda req, res: events.append('request'))

    def start():
        req = https.get({'host': '127.0.0.1', 'port': server.address().port, 'agent': False},
                        lambda res: events.append('response'))
        req.on('error', lambda error: (events.append(
            ('error', error.code, getattr(error, 'syscall', None), str(error).startswith('write EPROTO '),
             'wrong version number' in str(error))), server.close()))
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert events == [('error', 'EPROTO', 'write', True, True)]


def test_a_request_timeout_over_tls_then_destroy_is_a_socket_hang_up(serve):
    """test-https-timeout.js: a server that never answers; setTimeout(10)
    gives 'timeout', destroy() in it 'socket hang up'."""
    events = []

    def exchange(server, port, done):
        req = https.request({'host': 'localhost', 'port': port, 'rejectUnauthorized': False})
        req.setTimeout(10)
        req.end()
        req.on('timeout', lambda: (events.append('timeout'), req.destroy()))
        req.on('error', lambda error: events.append((error.code, str(error))))
        req.on('close', lambda: done())
    serve(lambda req, res: None, exchange)
    assert events == ['timeout', ('ECONNRESET', 'socket hang up')]


def test_a_silent_client_is_a_client_error_after_the_handshake_timeout(serve):
    """test-https-timeout-server.js: a TCP client that never says hello:
    'clientError' with ERR_TLS_HANDSHAKE_TIMEOUT and the TLSSocket, not
    yet secure; the listener ends it."""
    got = []

    def exchange(server, port, done):
        def on_client_error(error, socket):
            got.append((error.code, str(error), type(socket).__name__, socket.destroyed))
            socket.destroy()
        server.on('clientError', on_client_error)
        client = net.connect(port, '127.0.0.1')
        client.on('close', lambda had_error: done())
    serve(lambda req, res: got.append('request'), exchange, handshakeTimeout=50)
    assert got == [('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout', 'TLSSocket', False)]


def test_the_incoming_message_option_makes_the_requests(serve):
    """test-https-server-options-incoming-message.js"""
    class MyIncomingMessage(http.IncomingMessage):
        def user_agent(self):
            return self.headers.get('user-agent', 'unknown')
    got = []

    def exchange(server, port, done):
        https.get({'host': '127.0.0.1', 'port': port, 'rejectUnauthorized': False,
                   'headers': {'User-Agent': 'node-test'}},
                  lambda res: body_of(res, lambda body: (got.append(body), done())))
    serve(lambda req, res: res.end(req.user_agent()), exchange,
          IncomingMessage=MyIncomingMessage)
    assert got == ['node-test']


def test_get_with_an_https_url(serve):
    """test-https-client-get-url.js: the url's host, port, path and query."""
    got = []

    def exchange(server, port, done):
        https.get('https://127.0.0.1:%d/foo?bar' % port, {'rejectUnauthorized': False},
                  lambda res: body_of(res, lambda body: (got.append(body), done())))
    serve(lambda req, res: res.end('%s %s %s' % (req.method, req.url, req.headers['host'])),
          exchange)
    port = got[0].rsplit(':', 1)[1]
    assert got == ['GET /foo?bar 127.0.0.1:' + port]


def test_a_request_from_a_local_address(serve):
    """test-https-localaddress.js: localAddress 127.0.0.2 (Linux routes
    all of 127/8 to loopback) is the server's remoteAddress."""
    got = []

    def exchange(server, port, done):
        https.get({'host': 'localhost', 'port': port, 'localAddress': '127.0.0.2',
                   'rejectUnauthorized': False},
                  lambda res: body_of(res, lambda body: (got.append(body), done())))
    serve(lambda req, res: res.end(req.socket.remoteAddress), exchange)
    assert got == ['127.0.0.2']


def test_a_replaced_global_agent_is_the_one_used(serve, monkeypatch):
    """test-https-client-override-global-agent.js: https.globalAgent
    replaced after import serves requests given no agent."""
    got = []

    def exchange(server, port, done):
        agent = https.Agent(rejectUnauthorized=False)
        monkeypatch.setattr(https, 'globalAgent', agent)
        req = https.get({'host': '127.0.0.1', 'port': port}, lambda res: res.resume())
        got.append((req.agent is agent,
                    list(agent.sockets) == ['127.0.0.1:%d::::::::false:::::::::::::' % port]))
        req.on('close', lambda: (agent.destroy(), done()))
    serve(hello, exchange)
    assert got == [(True, True)]


def test_the_agent_pool_is_empty_once_the_request_closes(serve, tls_certs):
    """test-https-agent-sockets-leak.js: a Host header naming the
    certificate (so a servername other than the host): one pool entry
    while the answer comes, none once the request closed."""
    got = []

    def exchange(server, port, done):
        agent = https.Agent(keepAlive=False)

        def on_response(res):
            res.resume()
            names = list(agent.sockets)
            got.append(len(names) == 1 and names[0].startswith('127.0.0.1:%d::' % port)
                       and names[0].endswith(':localhost::::::::::::'))
            res.req.on('close', lambda: net.setImmediate(lambda: (
                got.append(dict(agent.sockets)), done())))
        https.get({'host': '127.0.0.1', 'port': port, 'headers': {'host': 'localhost'},
                   'ca': tls_certs.ca, 'agent': agent}, on_response)
    serve(hello, exchange)
    assert got == [True, {}]
