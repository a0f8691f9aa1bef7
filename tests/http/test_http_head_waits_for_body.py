"""A head read alone waits for the read right after it (pyuvnet/uv/http/
parser.pyx, ``head_alone``).  After a large Content-Length upload the
server reads the next head alone, so that its body lands in a bytes object
of its own; libuv reads again at once after such a read, and when that read
brings the body, head and body are one whole message: 'request' comes with
the body already in (as for a small POST that came in one read).  When it
brings nothing (the client waits, for an answer or a 100 Continue), the
head goes on alone at once, as Node dispatches it; at EOF too."""
import pyuvnet as net
import pyuvnet.http as http
from http_server_support import collect_bodies, listen

SIZE = 65536
PAD = b'X-Pad: ' + b'p' * (len(b'Expect: 100-continue') - len(b'X-Pad: ')) + b'\r\n'


def head(url=b'/', extra=PAD):
    return b'POST %s HTTP/1.1\r\nHost: a\r\n%sContent-Length: %d\r\n\r\n' % (url, extra, SIZE)


def body(seed):
    return bytes([seed]) * SIZE


def counting_app(seen, expected):
    """collect_bodies' app, and the readableLength of each request when its
    'request' came (a list, returned with the server)."""
    server = collect_bodies(seen, expected)
    at_request = []
    server.prependListener('request', lambda req, res: at_request.append(req.readableLength))
    return server, at_request


def client(server, steps, done):
    """A raw keep-alive connection: each step is (bytes to write, answer
    bytes to wait for before the next step)."""
    sock = net.connect(server.address().port, '127.0.0.1')
    got = []
    pending = list(steps)

    def next_step():
        if not pending:
            sock.end()
            return
        data, wait_for = pending.pop(0)
        sock.write(data)
        if wait_for is None:
            next_step()
        else:
            expect[0] = wait_for

    expect = [None]

    def on_data(chunk):
        got.append(chunk)
        if expect[0] is not None and expect[0] in b''.join(got):
            del got[:]
            expect[0] = None
            next_step()
    sock.on('data', on_data)
    sock.on('close', lambda had_error: done.append(True))
    next_step()
    return sock


def test_uploads_repeating_their_head_come_whole_with_it(run_loop):
    """The second and later uploads (their head read alone, their body in
    the read that follows) reach 'request' with the whole body waiting."""
    seen, done = [], []
    server, at_request = counting_app(seen, 4)
    steps = [(head(b'/%d' % i) + body(i), b'ok') for i in range(4)]
    listen(server, lambda: client(server, steps, done))
    run_loop(20)
    assert seen == [('/%d' % i, body(i), 1, True) for i in range(4)]
    assert at_request[1:] == [SIZE] * 3


def test_a_head_whose_body_waits_for_an_answer_is_dispatched_at_once(run_loop):
    """The head alone, its body sent only once the server answered the
    head: 'request' cannot wait for the body (it would never come)."""
    seen, done = [], []

    def app(req, res):
        seen.append((req.url, req.readableLength))
        res.writeHead(200, {'Content-Length': '2'})
        res.write('o')
        chunks = []
        req.on('data', chunks.append)

        def on_end():
            seen.append(len(b''.join(chunks)))
            res.end('k')
            if len(seen) == 4:
                server.close()
        req.on('end', on_end)
    server = http.createServer(app)
    steps = [(head(b'/first') + body(1), b'ok'), (head(b'/second'), b'\r\n\r\no'),
             (body(2), b'k')]
    listen(server, lambda: client(server, steps, done))
    run_loop(20)
    assert seen[1:] == [SIZE, ('/second', 0), SIZE]


def test_expect_continue_after_an_upload_gets_its_100_before_the_body(run_loop):
    """Expect: 100-continue with a head as long as the last one (read alone):
    the 100 goes out while the body waits in the client."""
    seen, done = [], []
    server, at_request = counting_app(seen, 2)
    steps = [(head(b'/a') + body(3), b'ok'),
             (head(b'/b', b'Expect: 100-continue\r\n'), b'HTTP/1.1 100 Continue\r\n\r\n'),
             (body(4), b'ok')]
    listen(server, lambda: client(server, steps, done))
    run_loop(20)
    assert seen == [('/a', body(3), 1, True), ('/b', body(4), 1, True)]
    assert at_request[1] == 0


def test_a_head_alone_then_eof_is_still_a_request(run_loop):
    """The client sends a second head and ends: 'request' still comes, and
    the request is aborted (Node 20: 'request', 'aborted', an ECONNRESET
    'error', 'close')."""
    events = []

    def app(req, res):
        events.append(('request', req.url))
        if req.url == '/first':
            req.on('end', lambda: res.end('ok'))
            req.resume()
            return
        req.on('aborted', lambda: events.append('aborted'))
        req.on('error', lambda err: events.append(err.code))
        req.on('close', lambda: (events.append('close'), server.close()))
    server = http.createServer(app)
    listen(server, lambda: client(server, [(head(b'/first') + body(5), b'ok'),
                                           (head(b'/second'), None)], []))
    run_loop(20)
    assert events[1:] == [('request', '/second'), 'aborted', 'ECONNRESET', 'close']
