"""More of Node 20's test/parallel/test-http2-*.js, rewritten for pyuvnet:
sessions over TLS (ORIGIN frames, the secure session's fields, a socket
given to connect(), a peer that leaves mid-response) and two of the
session's lifetime. Each test names the Node file it ports; Node's
fixture certificates are the generated ones of tls_certs."""
import json
import os
import shutil
import subprocess

import pytest

import pyuvnet as net
from pyuvnet import http2, tls
from http2_support import listen


def secure_server(tls_certs, **options):
    return http2.createSecureServer(dict({'key': tls_certs.key, 'cert': tls_certs.cert},
                                         **options))


def origins_seen(run_loop, server, tls_certs):
    """One request to ``server``; gives back the client's origin and, per
    'origin' event, the origins and then the client's originSet."""
    seen = []
    origin = 'https://localhost:%d' % listen(run_loop, server)
    client = http2.connect(origin, {'ca': tls_certs.ca})
    client.on('origin', lambda origins: seen.append((list(origins), list(client.originSet))))
    req = client.request()
    req.resume()
    req.on('close', lambda: (client.close(), server.close()))
    run_loop(10)
    return origin, seen


def test_origin_frames_and_the_origin_set(run_loop, tls_certs):
    # Ports test-http2-origin.js's first block: origin() in 'session' and
    # in 'stream' each reach the client's 'origin' as the origins alone,
    # and the client's originSet grows by them in order; origin() of
    # nothing sends nothing.
    server = secure_server(tls_certs)

    def on_session(session):
        session.origin('https://foo.org/a/b/c', 'https://bar.org')
        session.origin()

    def on_stream(stream, headers, flags, raw):
        stream.session.origin('https://example.org/a/b/c', 'https://example.com')
        stream.respond()
        stream.end('ok')
    server.on('session', on_session)
    server.on('stream', on_stream)
    origin, seen = origins_seen(run_loop, server, tls_certs)
    assert seen == [(['https://foo.org', 'https://bar.org'],
                     [origin, 'https://foo.org', 'https://bar.org']),
                    (['https://example.org', 'https://example.com'],
                     [origin, 'https://foo.org', 'https://bar.org', 'https://example.org',
                      'https://example.com'])]


def test_the_origins_option_sends_them_as_the_session_starts(run_loop, tls_certs):
    # Ports test-http2-origin.js's second block: createSecureServer's
    # ``origins`` are an ORIGIN frame at each session's start.
    server = secure_server(tls_certs, origins=['https://foo.org/a/b/c', 'https://bar.org'])
    server.on('stream', lambda stream, headers, flags, raw: (stream.respond(), stream.end('ok')))
    origin, seen = origins_seen(run_loop, server, tls_certs)
    assert seen == [(['https://foo.org', 'https://bar.org'],
                     [origin, 'https://foo.org', 'https://bar.org'])]


def test_a_421_takes_the_requests_origin_off_the_origin_set(run_loop, tls_certs):
    # Ports test-http2-origin.js's third block: a response of 421
    # (Misdirected Request) removes its request's origin from originSet.
    seen = []
    server = secure_server(tls_certs)
    server.on('session', lambda session: session.origin('https://foo.org'))
    server.on('stream', lambda stream, headers, flags, raw: (
        stream.respond({':status': 421}), stream.end()))
    port = listen(run_loop, server)
    origin = 'https://localhost:%d' % port
    client = http2.connect(origin, {'ca': tls_certs.ca})

    def on_origin(origins):
        seen.append(list(client.originSet))
        req = client.request({':authority': 'foo.org'})
        req.on('response', lambda headers, *_: seen.append(
            (headers[':status'], list(client.originSet))))
        req.resume()
        req.on('close', lambda: (client.close(), server.close()))
    client.once('origin', on_origin)
    run_loop(10)
    assert seen == [[origin, 'https://foo.org'], (421, [origin])]


def test_origin_frames_are_ignored_over_h2c(run_loop):
    # Ports test-http2-origin.js's last block: a plain-text client ignores
    # the ORIGIN frames the server sends, and its originSet is None.
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.session.origin('https://example.org', 'https://example.com')
        stream.respond()
        stream.end('ok')
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    client.on('origin', lambda origins: seen.append(origins))
    seen.append(client.originSet)
    req = client.request()
    req.resume()
    req.on('close', lambda: (client.close(), server.close()))
    run_loop(10)
    assert seen == [None]


@pytest.mark.parametrize('servername', [None, ''])
def test_a_secure_session_knows_its_name_protocol_and_origin(run_loop, tls_certs, servername):
    # Ports test-http2-create-client-secure-session.js (its cases with
    # localhost's certificate; no servername, then an empty one): both
    # ends are encrypted with ALPN h2, each originSet opens with the
    # client's origin, and the response carries its date.
    seen = {}
    server = secure_server(tls_certs)

    def on_stream(stream, headers, flags, raw):
        session = stream.session
        seen['server'] = (session.encrypted, session.alpnProtocol, list(session.originSet)[:1],
                          headers[':authority'])
        stream.respond({'content-type': 'application/json'})
        stream.end(json.dumps({'alpnProtocol': session.socket.alpnProtocol}))
    server.on('stream', on_stream)
    server.on('close', lambda: seen.setdefault('closed', True))
    port = listen(run_loop, server)
    options = {'ca': tls_certs.ca}
    if servername is not None:
        options['servername'] = servername
    client = http2.connect('https://localhost:%d' % port, options)
    client.on('connect', lambda session, socket: seen.setdefault('client', (
        client.encrypted, client.alpnProtocol, list(client.originSet))))
    req = client.request()
    req.setEncoding('utf8')
    body = []
    req.on('response', lambda headers, *_: seen.setdefault('response', (
        headers[':status'], headers['content-type'], bool(headers.get('date')))))
    req.on('data', body.append)

    def on_end():
        seen['body'] = json.loads(''.join(body))
        server.close()
        client.socket.destroy()
    req.on('end', on_end)
    run_loop(10)
    origin = 'https://localhost:%d' % port
    assert seen['client'] == (True, 'h2', [origin])
    encrypted, alpn, server_origins, authority = seen['server']
    assert (encrypted, alpn, authority) == (True, 'h2', 'localhost:%d' % port)
    assert len(server_origins) == 1 and server_origins[0].startswith('https://')
    assert seen['response'] == (200, 'application/json', True)
    assert seen['body'] == {'alpnProtocol': 'h2'}
    assert seen['closed']


def test_connect_takes_a_tls_socket_that_has_already_read(run_loop, tls_certs):
    # Ports test-http2-connect-tls-with-delay.js: a TLS socket connected
    # (ALPN h2) and 'readable' (the server's SETTINGS waiting in it)
    # before connect() is given it as createConnection's: the session
    # reads those SETTINGS ('remoteSettings') and a request is answered.
    seen = []
    server = secure_server(tls_certs)
    server.on('request', lambda req, res: res.end())
    server.listen(0, '127.0.0.1')
    port = server.address().port
    options = {'ALPNProtocols': ['h2'], 'host': '127.0.0.1', 'servername': 'localhost',
               'port': port, 'rejectUnauthorized': False}

    def on_secure():
        def on_readable():
            client = http2.connect('https://localhost:%d' % port,
                                   dict(options, createConnection=lambda *_: socket))

            def on_settings(settings):
                req = client.request({':path': '/'})
                req.on('data', lambda chunk: req.resume())
                req.on('end', lambda: (seen.append('end'), client.close(), req.close(),
                                       server.close()))
                req.end()
            client.once('remoteSettings', on_settings)
        socket.once('readable', on_readable)
    socket = tls.connect(options, on_secure)
    run_loop(10)
    assert seen == ['end']


@pytest.mark.skipif(shutil.which('h2load') is None, reason='needs h2load (nghttp2-client)')
def test_a_client_killed_mid_response_leaves_the_server_whole(run_loop, tls_certs, tmp_path):
    # Ports test-http2-tls-disconnect.js: h2load's requests each get a
    # large file piped into the compatibility response; h2load is killed
    # (SIGINT) 100 ms in. The server takes the torn TLS sessions and closes.
    big = tmp_path / 'big'
    big.write_bytes(b'x' * (8 << 20))
    seen = []
    server = secure_server(tls_certs)

    def on_request(req, res):
        from pyuvnet import fs
        fs.createReadStream(str(big)).pipe(res)
    server.on('request', on_request)
    server.on('close', lambda: seen.append('close'))
    port = listen(run_loop, server)
    proc = subprocess.Popen(['h2load', '-n', '1000', 'https://localhost:%d/' % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill():
        proc.send_signal(2)
    net.setTimeout(kill, 100)
    watcher = net.setInterval(lambda: proc.poll() is not None and (
        net.clearInterval(watcher), server.close()), 20)
    try:
        run_loop(20)
    finally:
        proc.kill()
        proc.wait()
    assert seen == ['close']


def test_a_session_destroyed_in_a_requests_end_callback(run_loop):
    # Ports test-http2-server-session-destroy.js: a POST ended, and the
    # client's session destroyed from end()'s callback; the server takes
    # it and closes, its callback called once.
    seen = []
    server = http2.createServer()
    server.listen(0, '127.0.0.1')
    port = server.address().port

    def after_connect(session, socket):
        session.request({':method': 'POST'}).end(lambda *_: (
            seen.append('ended'), session.destroy(), server.close()))
    http2.connect('http://127.0.0.1:%d' % port, after_connect)
    server.on('close', lambda: seen.append('server closed'))
    run_loop(10)
    assert seen == ['ended', 'server closed']


def test_a_thousand_posts_within_a_small_session_memory(run_loop):
    # Ports test-http2-max-session-memory-leak.js: 1,000 POSTs of 8 KiB
    # one after the other, client and server at maxSessionMemory 1 (MiB):
    # each is answered; what a finished stream held is given back.
    count = [0]
    server = http2.createServer({'maxSessionMemory': 1})
    server.on('stream', lambda stream, headers, flags, raw: (stream.respond(), stream.end()))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server),
                           {'maxSessionMemory': 1})
    errors = []

    def request():
        stream = client.request({':method': 'POST', 'content-length': 8192})
        stream.on('error', errors.append)
        stream.on('response', lambda *_: answered())
        stream.end(b'a' * 8192)

    def answered():
        count[0] += 1
        if count[0] < 1000:
            request()
        else:
            client.close()
            server.close()
    request()
    run_loop(60)
    assert (count[0], errors) == (1000, [])


def test_a_secure_server_refuses_what_is_no_stream_with_invalid_arg_type(run_loop, tls_certs):
    # Node 20 (run first) takes a JS Duplex as a secure server's
    # 'connection' (TLS over its JSStreamSocket; tests/tls/test_tls_js_stream.py
    # pins pyuvnet's), and fails on an object with an uncoded TypeError:
    # pyuvnet's is ERR_INVALID_ARG_TYPE (a TypeError), as new TLSSocket() of
    # one, and nothing is made of it. A socket is served after.
    from support import assert_code
    h2 = secure_server(tls_certs)
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: h2.emit('connection', object()), TypeError)
    assert str(error).startswith('The "socket" argument must be ')
    seen = []
    h2.on('stream', lambda stream, *_: (stream.respond(), stream.end()))
    client = http2.connect('https://localhost:%d' % listen(run_loop, h2),
                           {'rejectUnauthorized': False})
    req = client.request()
    req.on('response', lambda headers, *_: seen.append(headers[':status']))
    req.resume()
    req.on('close', lambda: (client.close(), h2.close()))
    run_loop(10)
    assert seen == [200]


def test_a_secure_sessions_raw_socket_destroyed_under_it(run_loop, tls_certs):
    # Ports test-http2-socket-close.js: a net server hands its sockets to
    # a secure server ('connection'); once the client has its response,
    # the raw socket is destroyed and, 10 ms on, the server's session
    # closed: nothing throws, and the client's session closes.
    seen = []
    raw, sessions = [], []
    h2 = secure_server(tls_certs, ALPNProtocols=['h2'])
    h2.on('request', lambda req, res: (res.writeHead(200), res.end()))
    h2.on('session', sessions.append)

    def on_connection(socket):
        raw.append(socket)
        h2.emit('connection', socket)
    server = net.createServer(on_connection)
    port = listen(run_loop, server)
    client = http2.connect('https://localhost:%d' % port, {'rejectUnauthorized': False})
    client.on('close', lambda: (seen.append('client close'), server.close()))
    req = client.request({':method': 'GET', ':path': '/'})

    def on_response(headers, *_):
        seen.append(headers[':status'])
        net.setTimeout(lambda: (raw[0].destroy(),
                                net.setTimeout(lambda: sessions[0].close(), 10)), 10)
    req.on('response', on_response)
    req.on('error', lambda error: None)
    run_loop(10)
    assert seen == [200, 'client close']


def test_files_served_over_a_secure_session(run_loop, tls_certs, tmp_path):
    # Ports test-http2-serve-file.js: the stream's path names a file; one
    # that exists is piped into the stream after a 200, one that does not
    # is a 404 without data.
    from pyuvnet import fs
    (tmp_path / 'a.js').write_text('// a.js\n' * 2000)
    seen = {}
    server = secure_server(tls_certs)

    def on_stream(stream, headers, flags, raw):
        name = str(tmp_path / headers[':path'][1:])
        if not os.path.isfile(name):
            stream.respond({':status': 404})
            stream.end()
        else:
            stream.respond({':status': 200})
            fs.createReadStream(name).pipe(stream)
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    client = http2.connect('https://localhost:%d' % port, {'ca': tls_certs.ca})
    remaining = [2]

    def done():
        remaining[0] -= 1
        if not remaining[0]:
            client.close()
            server.close()
    for path in ('/a.js', '/does_not_exist'):
        req = client.request({':path': path}, {'endStream': True})
        req.on('response', lambda headers, *_, path=path: seen.setdefault(
            path, []).append(headers[':status']))
        req.setEncoding('utf8')
        body = []
        req.on('data', body.append)
        req.on('end', lambda body=body, path=path: (seen[path].append(''.join(body)), done()))
    run_loop(10)
    assert seen == {'/a.js': [200, '// a.js\n' * 2000], '/does_not_exist': [404, '']}
