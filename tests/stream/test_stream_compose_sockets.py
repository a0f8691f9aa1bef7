"""stream.compose() with a net.Socket or an HTTP message at either end,
each program run under Node 20 (/usr/bin/node v20.20) first: what it
reads and writes, and the order of the events (test-stream-compose.js's
joins, over pyuvnet's own streams)."""
import pyuvnet as net
import pyuvnet.http as http
from pyuvnet.stream import Transform, compose, pipeline


def upper():
    return Transform(transform=lambda self, c, e, cb: cb(None, bytes(c).upper()))


def bracketed():
    return Transform(transform=lambda self, c, e, cb: cb(None, b'[' + bytes(c) + b']'))


def record(log, name, stream, events=('end', 'finish', 'close', 'error')):
    for event in events:
        stream.on(event, lambda *args, e=event: log.append(
            '%s %s%s' % (name, e, ':' + args[0].code if args and hasattr(args[0], 'code') else '')))


def test_a_client_socket_in_the_middle_of_a_compose(listening_server, run_loop):
    """Node 20: compose(upper, socket, bracketed) to an echo server; the
    socket is destroyed by the time the Duplex closes, and its own 'close'
    comes after."""
    server, port = listening_server(lambda s: s.pipe(s))
    sock = net.connect(port, '127.0.0.1')
    d = compose(upper(), sock, bracketed())
    assert (d.readable, d.writable, d.readableObjectMode, d.writableObjectMode) == \
        (True, True, False, False)
    got, log = [], []
    d.on('data', got.append)
    record(log, 'd', d)
    record(log, 'sock', sock)
    d.on('close', lambda: (log.append('destroyed' if sock.destroyed else 'alive'), server.close()))
    d.write(b'abc')
    d.once('data', lambda chunk: d.end(b'def'))
    run_loop()
    assert got == [b'[ABC]', b'[DEF]']
    assert log == ['sock finish', 'sock end', 'd end', 'd finish', 'd close', 'destroyed',
                   'sock close']


def test_a_server_socket_first_is_read_through_the_compose(listening_server, run_loop):
    """Node 20: compose(socket, upper) on the server's socket; the client
    writes and ends; ending the Duplex ends the socket."""
    log, got = [], []

    def on_connection(s):
        d = compose(s, upper())
        log.append((d.readable, d.writable))
        record(log, 'd', d)
        record(log, 's', s)
        d.on('data', got.append)
        d.on('end', lambda: (d.end(), server.close()))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'hello'))
    client.resume()
    run_loop()
    assert got == [b'HELLO']
    assert log == [(True, True), 's end', 'd end', 'd finish', 'd close', 's finish', 's close']


def test_a_socket_the_peer_resets_fails_the_compose_with_premature_close(listening_server,
                                                                          run_loop):
    """Node 20: compose(upper, socket) whose server destroys the connection:
    the socket ends and closes, the Duplex errs ERR_STREAM_PREMATURE_CLOSE."""
    server, port = listening_server(lambda s: s.destroy())
    sock = net.connect(port, '127.0.0.1')
    d = compose(upper(), sock)
    assert (d.readable, d.writable) == (True, True)
    log = []
    record(log, 'd', d)
    record(log, 'sock', sock)
    d.on('close', server.close)
    d.write(b'x')
    d.resume()
    run_loop()
    assert log == ['sock end', 'd end', 'sock finish', 'sock close',
                   'd error:ERR_STREAM_PREMATURE_CLOSE', 'd close']


def http_exchange(app, body, run_loop):
    """POST ``body`` to a server running ``app``; the response's body."""
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')
    got = []

    def on_response(res):
        res.on('data', got.append)
        res.on('end', server.close)
    req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'method': 'POST'},
                       on_response)
    req.end(body)
    run_loop()
    return b''.join(got)


def test_an_incoming_message_first_gives_a_read_only_compose(run_loop):
    """Node 20: pipeline(compose(req, upper), res) in the request handler.
    (The request's own 'close' is left out: Node 20 emits it after its
    'end', pyuvnet after the response's 'close'.)"""
    log = []

    def app(req, res):
        d = compose(req, upper())
        log.append((d.readable, d.writable))
        record(log, 'd', d)
        record(log, 'req', req, ('end', 'error'))
        pipeline(d, res, lambda err, value=None: log.append(('pipeline', err)))
    assert http_exchange(app, b'hello http', run_loop) == b'HELLO HTTP'
    assert log == [(True, False), 'req end', 'd end', 'd close', ('pipeline', None)]


def test_a_server_response_last_gives_a_write_only_compose(run_loop):
    """Node 20: req.pipe(compose(upper, res)) in the request handler."""
    log = []

    def app(req, res):
        d = compose(upper(), res)
        log.append((d.readable, d.writable))
        record(log, 'd', d)
        record(log, 'res', res, ('finish', 'close', 'error'))
        req.pipe(d)
    assert http_exchange(app, b'hello res', run_loop) == b'HELLO RES'
    assert log == [(False, True), 'res finish', 'res close', 'd finish', 'd close']
