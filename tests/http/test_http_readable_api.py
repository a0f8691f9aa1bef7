"""Node's Readable API on an http.IncomingMessage: 'readable' and read(n)
on a request's body and a response's, with setEncoding() after the
'readable' listener (test-http-readable-data-event), async iteration,
closed/errored. Each expectation was run under Node 20 first."""
import asyncio
import gc
import json

import pyuvnet.http as http
from pyuvnet import aio

from http_server_support import listen


def post(server, body, on_response):
    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST'}, on_response)
        req.end(body)
    listen(server, go)


def read_all(res, then):
    text = []
    res.setEncoding('utf8')
    res.on('data', text.append)
    res.on('end', lambda: then(''.join(text)))


def test_request_body_read_n_at_a_time_in_readable(run_loop):
    # Node 20 (h1.js): read(30000) of a 100000-byte body gives 30000 three
    # times, then the last 10000 at the end; readableFlowing null, then
    # false; closed false, errored null; 'end' with readableEnded and
    # complete.
    def app(req, res):
        got = []
        log = [req.readableFlowing, req.closed, req.errored]

        def on_readable():
            while (chunk := req.read(30000)) is not None:
                got.append(len(chunk))
        req.on('readable', on_readable)
        log.append(req.readableFlowing)

        def on_end():
            log.extend(['end', req.readableEnded, req.complete])
            res.end(json.dumps([got, log]))
        req.on('end', on_end)
    server = http.createServer(app)
    answers = []
    post(server, b'b' * 100000,
         lambda res: read_all(res, lambda text: (answers.append(json.loads(text)),
                                                 server.close())))
    run_loop()
    assert answers == [[[30000, 30000, 30000, 10000],
                        [None, False, None, False, 'end', True, True]]]


def test_response_readable_and_data_as_node(run_loop):
    # test-http-readable-data-event: 'readable' listeners (one counting),
    # setEncoding() after them, then 'data' listeners: read() gives the
    # first write, None, the second, None, None; 'readable' three times,
    # 'data' twice.
    hello, again = 'Hello World!', 'Hello again later!'
    nxt = [None]

    def app(req, res):
        res.writeHead(200, {'Content-Length': str(len(hello) + len(again))})

        def later():
            res.end(again)
            nxt[0] = lambda: None
        nxt[0] = later
        res.write(hello)
    server = http.createServer(app)
    expected_data = [hello, again]
    expected_read = [hello, None, again, None, None]
    counts = {'readable': 0, 'data': 0}
    seen = []

    def on_response(res):
        res.on('readable', lambda: counts.__setitem__('readable', counts['readable'] + 1))

        def on_readable():
            while True:
                data = res.read()
                seen.append(data == expected_read.pop(0))
                nxt[0]()
                if data is None:
                    break
        res.on('readable', on_readable)
        res.setEncoding('utf8')
        res.on('data', lambda d: counts.__setitem__('data', counts['data'] + 1))
        res.on('data', lambda d: seen.append(d == expected_data.pop(0)))
        res.on('end', lambda: (seen.append(dict(counts)), server.close()))

    def go():
        http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
    listen(server, go)
    run_loop()
    assert seen[-1] == {'readable': 3, 'data': 2}
    assert all(seen[:-1]) and len(seen) == 8


def post_from_asyncio(server, body):
    """POST ``body`` to ``server`` with pyuvnet attached to an asyncio loop:
    the answer's text, once the server has closed."""
    async def main():
        async with aio.attach():
            done = asyncio.get_running_loop().create_future()
            post(server, body, lambda res: read_all(res, lambda text: done.set_result(text)))
            text = await done
            closed = asyncio.get_running_loop().create_future()
            server.close(lambda *_: closed.set_result(None))
            await closed
            return text
    return asyncio.run(asyncio.wait_for(main(), 10))


def test_async_for_over_a_request_body():
    # Node 20: for await (const chunk of req) gets the whole body.
    bodies = []

    def app(req, res):
        async def consume():
            chunks = [chunk async for chunk in req]
            bodies.append(b''.join(chunks))
            res.end('ok')
        asyncio.ensure_future(consume())
    server = http.createServer(app)
    assert post_from_asyncio(server, b'z' * 200000) == 'ok'
    assert bodies == [b'z' * 200000]
    assert bodies == [b'z' * 200000]


def alive_readers():
    return sum(1 for obj in gc.get_objects()
               if isinstance(obj, http.IncomingMessage) and obj._readableState is not None)


def test_a_request_read_in_paused_mode_is_freed_without_gc(run_loop):
    def app(req, res):
        def on_readable():
            while req.read(1000) is not None:
                pass
        req.on('readable', on_readable)
        req.on('end', lambda: res.end('done'))
    server = http.createServer(app)
    answers = []
    gc.collect()
    before = alive_readers()
    gc.disable()
    try:
        post(server, b'q' * 50000,
             lambda res: read_all(res, lambda text: (answers.append(text), server.close())))
        run_loop()
        assert answers == ['done']
        assert alive_readers() == before
    finally:
        gc.enable()


def test_an_async_iterated_request_is_freed_without_gc():
    # The generator's finished() listeners close over the request; its
    # 'close' lets go of them (issue 68).
    def app(req, res):
        async def consume():
            chunks = [chunk async for chunk in req]
            res.end(str(len(b''.join(chunks))))
        asyncio.ensure_future(consume())
    server = http.createServer(app)
    gc.collect()
    before = alive_readers()
    gc.disable()
    try:
        assert post_from_asyncio(server, b'q' * 50000) == '50000'
        assert alive_readers() == before
    finally:
        gc.enable()
