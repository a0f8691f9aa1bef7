"""The server's messages and Python's cyclic GC: a request and its
response are held by their connection until their 'close', so the server
takes them out of the GC's walks until then (pipelined exchanges, all
alive until the turn's write, cost the GC about a sixth of each request);
from 'close' on they are the GC's again, and a cycle a listener made
through them is collected.  Also: rawHeaders and rawTrailers, which the
parser hands over as tuples, read as lists (Node's arrays) that keep
what a caller changes.  And a closed connection's own objects (its
socket, its HTTP state, its parser) are freed by reference counting alone:
the cycles between them are broken at 'close', so no Connection: close
request leaves garbage for the GC's passes."""
import gc
import weakref

import pytest

import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen, raw_client

GET = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'


def serve(app, chunks, run_loop):
    """Runs ``app`` for the raw ``chunks`` of one client; the server closes
    when the client's socket does."""
    server = http.createServer(app)

    def start():
        out, closed, sock = raw_client(server, chunks)
        sock.on('close', lambda _: server.close())
    listen(server, start)
    run_loop()


def test_the_gc_does_not_walk_an_exchange_until_its_close_and_does_after(run_loop):
    seen = []

    def app(req, res):
        seen.append(('request', gc.is_tracked(req), gc.is_tracked(res)))
        res.on('finish', lambda: seen.append(('finish', gc.is_tracked(res))))
        res.on('close', lambda: seen.append(('res close', gc.is_tracked(res))))
        req.on('close', lambda: (seen.append(('req close', gc.is_tracked(req))),
                                 req.socket.end()))
        res.end('ok')
    serve(app, [GET], run_loop)
    assert seen == [('request', False, False), ('finish', False),
                    ('res close', True), ('req close', True)]


def test_a_cycle_through_a_finished_exchange_is_collected(run_loop):
    """Each listener closes over its message: req -> listener -> req, and
    the same for res (and an attribute of each other's)."""
    refs = []

    def app(req, res):
        req.on('end', lambda: req.url)
        res.on('finish', lambda: res.statusCode)
        req.partner, res.partner = res, req
        refs.extend((weakref.ref(req), weakref.ref(res)))
        res.end('ok')
    serve(app, [GET, GET.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')], run_loop)
    gc.collect()
    assert len(refs) == 4
    assert [ref() for ref in refs] == [None] * 4


def test_an_exchange_cut_by_the_client_goes_back_to_the_gc_and_is_collected(run_loop):
    """The client leaves while the response is still unanswered: Node's
    abort closes both messages, which a cycle then no longer keeps."""
    refs, tracked = [], []

    def app(req, res):
        res.self_ref = res
        req.self_ref = req
        refs.extend((weakref.ref(req), weakref.ref(res)))
        res.on('close', lambda: tracked.append(gc.is_tracked(res)))
        req.on('close', lambda: (tracked.append(gc.is_tracked(req)), server.close()))
        req.socket.destroy()
    server = http.createServer(app)
    listen(server, lambda: raw_client(server))
    run_loop()
    gc.collect()
    assert tracked == [True, True]
    assert [ref() for ref in refs] == [None, None]


POST = b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'


def test_node_style_closures_between_request_and_response_are_freed_without_the_gc(
        run_loop, gc_off):
    """req.on('data'/'end') closures that answer through res, as Node code
    (and the benchmark's upload server) writes them: req -> listener ->
    res -> res.req -> req.  A message lets its listeners go after its
    'close', so no such exchange waits for the cyclic GC."""
    refs, answers = [], []

    def app(req, res):
        length = 0

        def on_data(chunk):
            nonlocal length
            length += len(chunk)

        def on_end():
            answers.append(length)
            res.end(b'%d' % length)
        req.on('data', on_data)
        req.on('end', on_end)
        res.on('finish', lambda: answers.append(res.req.url))
        refs.extend((weakref.ref(req), weakref.ref(res)))
    serve(app, [POST, POST, POST.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')],
          run_loop)
    # The three may arrive in one read: pipelined, a later 'end' can come
    # before an earlier 'finish', so only the counts are pinned.
    assert sorted(answers, key=str) == ['/'] * 3 + [5] * 3
    assert len(refs) == 6
    assert [ref() for ref in refs] == [None] * 6


def test_a_message_lets_its_listeners_go_after_its_close(run_loop):
    """Nothing is emitted after 'close', so its listeners are dropped then
    (Node keeps them: listenerCount() there still counts them)."""
    counts = []

    def app(req, res):
        req.on('end', lambda: res.end('ok'))
        req.resume()
        req.on('close', lambda: counts.append(('during req close', req.listenerCount('close'))))
        res.on('close', lambda: net.setImmediate(lambda: counts.append(
            ('after', [req.listenerCount(event) for event in ('end', 'close', 'data')],
             [res.listenerCount(event) for event in ('close', 'finish')]))))
    serve(app, [POST.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')], run_loop)
    assert counts == [('during req close', 1), ('after', [0, 0, 0], [0, 0])]


def test_raw_headers_and_trailers_read_as_lists_that_keep_changes(run_loop):
    seen = []

    def app(req, res):
        req.rawHeaders.append('X-Added')
        req.resume()
        req.on('end', lambda: (seen.append((list(req.rawHeaders), list(req.rawTrailers))),
                               req.rawTrailers.append('T2'), seen.append(req.rawTrailers),
                               res.end()))
    body = (b'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n'
            b'Connection: close\r\n\r\n1\r\nx\r\n0\r\nT: 1\r\n\r\n')
    serve(app, [body], run_loop)
    assert seen == [(['Host', 'a', 'Transfer-Encoding', 'chunked', 'Connection', 'close',
                      'X-Added'], ['T', '1']), ['T', '1', 'T2']]
    message = http.IncomingMessage(None)
    assert message.rawHeaders == [] and message.rawTrailers == []
    assert type(message.rawHeaders) is list and message.rawHeaders is message.rawHeaders


@pytest.fixture
def gc_off():
    """The cyclic GC does not run: what is freed is freed by refcounts."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def closed_connections_refs(chunks_per_client, run_loop, app=None):
    """Serves one raw client per item of ``chunks_per_client``; returns
    weak references to each server-side socket and its HTTP state (which
    alone holds its parser), taken
    at 'connection', once the loop has run out."""
    refs = []
    clients = []

    def on_connection(socket):
        conn, = [c for c in server._http_connections if c.socket is socket]
        refs.extend((weakref.ref(socket), weakref.ref(conn)))

    def start():
        for chunks in chunks_per_client:
            clients.append(raw_client(server, chunks)[2])
        for sock in clients:
            sock.on('close', lambda _: all(c.destroyed for c in clients) and server.close())
    server = http.createServer(app or (lambda req, res: res.end('ok')))
    server.on('connection', on_connection)
    listen(server, start)
    run_loop()
    del clients[:]
    return refs


CLOSE = GET.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')


def test_a_connection_closed_after_its_answer_is_freed_without_the_gc(run_loop, gc_off):
    refs = closed_connections_refs([[CLOSE]] * 3, run_loop)
    assert len(refs) == 6
    assert [ref() for ref in refs] == [None] * 6


def test_a_connection_the_client_cut_mid_request_is_freed_without_the_gc(run_loop, gc_off):
    """The head is in, the body never comes: Node's abort runs at
    'close', and the connection's objects still go back at once."""
    aborted = []

    def app(req, res):
        url = req.url           # a listener holding req: a cycle of the test's own
        req.on('aborted', lambda: aborted.append(url))
        req.socket.destroy()
    refs = closed_connections_refs(
        [[b'POST /cut HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab']], run_loop, app)
    assert aborted == ['/cut']
    assert [ref() for ref in refs] == [None] * 2


def test_a_closed_connection_keeps_its_listeners_on_the_socket_as_node_does(run_loop):
    """Node leaves its socketOnClose and the others on a closed socket;
    pyuvnet's exchange lets go of the socket instead of taking them off.
    'end' counts two: the socket's own onReadableStreamEnd and the
    server's socketOnEnd (Node 20, end2.js)."""
    counts = []

    def app(req, res):
        socket = req.socket
        socket.on('close', lambda _: counts.append(
            [socket.listenerCount(event) for event in ('data', 'end', 'close', 'timeout')]))
        res.end('ok')
    closed_connections_refs([[CLOSE]], run_loop, app)
    assert counts == [[1, 2, 2, 1]]


def test_a_requests_head_is_no_object_for_the_gc_to_walk(run_loop):
    """The parser's head and raw header tuples hold only strs and ints:
    made untracked, as the GC would make them only after a walk."""
    seen = []

    def app(req, res):
        seen.append((gc.is_tracked(req._raw), req.rawHeaders, gc.is_tracked(req.rawHeaders)))
        res.end('ok')
    serve(app, [GET.replace(b'\r\n\r\n', b'\r\nX-A: 1\r\nConnection: close\r\n\r\n')], run_loop)
    assert seen == [(False, ['Host', 'a', 'X-A', '1', 'Connection', 'close'], True)]


def test_a_response_whose_write_is_dropped_is_freed_with_its_callback(run_loop, gc_off):
    """end()'s write callback holds its response outside the GC's view
    (http/outgoing.pyx, SentNotice): when the socket is destroyed with the
    write still queued, the callback goes and the response with it
    (after 'finish' and 'close', as Node 20 emits them then)."""
    refs, events = [], []

    def app(req, res):
        refs.append(weakref.ref(res))
        res.on('finish', lambda: events.append('finish'))
        res.on('close', lambda: events.append('close'))
        res.end(b'x' * (32 << 20))           # far more than the socket buffers take
        req.socket.destroy()
        server.close()
        clients[0].destroy()
    server = http.createServer(app)
    clients = []

    def start():
        clients.append(raw_client(server)[2])
        clients[0].pause()                   # reads nothing: the write stays queued
    listen(server, start)
    run_loop()
    assert events == ['finish', 'close']
    assert refs[0]() is None


def test_an_idle_keep_alive_connection_holds_no_list_or_tuple_of_its_own(run_loop):
    """Each is one more object the cyclic GC walks per live connection:
    the exchange makes its socket listeners again to remove them rather
    than keeping them, and its queue of waiting responses is made only
    when a request is pipelined."""
    kept = {}

    def app(req, res):
        res.on('finish', lambda: net.setImmediate(look, req.socket))
        net.setImmediate(res.end, 'ok')     # a request read with it waits its turn

    def look(socket):
        conn, = [c for c in server._http_connections if c.socket is socket]
        kept[socket.remotePort] = sorted(type(o).__name__ for o in gc.get_referents(conn)
                                         if type(o) in (list, tuple))
        if len(kept) == 2:
            server.closeAllConnections()
            server.close()
    server = http.createServer(app)
    listen(server, lambda: (raw_client(server, [GET]),
                            raw_client(server, [GET + GET])))
    run_loop()
    assert sorted(kept.values()) == [[], ['list']]      # the pipelined one's queue


def test_an_upgraded_socket_keeps_none_of_the_servers_listeners(run_loop):
    """Node 20 takes its data, end, close, error and timeout listeners off
    at 'upgrade' ([0, 1, 0, 0, 0]: the 1 is the socket's own 'end'
    listener, onReadableStreamEnd)."""
    counts = []

    def on_upgrade(req, socket, head):
        counts.append([socket.listenerCount(event)
                       for event in ('data', 'end', 'close', 'error', 'timeout')])
        socket.destroy()
        server.close()
    server = http.createServer(lambda req, res: res.end())
    server.on('upgrade', on_upgrade)
    listen(server, lambda: raw_client(
        server, [b'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n']))
    run_loop()
    assert counts == [[0, 1, 0, 0, 0]]
