"""How a response reaches its connection: res.end(body) with no head sent
yet is one write of head and body.  On a plain connection the server
queues the two in C as two entries of one writev (no copy joins them);
a connection whose class overrides write() gets the whole response
through that write(), as before."""
import pyuvnet as net
import pyuvnet.http as http

GET = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
BODY = b'x' * 1000


def split_response(data):
    head, _, body = data.partition(b'\r\n\r\n')
    return head + b'\r\n\r\n', body


def test_end_with_a_body_counts_head_and_body_in_bytes_written_at_once(run_loop):
    """bytesWritten counts what res.end() queued as soon as it returns, and
    the client receives exactly that: the head, then the body."""
    counted = []
    received = []

    def app(req, res):
        before = req.socket.bytesWritten
        res.end(BODY)
        counted.append(req.socket.bytesWritten - before)
    server = http.createServer(app)

    def listening():
        client = net.connect(server.address().port, '127.0.0.1', lambda: client.write(GET))
        client.on('data', received.append)
        client.on('end', lambda: None)
        net.setTimeout(lambda: (client.destroy(), server.close()), 100)
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    data = b''.join(received)
    head, body = split_response(data)
    assert body == BODY and b'Content-Length: 1000\r\n' in head
    assert counted == [len(data)]


def test_pipelined_answers_arrive_whole_and_in_order(run_loop):
    """Eight requests in one read, answered at once with bodies of their
    own: eight heads and bodies, in the requests' order, none mixed."""
    received = []

    def app(req, res):
        res.end(req.url.encode() * 100)
    server = http.createServer(app)

    def listening():
        client = net.connect(server.address().port, '127.0.0.1', lambda: client.write(b''.join(
            b'GET /%d HTTP/1.1\r\nHost: a\r\n\r\n' % i for i in range(8))))
        client.on('data', received.append)
        net.setTimeout(lambda: (client.destroy(), server.close()), 150)
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    data = b''.join(received)
    bodies = []
    while data:
        head, data = data.split(b'\r\n\r\n', 1)
        length = int(head.split(b'Content-Length: ')[1].split(b'\r\n')[0])
        bodies.append(data[:length])
        data = data[length:]
    assert bodies == [b'/%d' % i * 100 for i in range(8)]


class RecordingSocket(net.Socket):
    """A socket whose write() is the user's: it records each call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writes = []

    def write(self, data, *args):
        self.writes.append(bytes(data))
        return super().write(data, *args)


def test_a_connection_whose_class_overrides_write_gets_the_response_through_it(run_loop):
    """A socket handed to the server with server.emit('connection', socket)
    (Node's way to serve any duplex) of a class with its own write(): the
    response, head and body, goes through that write() in one call."""
    server = http.createServer(lambda req, res: res.end(BODY))
    received = []
    sockets = []

    def relay_connection(peer):
        peer.on('data', received.append)
        peer.write(GET)
    relay = net.createServer(relay_connection)

    def listening():
        socket = RecordingSocket()
        sockets.append(socket)
        socket.connect(relay.address().port, '127.0.0.1', lambda: server.emit('connection', socket))
        net.setTimeout(lambda: (socket.destroy(), relay.close()), 100)
    relay.listen(0, '127.0.0.1', listening)
    run_loop()
    head, body = split_response(b''.join(received))
    assert body == BODY
    assert sockets[0].writes == [head + body]
