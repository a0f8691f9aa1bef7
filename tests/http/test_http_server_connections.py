"""pyuvnet.http's server and its connections: the timeouts (a slowloris
client cut by headersTimeout, idle keep-alive connections by
keepAliveTimeout, the server's setTimeout), closing connections (idle or
all), maxRequestsPerSocket, pipelined answers kept in order, a client
gone mid-body, and closed connections leaving nothing alive (pinned with
Node 20).  The answers' bytes are compared with Node's in
test_http_wire.py."""
import gc
import time
import weakref

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import GET, listen, raw_client


def test_pipelined_answers_keep_the_requests_order(run_loop):
    """The first request is answered after a timer, the second at once:
    the second's bytes wait for the first's."""
    def app(req, res):
        if req.url == '/slow':
            net.setTimeout(lambda: res.end('slow'), 30)
        else:
            res.end('fast')
    server = http.createServer(app)
    got = []

    def start():
        out, closed, sock = raw_client(server, [
            b'GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n'
            b'Connection: close\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].index(b'slow') < got[0].index(b'fast')
    assert got[0].count(b'HTTP/1.1 200 OK') == 2


def test_a_slowloris_client_is_cut_by_headers_timeout_with_408(run_loop):
    """Node's check (every connectionsCheckingInterval ms): a head not in
    after headersTimeout ms gets 408 and the connection is closed."""
    server = http.createServer({'headersTimeout': 150, 'requestTimeout': 1000,
                                'connectionsCheckingInterval': 30}, lambda req, res: res.end())
    result = {}

    def start():
        drip = [b'GET / HTTP/1.1\r\n'] + [b'X-%d: 1\r\n' % i for i in range(40)]
        out, closed, sock = raw_client(server, drip, 25)
        result['started'] = time.monotonic()
        sock.on('close', lambda _: (result.update(out=b''.join(out), at=closed[0]), server.close()))
    listen(server, start)
    run_loop()
    assert result['out'] == b'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'
    assert 0.15 <= result['at'] - result['started'] < 0.6


def test_a_connection_that_sends_nothing_is_cut_too_and_client_error_sees_the_timeout(run_loop):
    server = http.createServer({'headersTimeout': 100, 'connectionsCheckingInterval': 20})
    seen = []

    def on_client_error(err, socket):
        seen.append((type(err).__name__, err.code, str(err)))
        socket.destroy()
        server.close()
    server.on('clientError', on_client_error)
    listen(server, lambda: raw_client(server, []))
    run_loop()
    assert seen == [('ERR_HTTP_REQUEST_TIMEOUT', 'ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout')]


def test_an_idle_keep_alive_connection_times_out_a_second_after_keep_alive_timeout(run_loop):
    """Node 20's resOnFinish: the idle socket's timeout is keepAliveTimeout
    plus a fixed 1000 ms buffer (socket.timeout 1050 for 50), and its
    'timeout' is Node's socketOnTimeout: closed when nobody listens, handed
    to the server's 'timeout' listener (and left open) when one does."""
    result = {}

    def start(name, server):
        def on_connection(socket):
            server_sockets[name] = socket
        server_sockets = {}
        server.on('connection', on_connection)
        out, closed, sock = raw_client(server)

        def answered(chunk):
            result.setdefault(name + ' answered', time.monotonic())
            # resOnFinish has run by the next tick.
            net.nextTick(lambda: result.setdefault(name + ' timeout',
                                                   server_sockets[name].timeout))
        sock.on('data', answered)
        sock.on('close', lambda _: (result.update({name + ' closed': time.monotonic()}),
                                    server.close()))

    plain = http.createServer({'keepAliveTimeout': 50}, lambda req, res: res.end('x'))
    listened = http.createServer({'keepAliveTimeout': 50}, lambda req, res: res.end('x'))

    def on_timeout(socket):
        result['listened timed out'] = time.monotonic()
        result['listened open'] = not socket.destroyed
        socket.destroy()
    listened.on('timeout', on_timeout)
    listen(plain, lambda: start('plain', plain))
    listen(listened, lambda: start('listened', listened))
    run_loop()
    assert result['plain timeout'] == result['listened timeout'] == 1050
    assert 1.0 <= result['plain closed'] - result['plain answered'] < 1.6
    assert 1.0 <= result['listened timed out'] - result['listened answered'] < 1.6
    assert result['listened open']


def test_no_keep_alive_timeout_leaves_an_idle_connection_open(run_loop):
    """keepAliveTimeout 0: Node sets no timeout on the idle socket (its
    socket.timeout stays undefined: None here)."""
    server = http.createServer({'keepAliveTimeout': 0}, lambda req, res: res.end('x'))
    sockets, seen = [], []
    server.on('connection', sockets.append)

    def start():
        out, closed, sock = raw_client(server)
        sock.on('close', lambda _: server.close())
        sock.on('data', lambda chunk: net.setTimeout(
            lambda: (seen.append((sockets[0].timeout, sockets[0].destroyed)), sock.destroy()), 50))
    listen(server, start)
    run_loop()
    assert seen == [(None, False)]


def test_keep_alive_timeout_spares_a_request_slower_than_it(run_loop):
    """The keep-alive timeout stays armed across requests (it measures
    idleness): a second request whose answer takes longer than it (1000 ms
    buffer included) is still answered, as in Node (where the timeout is
    off during a request)."""
    def app(req, res):
        if req.url == '/slow':
            net.setTimeout(lambda: res.end('slow'), 1100)
        else:
            res.end('fast')
    server = http.createServer({'keepAliveTimeout': 20}, app)
    got = []

    def start():
        out, closed, sock = raw_client(server, [GET, b'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n'], 20)
        sock.on('data', lambda chunk: chunk.endswith(b'slow') and sock.destroy())
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].endswith(b'slow')


def test_server_set_timeout_emits_timeout_with_the_socket(run_loop):
    seen = []
    server = http.createServer(lambda req, res: None)
    server.setTimeout(50, lambda socket: (seen.append(type(socket).__name__), socket.destroy(),
                                          server.close()))
    listen(server, lambda: raw_client(server))
    run_loop()
    assert seen == ['Socket']


def test_close_idle_connections_spares_a_request_under_way(run_loop):
    log = []

    def app(req, res):
        # The idle connection's answer is out: close the idle ones now.
        if req.url == '/idle':
            res.end('x', lambda: net.setTimeout(close_idle, 20))
        else:
            req.on('end', lambda: res.end('busy'))
            req.resume()
    server = http.createServer(app)

    busy = {}

    def close_idle():
        server.closeIdleConnections()
        busy['sock'].write(b'cd')

    def start():
        _, idle_closed, _ = raw_client(server, [b'GET /idle HTTP/1.1\r\nHost: a\r\n\r\n'])
        out, busy_closed, sock = raw_client(server, [
            b'POST /busy HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 4\r\n\r\nab'])
        busy['sock'] = sock
        sock.on('close', lambda _: (log.append((bool(idle_closed), b''.join(out))), server.close()))
    listen(server, start)
    run_loop()
    assert log[0][0] is True
    assert log[0][1].endswith(b'busy')


def test_close_all_connections_and_close_end_keep_alive_connections(run_loop):
    server = http.createServer(lambda req, res: res.end('x'))
    closed = []

    def start():
        for _ in range(2):
            out, when, sock = raw_client(server)
            sock.on('close', lambda _: closed.append(1))
        net.setTimeout(server.close, 50)
    listen(server, start)
    run_loop()
    assert closed == [1, 1]
    server = http.createServer(lambda req, res: None)
    closed = []

    def start_all():
        out, when, sock = raw_client(server)
        sock.on('close', lambda _: closed.append(1))
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 50)
    listen(server, start_all)
    run_loop()
    assert closed == [1]


def test_max_requests_per_socket_says_close_after_the_last_and_drops_the_rest(run_loop):
    """Node 20 (pinned): the answers say 'Keep-Alive: timeout=5, max=2',
    the second 'Connection: close' (yet the connection stays open), a
    third request gets 503 and 'dropRequest'."""
    server = http.createServer(lambda req, res: res.end('x'))
    server.maxRequestsPerSocket = 2
    dropped, got = [], []
    server.on('dropRequest', lambda req, sock: dropped.append(req.url))

    def start():
        out, closed, sock = raw_client(server, [b''.join(
            b'GET /%d HTTP/1.1\r\nHost: a\r\n\r\n' % n for n in (1, 2, 3))])
        sock.on('data', lambda chunk: b'503' in b''.join(out) and sock.end())
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    answers = got[0].split(b'HTTP/1.1 ')[1:]
    assert b'Connection: keep-alive\r\nKeep-Alive: timeout=5, max=2\r\n' in answers[0]
    assert b'Connection: close\r\n' in answers[1]
    assert answers[2].startswith(b'503 Service Unavailable\r\n')
    assert dropped == ['/3']


def test_a_client_gone_mid_body_aborts_the_request(run_loop):
    log = []

    def app(req, res):
        req.on('aborted', lambda: log.append('aborted'))
        req.on('error', lambda err: log.append(('error', err.code, str(err))))
        req.on('close', lambda: (log.append(('close', req.complete)), server.close()))
        res.on('close', lambda: log.append(('res close', res.writableFinished)))
        req.resume()
    server = http.createServer(app)

    def start():
        out, closed, sock = raw_client(server, [
            b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nab'])
        net.setTimeout(sock.destroy, 30)
    listen(server, start)
    run_loop()
    # Node 20's order (pinned): 'aborted', the response's 'close', then
    # the request's 'error' (ECONNRESET 'aborted') and 'close'.
    assert log == ['aborted', ('res close', False), ('error', 'ECONNRESET', 'aborted'),
                   ('close', False)]


def parser_count():
    return sum(1 for obj in gc.get_objects() if type(obj).__name__ == 'HTTPParser')


def test_closed_connections_leave_nothing_alive(run_loop):
    """After the connections closed, no connection state, request,
    response or parser is left (they form cycles with their socket's
    listeners: the collector must be able to free them)."""
    alive = []

    def app(req, res):
        alive.extend(weakref.ref(obj) for obj in (req, res, res._conn))
        res.end('x')
    server = http.createServer(app)
    pending = [10]
    gc.collect()
    parsers_before = parser_count()

    def start():
        for _ in range(10):
            out, closed, sock = raw_client(server, [b'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'])
            sock.on('close', lambda _: pending.__setitem__(0, pending[0] - 1) or (
                pending[0] == 0 and server.close()))
    listen(server, start)
    run_loop()
    gc.collect()
    assert len(alive) == 30
    assert [ref for ref in alive if ref() is not None] == []
    assert parser_count() == parsers_before
