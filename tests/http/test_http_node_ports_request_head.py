"""Node 20's test-http-*.js for the head a ClientRequest sends, ported
(each docstring names the file): the default headers of each method, in
Node's order, Basic auth, a Content-Length set by hand or by end(body),
the Host of an IPv6 address, and the ``timeout`` option.  The expected
headers are what Node 20's client sent for the same requests."""
import json

import pytest

import pyuvnet as net
import pyuvnet.http as http

from http_node_ports_support import body_of, serve  # noqa: F401 (a fixture)


def head_app(req, res):
    if req.url == '/silent':
        return
    body_of(req, lambda body: res.end(json.dumps({'h': req.rawHeaders, 'b': body})))


def sent(serve, options, body=None):
    """The raw headers and body the server got for http.request(options)
    ended with ``body``, and the request's events."""
    got = []

    def exchange(server, port, done):
        events = []
        req = http.request(dict({'port': port, 'host': '127.0.0.1', 'agent': False}, **options),
                           lambda res: (events.append('response'), body_of(res, lambda text: (
                               got.append((json.loads(text), events)), done()))))
        req.on('finish', lambda: events.append('finish'))
        req.end(body) if body is not None else req.end()
    serve(head_app, exchange)
    head, events = got[0]
    headers = []
    for name, value in zip(head['h'][0::2], head['h'][1::2]):
        headers += [name, 'H' if name == 'Host' else value]     # the port varies
    return headers, head['b'], events


@pytest.mark.parametrize('method, extra', [
    ('GET', []), ('DELETE', []), ('OPTIONS', []),
    ('POST', ['Content-Length', '0']), ('PUT', ['Content-Length', '0']),
    ('PATCH', ['Content-Length', '0']),
])
def test_the_default_headers_of_each_method(method, extra, serve):
    """test-http-client-default-headers-exist.js: Host and Connection; a
    method that may carry a body says Content-Length: 0 when end() gave
    none."""
    headers, body, _ = sent(serve, {'method': method})
    assert headers == ['Host', 'H', 'Connection', 'close'] + extra and body == ''


def test_auth_is_a_basic_authorization_after_host(serve):
    """test-http-url.parse-auth.js (the 'auth' option): base64 of
    'user:password' as given, after Host."""
    headers, _, _ = sent(serve, {'auth': 'user:pa ss'})
    assert headers == ['Host', 'H', 'Authorization', 'Basic dXNlcjpwYSBzcw==',
                       'Connection', 'close']


def test_a_content_length_set_or_made_by_end(serve):
    """test-http-content-length.js: a Content-Length header set comes
    first, as set; end(body) makes one after Connection; 'finish' comes
    before 'response'."""
    headers, body, events = sent(serve, {'method': 'POST', 'headers': {'Content-Length': 5}},
                                 'hello')
    assert headers == ['Content-Length', '5', 'Host', 'H', 'Connection', 'close']
    assert (body, events) == ('hello', ['finish', 'response'])
    headers, body, _ = sent(serve, {'method': 'POST'}, 'hello')
    assert headers == ['Host', 'H', 'Connection', 'close', 'Content-Length', '5']


def test_the_timeout_option_emits_timeout_then_destroy_hangs_up(serve):
    """test-http-client-timeout-option.js: 'finish', 'timeout', and with
    destroy() in it 'socket hang up', then 'close'."""
    events = []

    def exchange(server, port, done):
        req = http.request({'port': port, 'host': '127.0.0.1', 'agent': False, 'path': '/silent',
                            'timeout': 30})
        req.on('finish', lambda: events.append('finish'))
        req.on('timeout', lambda: (events.append('timeout'), req.destroy()))
        req.on('error', lambda error: events.append(error.code))
        req.on('close', lambda: (events.append('close'), done()))
        req.end()
    serve(head_app, exchange)
    assert events == ['finish', 'timeout', 'ECONNRESET', 'close']


def test_the_host_of_an_ipv6_address_is_bracketed(run_loop):
    """test-http-host-header-ipv6-fail.js: Host '[::1]:<port>'."""
    got = []
    server = http.createServer(lambda req, res: res.end(req.headers['host']))

    def start():
        port = server.address().port
        http.get({'host': '::1', 'port': port, 'agent': False},
                 lambda res: body_of(res, lambda body: (got.append((body, port)), server.close())))
    try:
        server.listen(0, '::1', start)
    except OSError:
        pytest.skip('no IPv6 loopback')
    run_loop()
    assert got[0][0] == '[::1]:%d' % got[0][1]


@pytest.mark.parametrize('keep_alive, order', [
    (False, ['res end', 'res close', 'req close']),
    (True, ['res end', 'req close', 'res close']),
])
def test_the_close_events_come_in_nodes_order(keep_alive, order, serve):
    """test-http-client-close-with-default-agent.js and
    test-http-response-close.js: 'socket', 'finish', 'response', 'data',
    'end'; then, without keep-alive, the response's 'close' and the
    request's once the socket closed; with it, the request's first (Node
    20's order in both)."""
    events = []

    def exchange(server, port, done):
        agent = http.Agent(keepAlive=True) if keep_alive else False

        def on_response(res):
            events.append('response')
            res.on('data', lambda data: events.append('data'))
            res.on('end', lambda: events.append('res end'))
            res.on('close', lambda: events.append('res close'))
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': agent}, on_response)
        req.on('socket', lambda socket: events.append('socket'))
        req.on('finish', lambda: events.append('finish'))
        req.on('close', lambda: events.append('req close'))
        net.setTimeout(lambda: (agent and agent.destroy(), done()), 50)
    serve(lambda req, res: res.end('ok'), exchange)
    assert events == ['socket', 'finish', 'response', 'data'] + order
