"""Flow control on the writing side of pyuvnet.http (issue 39): write() on
a ServerResponse or a ClientRequest returns False once the socket holds a
high-water mark's worth, and 'drain' follows on the message, as in Node 20
(pinned with node: the message's 'drain' comes before the socket's, with
writableNeedDrain False and writableLength 0; a ClientRequest's writes
made before it has a socket count against the same mark, and the 'drain'
they owe comes after 'socket').  pyuvnet's sockets keep Node 22's mark,
65536 (Node 20's is 16384): the messages report their socket's."""
import hashlib

import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen

CHUNK = 64 << 10


def blob(size):
    seed = hashlib.sha256(b'flow').digest()
    return (seed * (size // len(seed) + 1))[:size]


def stream_out(message, data, then=None):
    """Write ``data`` into ``message`` as Node code does: chunk after chunk
    while write() returns True, the rest on 'drain'; then end()."""
    pos = [0]

    def more():
        while pos[0] < len(data):
            chunk = data[pos[0]:pos[0] + CHUNK]
            pos[0] += CHUNK
            if not message.write(chunk):
                message.once('drain', more)
                return
        message.end()
        if then is not None:
            then()
    more()


def collect(res, into):
    res.on('data', into.append)


def test_response_write_returns_false_and_drain_follows_on_the_response(run_loop):
    """The pinned order and values: write() False at the mark with
    writableNeedDrain True and writableLength the socket's; 'drain' on the
    response first (need-drain False, length 0), then on the socket."""
    seen = {}
    events = []
    received = []

    def app(req, res):
        res.writeHead(200)
        seen['hwm'] = res.writableHighWaterMark
        seen['before'] = (res.writableLength, res.writableNeedDrain)
        writes = 0
        while res.write(b'x' * 16384):
            writes += 1
            assert writes < 1000
        seen['false_after'] = writes + 1
        seen['full'] = (res.writableNeedDrain, res.writableLength,
                        req.socket.writableLength)
        res.on('drain', lambda: (events.append(('drain', res.writableNeedDrain,
                                                res.writableLength)), res.end()))
        req.socket.on('drain', lambda: events.append('socket drain'))
        res.on('finish', lambda: events.append('finish'))
        res.on('close', lambda: (events.append('close'), server.close()))
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1'},
                                    lambda res: collect(res, received)))
    run_loop()
    assert seen['hwm'] == 65536
    assert seen['before'] == (0, False)
    assert seen['false_after'] == 4            # 4 x 16 KiB reach 64 KiB
    need, length, socket_length = seen['full']
    assert need is True and length == socket_length >= 65536
    assert events == [('drain', False, 0), 'socket drain', 'finish', 'close']
    assert len(b''.join(received)) == 16384 * 4


def test_a_response_streamed_with_drain_arrives_whole(run_loop):
    """20 MiB written as Node code writes it (wait for 'drain' whenever
    write() says so): every byte arrives; main sent 64 KiB and stalled."""
    data = blob(20 << 20)
    received = []

    def app(req, res):
        res.writeHead(200, {'Content-Type': 'application/octet-stream'})
        stream_out(res, data)
    server = http.createServer(app)

    def got(res):
        collect(res, received)
        res.on('end', server.close)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1'}, got))
    run_loop(20)
    assert hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(data).digest()


def test_a_client_upload_with_drain_and_req_pipe_res_echo_it_whole(run_loop):
    """A ClientRequest uploads 8 MiB with write()/'drain'; the server
    echoes it with req.pipe(res): the same bytes come back (main's pipe
    stalled at 64-96 KiB, the upload at 64 KiB)."""
    data = blob(8 << 20)
    received = []
    server = http.createServer(lambda req, res: req.pipe(res))

    def start():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST', 'path': '/echo'},
                           lambda res: (collect(res, received), res.on('end', server.close)))
        stream_out(req, data)
    listen(server, start)
    run_loop(20)
    assert hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(data).digest()


def test_client_writes_before_the_socket_count_against_the_mark(run_loop):
    """Before its socket, a ClientRequest holds what it is given: write()
    is True below 64 KiB held, False from there, and the 'drain' it owes
    comes once the socket took it, after 'socket' (Node's order)."""
    events = []
    server = http.createServer(lambda req, res: (req.resume(), req.on('end', res.end)))

    def start():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST'},
                           lambda res: (res.resume(), res.on('end', server.close)))
        events.append(('first', req.write(b'a' * 40000), req.writableLength))
        events.append(('second', req.write(b'b' * 40000), req.writableNeedDrain))
        req.on('socket', lambda socket: events.append('socket'))
        req.on('drain', lambda: (events.append(('drain', req.writableNeedDrain)), req.end()))
    listen(server, start)
    run_loop()
    first, second = events[0], events[1]
    assert first[:2] == ('first', True) and first[2] >= 40000
    assert second == ('second', False, True)
    assert events[2:] == ['socket', ('drain', False)]


def test_pipelined_answers_waiting_their_turn_count_against_the_mark(run_loop):
    """The second of two pipelined requests writes before its turn: its
    write() is False past 64 KiB held, and its 'drain' comes when its turn
    has sent what it held.  Both answers arrive whole, in order."""
    events = []
    received = []
    first_res = []

    def app(req, res):
        if req.url == '/1':
            first_res.append(res)
            return
        res.writeHead(200, {'Content-Length': str(3 * CHUNK)})
        events.append(res.write(b'2' * CHUNK))
        events.append(res.write(b'2' * CHUNK))
        res.on('drain', lambda: (events.append('drain'), res.end(b'2' * CHUNK)))
        first_res[0].end(b'1' * 1000)
    server = http.createServer(app)

    def start():
        client = net.connect(server.address().port, '127.0.0.1')
        client.write(b'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n')
        client.on('data', received.append)

        def check():
            data = b''.join(received)
            if data.count(b'2') >= 3 * CHUNK:
                client.destroy()
                server.close()
            else:
                net.setTimeout(check, 10)
        check()
    listen(server, start)
    run_loop()
    # The first write held the head and 64 KiB: past the mark already.
    assert events == [False, False, 'drain']
    data = b''.join(received)
    assert data.index(b'1' * 1000) < data.index(b'2' * CHUNK)
