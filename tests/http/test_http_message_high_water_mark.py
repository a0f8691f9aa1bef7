"""stream.setDefaultHighWaterMark() reaches HTTP messages as in Node 20
(issue 68): an IncomingMessage takes its socket's readableHighWaterMark
when made, and holds that much unread body before its connection stops
reading; an OutgoingMessage reads its socket's writableHighWaterMark, and
before it has one, the default it was made with (a server's response:
its connection's).  Pinned under Node 20.20.2 first (hwm6.js, hwm6c.js:
the log in each test's docstring)."""
import pyuvnet as net
import pyuvnet.http as http
from pyuvnet import stream

import pytest

from http_server_support import listen

PIECE = b'a' * 4096
PIECES = 40


@pytest.fixture
def default_high_water_mark():
    """Sets the byte default for the test, and puts it back after it."""
    before = stream.getDefaultHighWaterMark(False)
    yield lambda value: stream.setDefaultHighWaterMark(False, value)
    stream.setDefaultHighWaterMark(False, before)


def test_the_default_reaches_both_sides_messages_and_their_sockets(run_loop,
                                                                   default_high_water_mark):
    """hwm6.js with setDefaultHighWaterMark(false, 1000): Node 20 reads
    1000 everywhere: the ClientRequest before and at 'socket', the
    server's request and response and their socket, the client's
    response and its socket."""
    default_high_water_mark(1000)
    log = []

    def app(req, res):
        log.append(('server req', req.readableHighWaterMark, req.socket.readableHighWaterMark,
                    req.socket.writableHighWaterMark))
        log.append(('server res', res.writableHighWaterMark))
        res.end('ok')
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'agent': False},
                           lambda res: (log.append(('client res', res.readableHighWaterMark,
                                                    res.socket.readableHighWaterMark)),
                                        res.resume(), res.on('end', server.close)))
        log.append(('client req before socket', req.writableHighWaterMark))
        req.on('socket', lambda socket: log.append(
            ('client req at socket', req.writableHighWaterMark, socket.writableHighWaterMark)))
        req.end()
    listen(server, go)
    run_loop()
    assert log == [('client req before socket', 1000), ('client req at socket', 1000, 1000),
                   ('server req', 1000, 1000, 1000), ('server res', 1000),
                   ('client res', 1000, 1000)]


def held_while_paused(run_loop, on_response):
    """A server writing 40 pieces of 4 KiB, 10 ms apart; the client's
    response is left unread for 600 ms: (its readableHighWaterMark, what
    it held then, the bytes read after)."""
    seen = []

    def app(req, res):
        sent = [0]

        def write_one():
            res.write(PIECE)
            sent[0] += 1
            if sent[0] == PIECES:
                timer.close()
                res.end()
        timer = net.setInterval(write_one, 10)
    server = http.createServer(app)

    def got(res):
        on_response(res)

        def read():
            held = res.readableLength
            total = []
            res.on('data', lambda chunk: total.append(len(chunk)))
            res.on('end', lambda: (seen.append((res.readableHighWaterMark, held, sum(total))),
                                   server.close()))
        net.setTimeout(read, 600)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': False}, got))
    run_loop(10)
    return seen[0]


def test_an_unread_response_holds_the_default_high_water_mark(run_loop,
                                                                default_high_water_mark):
    """hwm6c.js with setDefaultHighWaterMark(false, 1000): Node 20 holds
    one 4 KiB piece (the read that went over 1000), then reads all
    163840 bytes (with its own 16 KiB default it holds 16384)."""
    default_high_water_mark(1000)
    mark, held, total = held_while_paused(run_loop, lambda res: None)
    assert (mark, total) == (1000, PIECE.__len__() * PIECES)
    # One read over the mark, two if the kernel joined two pieces.
    assert 1000 <= held <= 2 * len(PIECE)


def test_an_unread_request_holds_its_sockets_high_water_mark(run_loop,
                                                              default_high_water_mark):
    """The server's side of hwm6c.js: a POST whose body comes in 4 KiB
    pieces, 10 ms apart, left unread for 600 ms by a server made after
    setDefaultHighWaterMark(false, 1000).  Node 20 holds one piece, then
    reads it all."""
    default_high_water_mark(1000)
    seen = []

    def app(req, res):
        def read():
            held = req.readableLength
            total = []
            req.on('data', lambda chunk: total.append(len(chunk)))
            req.on('end', lambda: (seen.append((req.readableHighWaterMark, held, sum(total))),
                                   res.end('ok')))
        net.setTimeout(read, 600)
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'agent': False, 'method': 'POST'},
                           lambda res: (res.resume(), res.on('end', server.close)))
        sent = [0]

        def write_one():
            req.write(PIECE)
            sent[0] += 1
            if sent[0] == PIECES:
                timer.close()
                req.end()
        timer = net.setInterval(write_one, 10)
    listen(server, go)
    run_loop(10)
    mark, held, total = seen[0]
    assert (mark, total) == (1000, len(PIECE) * PIECES)
    assert 1000 <= held <= 2 * len(PIECE)
