"""Node 20's test/parallel files that use the Readable API on http
messages (issue 68's inventory, tests/project/node20_stream_api_tests.txt):
'readable' and read() on a response, finished(), destroy() and async
iteration on it, unshift() before a socket is handed to the server, a
message's buffer past its high-water mark (a request's high-water mark:
test_https_node_ports_stream_api.py).
Each expectation was run under /usr/bin/node (v20.20.2) first; the Node
file is named in each test."""
import asyncio
import os

import pytest

import pyuvnet as net
import pyuvnet.http as http
from pyuvnet import aio, stream

from http_node_ports_support import serve  # noqa: F401 (a fixture)


def test_a_response_read_in_readable_gives_its_body_then_end(serve):
    """test-stream2-httpclient-response-end.js: one 'readable', read()
    gives 'Hello' then None, then 'end' with the body whole."""
    def app(req, res):
        res.writeHead(200, {'Content-Type': 'text/plain'})
        res.end('Hello')
    log = []

    def exchange(server, port, done):
        def on_response(res):
            def on_readable():
                log.append('readable')
                while True:
                    chunk = res.read()
                    log.append(chunk)
                    if chunk is None:
                        break
            res.on('readable', on_readable)
            res.on('end', lambda: (log.append('end'), done()))
        http.get({'port': port, 'host': '127.0.0.1'}, on_response)
    serve(app, exchange)
    assert log == ['readable', b'Hello', None, 'end']


def test_finished_calls_back_when_a_response_is_destroyed_in_readable(serve):
    """test-http-client-finished.js: a response whose answer never ends,
    destroyed in its first 'readable' (3 bytes buffered): 'close', then
    finished()'s callback with ERR_STREAM_PREMATURE_CLOSE."""
    log = []

    def exchange(server, port, done):
        def on_response(res):
            def on_readable():
                log.append(('readable', res.readableLength))
                res.destroy()
            res.on('readable', on_readable)
            res.on('close', lambda: log.append('close'))
            res.on('error', lambda err: log.append('error'))
            stream.finished(res, lambda err=None: (log.append(('finished', err and err.code)),
                                                   done()))
        http.request({'port': port, 'host': '127.0.0.1'}, on_response).end()
    serve(lambda req, res: res.write('asd'), exchange)
    assert log == [('readable', 3), 'close', ('finished', 'ERR_STREAM_PREMATURE_CLOSE')]


def test_a_destroyed_response_is_errored_at_once_and_closes_later(run_loop):
    """test-http-client-incomingmessage-destroy.js: errored is None, then
    the error as soon as destroy(err) returns, closed False (destroyed
    True); the request's 'error' (the Node test leaves it uncaught; here
    a listener hears it), then on later ticks the response's 'error' (it
    has a listener, added after destroy()) and its 'close', closed True
    then, Node 20's order."""
    def app(req, res):
        res.writeHead(200)
        res.write('Part of res.')
    server = http.createServer(app)
    err = RuntimeError('Destroy test')
    log = []

    def on_response(res):
        log.append(('errored', res.errored))
        res.destroy(err)
        log.append(('after', res.closed, res.errored is err, res.destroyed))
        res.on('error', lambda error: log.append(('error', error is err)))
        res.on('close', lambda: log.append(('close', res.closed)))
    def get():
        req = http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
        req.on('error', lambda error: (log.append(('request error', error is err)),
                                       server.closeAllConnections(), server.close()))
    server.listen(0, '127.0.0.1', get)
    run_loop()
    assert log == [('errored', None), ('after', False, True, True), ('request error', True),
                   ('error', True), ('close', True)]


def test_an_outgoing_message_buffers_until_its_high_water_mark():
    """test-http-outgoing-buffer.js: a socketless OutgoingMessage's write()
    is True until what it holds reaches its writableHighWaterMark, the
    default (Node 20's 16384: the 5,462nd write of 3 bytes is False, 16,386
    bytes held, Node's outputSize, writableLength here as in Node; 100:
    the 34th, 102 bytes).  pyuvnet's default is 64 KiB (docs/HTTP.md), so the test sets
    Node 20's."""
    def fill():
        msg = http.OutgoingMessage()
        msg._implicit_header = lambda: None     # Node's _implicitHeader
        first = msg.write('asd')
        writes = 2
        while msg.write('asd'):
            writes += 1
        return first, writes, msg.writableLength, msg.writableHighWaterMark
    before = stream.getDefaultHighWaterMark(False)
    try:
        stream.setDefaultHighWaterMark(False, 16384)
        assert fill() == (True, 5462, 16386, 16384)
        stream.setDefaultHighWaterMark(False, 100)
        assert fill() == (True, 34, 102, 100)
    finally:
        stream.setDefaultHighWaterMark(False, before)


def test_a_socket_read_one_byte_and_unshifted_is_parsed_from_that_byte_once(run_loop):
    """test-http-server-multiple-client-error.js: a net server reads one
    byte (read(1), or None then 'readable'), unshift()s it and hands the
    socket to an http server: the parser sees the unshifted byte first
    ('clientError' HPE_INVALID_METHOD, rawPacket '1').  Node 20 then
    parses the rest of what was buffered although the listener destroyed
    the socket: a second 'clientError' (rawPacket '23 http://example.com
    HTTP/1.1\\r\\n\\r\\n').  pyuvnet gives one 'clientError' a connection
    (docs/PARITY.md, "Node's own tests of the Readable API")."""
    http_server = http.createServer(lambda req, res: pytest.fail('no request'))
    errors = []

    def first_error(err, socket):
        errors.append((err.code, err.rawPacket))
        socket.destroy()
        http_server.once('clientError', lambda err, socket: errors.append((err.code,
                                                                           err.rawPacket)))
    http_server.once('clientError', first_error)

    def on_connection(socket):
        first = socket.read(1)
        if first is None:
            socket.once('readable', lambda: on_connection(socket))
            return
        socket.unshift(first)
        http_server.emit('connection', socket)
    net_server = net.createServer(on_connection)

    def connect():
        client = net.createConnection(net_server.address().port, '127.0.0.1')
        client.on('connect', lambda: client.end('123 http://example.com HTTP/1.1\r\n\r\n'))
        client.on('close', lambda *_: net_server.close())
        client.resume()
    net_server.listen(0, '127.0.0.1', connect)
    run_loop()
    assert errors == [('HPE_INVALID_METHOD', b'1')]


def test_an_async_iterated_response_whose_request_is_destroyed_throws_econnreset():
    """test-stream-readable-async-iterators.js, its http block: a response
    that never ends, its request destroyed 100 ms in with an error: the
    request's 'error' (that error), the response's 'error' ECONNRESET
    'aborted', its 'close', then the `async for` raises the same
    ECONNRESET after the 10 bytes that came."""
    server = http.createServer(lambda req, res: (setattr(res, 'statusCode', 404),
                                                 res.write('never ends')))
    log = []

    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            done, listening = loop.create_future(), loop.create_future()
            server.listen(0, '127.0.0.1', lambda: listening.set_result(None))
            await listening
            req = http.request({'port': server.address().port, 'host': '127.0.0.1'})
            req.on('error', lambda err: log.append(('req error', str(err))))

            async def consume(res):
                count = 0
                try:
                    async for chunk in res:
                        count += len(chunk)
                except Exception as err:
                    log.append(('raised', err.code, str(err), count))
                done.set_result(None)

            def on_response(res):
                net.setTimeout(lambda: req.destroy(RuntimeError('something happened')), 100)
                res.on('error', lambda err: log.append(('res error', err.code, str(err))))
                res.on('close', lambda: log.append('res close'))
                asyncio.ensure_future(consume(res))
            req.on('response', on_response)
            req.end()
            await done
            closed = loop.create_future()
            server.close(lambda *_: closed.set_result(None))
            await closed
    asyncio.run(asyncio.wait_for(main(), 10))
    assert log == [('req error', 'something happened'), ('res error', 'ECONNRESET', 'aborted'),
                   'res close', ('raised', 'ECONNRESET', 'aborted', 10)]


def node_err(err):
    return 'undefined' if err is None else err.code


def finished_at_close(message, log, label):
    """At ``message``'s 'close': log ``label``, then call finished() on it,
    which logs its error as Node prints it."""
    message.on('close', lambda: (log.append(label),
                                 stream.finished(message, lambda err=None: log.append(node_err(err)))))


def test_finished_on_a_response_in_its_close_calls_back(serve):
    """test-stream-finished.js, its first http block: finished(res)
    called in an ended response's 'close' calls back with no error (Node
    20: 'close', then finished's callback); the client gets its
    'response'."""
    log = []

    def app(req, res):
        finished_at_close(res, log, 'close')
        res.end()

    def exchange(server, port, done):
        http.request({'port': port, 'host': '127.0.0.1'},
                     lambda res: (log.append('response'), res.resume(), done())).end()
    serve(app, exchange)
    assert sorted(log) == sorted(['close', 'undefined', 'response'])
    assert log.index('close') < log.index('undefined')


def test_finished_on_a_destroyed_request_in_its_close_calls_back(serve):
    """test-stream-finished.js, its second http block: the server
    destroys a request; finished(req) called in its 'close' calls back
    with no error; the client's request fails, ECONNRESET (Node 20: 'req
    close', finished's callback, then the client's 'error')."""
    log = []

    def app(req, res):
        finished_at_close(req, log, 'req close')
        req.destroy()

    def exchange(server, port, done):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        req.on('error', lambda err: (log.append(('client error', err.code)), done()))
        req.end()
    serve(app, exchange)
    assert log == ['req close', 'undefined', ('client error', 'ECONNRESET')]


def test_finished_on_a_piped_response_and_its_client_side(serve):
    """test-stream-finished.js, its third http block: a file piped into
    the response, finished(res) on both sides: no error, every byte."""
    from pyuvnet import fs
    log = []

    def app(req, res):
        fs.createReadStream(__file__).pipe(res)
        stream.finished(res, lambda err=None: log.append(('server', node_err(err))))

    def exchange(server, port, done):
        def on_response(res):
            size = [0]
            res.on('data', lambda data: size.__setitem__(0, size[0] + len(data)))
            res.resume()
            stream.finished(res, lambda err=None: (
                log.append(('client', node_err(err), size[0] == os.path.getsize(__file__))),
                done()))
        http.request({'port': port, 'host': '127.0.0.1'}, on_response).end()
    serve(app, exchange)
    assert log == [('server', 'undefined'), ('client', 'undefined', True)]
