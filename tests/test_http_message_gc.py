"""The server's messages and Python's cyclic GC: a request and its
response are held by their connection until their 'close', so the server
takes them out of the GC's walks until then (pipelined exchanges, all
alive until the turn's write, cost the GC about a sixth of each request);
from 'close' on they are the GC's again, and a cycle a listener made
through them is collected.  Also: rawHeaders and rawTrailers, which the
parser hands over as tuples, read as lists (Node's arrays) that keep
what a caller changes."""
import gc
import weakref

import pyuvnet as net
import pyuvnet.http as http

from test_http_server import listen, raw_client

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
