"""uvicorn's protocol tests (tests/protocols/test_http.py), ported: each
sends uvicorn's request bytes to a real pyuvnet.asgi server and asserts
what uvicorn 0.3x with httptools answers (checked against uvicorn itself:
tests/asgi/test_asgi_uvicorn_oracle.py runs the same apps under both).

Not ported here: request logging, limit_concurrency and the h2c upgrade
served as a plain request (tests/asgi/test_asgi_config.py pins them), the
keep-alive timer internals (Node's keepAliveTimeout is tested in
tests/http), the WebSocket upgrade routing (pyuvnet.ws,
tests/asgi/test_asgi_websocket.py), the ASGI 2 half of test_scopes.
The huge-header cases are ported with Node's maxHeaderSize as the limit."""
import asyncio
import logging

import pytest

from asgi_support import GET, HEAD, POST, closed_soon, connect, exchange, header, read_all, \
    read_body, read_response, serve, text_app

pytestmark = pytest.mark.timeout(30)


def run(app, data, responses=1, head_request=False, **options):
    options.setdefault('lifespan', 'off')     # as uvicorn's protocol tests (LifespanOff)
    async def client(server):
        return await exchange(server, data, responses, head_request)
    return serve(app, client, **options)


def answered(app, data=GET, **options):
    """(status, closed) of the one answer to ``data``."""
    responses, closed = run(app, data, **options)
    return responses[0][0], closed


def test_get_request():
    (status, headers, body, raw), = run(text_app(), GET)[0]
    assert status == 200
    assert raw.startswith(b'HTTP/1.1 200 OK\r\n')
    assert body == b'Hello, world'


@pytest.mark.parametrize('char', ['c', '\t', ' ', '\xb5'])
def test_header_value_allowed_characters(char):
    value = ('<%s>' % char).encode('latin-1')
    (status, headers, body, raw), = run(text_app(headers=[(b'key', value)]), GET)[0]
    assert status == 200
    assert b'\r\nkey: ' + value + b'\r\n' in raw


def test_head_request():
    (status, headers, body, raw), = run(text_app(), HEAD, head_request=True)[0]
    assert status == 200
    assert header(headers, b'content-length') == [b'12']
    # Nothing follows the head: the next read is the close, not a body.
    assert b'Hello, world' not in raw


def test_head_request_sends_no_body_even_if_the_app_does():
    async def client(server):
        reader, writer = await connect(server)
        writer.write(HEAD)
        status, headers, body, raw = await read_response(reader, head_request=True)
        writer.write(GET)
        second = await read_response(reader)
        writer.close()
        return raw, second
    raw, second = serve(text_app(), client)
    # Had the HEAD's body been sent, it would stand before the GET's head.
    assert second[0] == 200 and second[2] == b'Hello, world'


def test_post_request():
    async def app(scope, receive, send):
        body = await read_body(receive)
        await text_app(b'Body: ' + body)(scope, receive, send)
    (status, headers, body, raw), = run(app, POST)[0]
    assert status == 200
    assert body == b'Body: {"hello": "world"}'


def test_keepalive():
    responses, closed = run(text_app(b'', status=204, headers=[]), GET)
    assert responses[0][0] == 204
    assert not closed


def test_close():
    app = text_app(b'', status=204, headers=[(b'connection', b'close')])
    responses, closed = run(app, GET)
    assert responses[0][3].startswith(b'HTTP/1.1 204 No Content\r\n')
    assert closed


def test_chunked_encoding():
    app = text_app(b'Hello, world!', headers=[(b'transfer-encoding', b'chunked')])
    (status, headers, body, raw), = run(app, GET)[0][:1]
    assert raw.endswith(b'0\r\n\r\n')
    assert body == b'Hello, world!'


def test_chunked_encoding_empty_body():
    app = text_app(b'', headers=[(b'transfer-encoding', b'chunked')])
    responses, closed = run(app, GET)
    assert responses[0][3].count(b'0\r\n\r\n') == 1
    assert not closed


def test_chunked_encoding_head_request():
    app = text_app(b'Hello, world!', headers=[(b'transfer-encoding', b'chunked')])
    responses, closed = run(app, HEAD, head_request=True)
    assert responses[0][0] == 200
    assert not closed


def test_no_length_is_chunked():
    """uvicorn: neither Content-Length nor Transfer-Encoding given, the
    body is chunked, even when it comes in one message."""
    (status, headers, body, raw), = run(text_app(b'abc', headers=[]), GET)[0]
    assert header(headers, b'transfer-encoding') == [b'chunked']
    assert header(headers, b'content-length') == []
    assert body == b'abc'


def test_pipelined_requests():
    responses, closed = run(text_app(), GET * 3, responses=3)
    assert [r[2] for r in responses] == [b'Hello, world'] * 3
    assert not closed


def test_undersized_response_closes():
    app = text_app(b'xxx', headers=[(b'content-length', b'10')])

    async def client(server):
        reader, writer = await connect(server)
        writer.write(GET)
        head = await reader.readuntil(b'\r\n\r\n')
        rest = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return head, rest
    head, rest = serve(app, client)
    assert head.startswith(b'HTTP/1.1 200 OK')
    assert len(rest) < 10        # closed short of the length: the client sees the failure


def test_oversized_response_closes():
    app = text_app(b'xxx' * 20, headers=[(b'content-length', b'10')])

    data = serve(app, lambda server: read_all(server, GET))
    assert b'x' * 11 not in data


def test_large_post_request():
    big = (b'POST / HTTP/1.1\r\nHost: example.org\r\nContent-Type: text/plain\r\n'
           b'Content-Length: 100000\r\n\r\n' + b'x' * 100000)

    async def app(scope, receive, send):
        body = await read_body(receive)
        await text_app(b'%d' % len(body))(scope, receive, send)
    (status, headers, body, raw), = run(app, big)[0]
    assert body == b'100000'


def test_invalid_http():
    data = serve(text_app(), lambda server: read_all(server, b'x' * 100000))
    assert data.startswith(b'HTTP/1.1 400 Bad Request')


def test_app_exception(caplog):
    async def app(scope, receive, send):
        raise Exception('boom')
    responses, closed = run(app, GET)
    assert responses[0][3].startswith(b'HTTP/1.1 500 Internal Server Error\r\n')
    assert responses[0][2] == b'Internal Server Error'
    assert header(responses[0][1], b'content-type') == [b'text/plain; charset=utf-8']
    assert closed
    assert 'Exception in ASGI application' in caplog.text


def _closes_without_500(app):
    data = serve(app, lambda server: read_all(server, GET))
    assert b'500 Internal Server Error' not in data
    return data


def test_exception_during_response():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'1', 'more_body': True})
        raise Exception()
    data = _closes_without_500(app)
    assert data.startswith(b'HTTP/1.1 200 OK')
    assert not data.endswith(b'0\r\n\r\n')      # the client can tell it failed


def test_no_response_returned():
    async def app(scope, receive, send):
        pass
    assert answered(app) == (500, True)


def test_partial_response_returned():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
    _closes_without_500(app)


def test_response_header_splitting():
    app = text_app(b'', headers=[(b'key', b'value\r\nCookie: smuggled=value')])
    data = _closes_without_500(app)
    assert b'\r\nCookie: smuggled=value\r\n' not in data


def test_duplicate_start_message():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.start', 'status': 200})
    _closes_without_500(app)


def test_missing_start_message():
    async def app(scope, receive, send):
        await send({'type': 'http.response.body', 'body': b''})
    assert answered(app) == (500, True)


def test_message_after_body_complete():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b''})
        await send({'type': 'http.response.body', 'body': b''})
    assert answered(app) == (200, True)


def test_value_returned():
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b''})
        return 123
    assert answered(app) == (200, True)


def test_early_disconnect():
    got = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            got.append(message['type'])
            if message['type'] == 'http.disconnect':
                break

    async def client(server):
        reader, writer = await connect(server)
        writer.write(POST[:-4])             # the body not all there
        await asyncio.sleep(0.1)
        writer.close()
        for _ in range(100):
            if got and got[-1] == 'http.disconnect':
                break
            await asyncio.sleep(0.02)
    serve(app, client, lifespan='off')
    assert got[-1] == 'http.disconnect'


def test_early_response():
    start = b'POST / HTTP/1.1\r\nHost: example.org\r\nContent-Length: 18\r\n\r\n'

    async def client(server):
        reader, writer = await connect(server)
        writer.write(start)
        first = await read_response(reader)
        writer.write(b'{"hello": "world"}')
        writer.write(GET)
        second = await read_response(reader)
        writer.close()
        return first, second
    first, second = serve(text_app(), client)
    assert first[0] == second[0] == 200


def test_read_after_response():
    after = []

    async def app(scope, receive, send):
        await text_app()(scope, receive, send)
        after.append(await receive())
    responses, closed = run(app, POST)
    assert responses[0][0] == 200
    assert after == [{'type': 'http.disconnect'}]


def test_http10_request():
    async def app(scope, receive, send):
        await text_app(b'Version: %s' % scope['http_version'].encode())(scope, receive, send)
    responses, closed = run(app, b'GET / HTTP/1.0\r\nHost: example.org\r\n\r\n')
    assert responses[0][3].startswith(b'HTTP/1.1 200 OK')
    assert responses[0][2] == b'Version: 1.0'


def test_root_path():
    async def app(scope, receive, send):
        text = 'root_path=%s path=%s' % (scope['root_path'], scope['path'])
        await text_app(text.encode())(scope, receive, send)
    responses, closed = run(app, GET, root_path='/app')
    assert responses[0][2] == b'root_path=/app path=/app/'


def test_raw_path():
    seen = []

    async def app(scope, receive, send):
        seen.append((scope['path'], scope['raw_path']))
        await text_app(b'Done')(scope, receive, send)
    run(app, b'GET /one%2Ftwo HTTP/1.1\r\nHost: example.org\r\n\r\n', rootPath='/app')
    assert seen == [('/app/one/two', b'/app/one%2Ftwo')]


def test_shutdown_during_request():
    """close() while a request runs: its response still goes out, with
    Connection: close, and the connection closes after it."""
    async def app(scope, receive, send):
        await asyncio.sleep(0.2)
        await text_app(b'', status=204, headers=[])(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(GET)
        await asyncio.sleep(0.05)
        server.close()
        response = await read_response(reader)
        closed = await closed_soon(reader, 2)
        writer.close()
        return response, closed
    (status, headers, body, raw), closed = serve(app, client, lifespan='off')
    assert status == 204
    assert header(headers, b'connection') == [b'close']
    assert closed


def test_shutdown_during_idle():
    async def client(server):
        reader, writer = await connect(server)
        writer.write(GET)
        await read_response(reader)
        server.close()
        closed = await closed_soon(reader, 2)
        writer.close()
        return closed
    assert serve(text_app(), client)


EXPECT_100 = (b'POST / HTTP/1.1\r\nHost: example.org\r\nExpect: 100-continue\r\n'
              b'Content-Type: application/json\r\nContent-Length: 18\r\n\r\n')


def test_100_continue_sent_when_body_consumed():
    async def app(scope, receive, send):
        body = await read_body(receive)
        await text_app(b'Body: ' + body)(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(EXPECT_100)
        interim = await read_response(reader)
        writer.write(b'{"hello": "world"}')
        final = await read_response(reader)
        writer.close()
        return interim, final
    interim, final = serve(app, client)
    assert interim[3] == b'HTTP/1.1 100 Continue\r\n\r\n'
    assert final[0] == 200 and final[2] == b'Body: {"hello": "world"}'


def test_100_continue_not_sent_when_body_not_consumed():
    responses, closed = run(text_app(b'', status=204, headers=[]), EXPECT_100)
    assert responses[0][0] == 204       # the first thing on the wire: no 100
    # uvicorn keeps the connection; pyuvnet.http ends it, as Node 20 does
    # when it answered an Expect: 100-continue request without a 100.
    assert closed


def test_return_close_header():
    responses, closed = run(text_app(), b'GET / HTTP/1.1\r\nHost: example.org\r\n'
                                        b'Connection: close\r\n\r\n')
    assert header(responses[0][1], b'connection') == [b'close']
    assert closed


def test_close_connection_with_multiple_requests():
    data = (b'GET / HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n' + GET)
    responses, closed = run(text_app(), data)
    # As uvicorn: the first is answered, the second dropped, the connection
    # closed.  (Node 20, checked with /usr/bin/node, answers 400 at once
    # when its handler answers later, losing the first answer: the ASGI
    # and WSGI servers' 'clientError' listener keeps it.)
    assert responses[0][0] == 200
    assert closed


def test_close_connection_with_post_request():
    async def app(scope, receive, send):
        body = await read_body(receive)
        await text_app(b'Body: ' + body)(scope, receive, send)
    data = (b'POST / HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n'
            b'Content-Length: 18\r\n\r\n{"hello": "world"}')
    responses, closed = run(app, data)
    assert responses[0][2] == b'Body: {"hello": "world"}'
    assert closed


def test_iterator_headers():
    async def app(scope, receive, send):
        headers = iter([(b'x-test-header', b'test value')])
        await send({'type': 'http.response.start', 'status': 200, 'headers': headers})
        await send({'type': 'http.response.body', 'body': b''})
    responses, closed = run(app, GET)
    assert header(responses[0][1], b'x-test-header') == [b'test value']


def test_lifespan_state():
    expected = {'a': 123, 'b': [1]}

    async def app(scope, receive, send):
        if scope['type'] == 'lifespan':
            await receive()
            scope['state'].update(expected)
            await send({'type': 'lifespan.startup.complete'})
            await receive()
            await send({'type': 'lifespan.shutdown.complete'})
            return
        assert scope['state'] == expected
        # A copy per request: changing it changes no other request's.
        scope['state']['a'] = 456
        await text_app()(scope, receive, send)
    responses, closed = run(app, GET * 2, responses=2, lifespan='auto')
    assert [r[0] for r in responses] == [200, 200]


def test_scopes_unique_per_request():
    scopes = []

    async def app(scope, receive, send):
        scopes.append(scope)
        await text_app()(scope, receive, send)
    run(app, GET * 2, responses=2)
    assert scopes[0] is not scopes[1]
    assert scopes[0]['state'] is not scopes[1]['state']


@pytest.mark.parametrize('request_line', [b'G?T / HTTP/1.1', b'GET /?x=y z HTTP/1.1',
                                          b'GET / HTTP1.1'])
def test_invalid_http_request(request_line, caplog):
    called = []

    async def app(scope, receive, send):
        called.append(scope)
    caplog.set_level(logging.INFO)
    responses, closed = run(app, request_line + b'\r\nHost: example.org\r\n\r\n')
    assert responses[0][0] == 400
    assert closed
    assert called == []


def test_fragmentation():
    # uvicorn's: the request line cut in two writes 10 ms apart is one request.
    async def client(server):
        reader, writer = await connect(server)
        path = b'/?param=' + b'q' * 10
        data = b'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' % path
        writer.write(data[:len(path) // 2])
        await writer.drain()
        await asyncio.sleep(0.01)
        writer.write(data[len(path) // 2:])
        raw = await reader.read()
        writer.close()
        return raw
    raw = serve(text_app(), client, lifespan='off')
    assert raw.startswith(b'HTTP/1.1 200 OK\r\n') and raw.endswith(b'Hello, world')


def test_scopes():
    # uvicorn's, for an ASGI 3 app (pyuvnet.asgi takes no ASGI 2 apps).
    scopes = []

    async def app(scope, receive, send):
        scopes.append(scope)
        await text_app()(scope, receive, send)
    run(app, GET)
    assert scopes[0]['asgi'] == {'version': '3.0', 'spec_version': '2.3'}


HUGE_HEADERS = (b'GET / HTTP/1.1\r\nHost: example.org\r\nCookie: ' + b'x' * 32 * 1024,
                b'x' * 32 * 1024 + b'\r\n\r\n\r\n')


@pytest.mark.parametrize('limit, status', [(None, 431), (128 * 1024, 200)])
def test_huge_headers(limit, status):
    # uvicorn's 64 KiB Cookie in two writes: past Node's maxHeaderSize (16
    # KiB) a 431 and the end, as Node (uvicorn's h11 answers 400, httptools
    # takes any size); with the limit raised, as uvicorn's h11 with
    # h11_max_incomplete_event_size raised, the answer.
    async def client(server):
        reader, writer = await connect(server)
        writer.write(HUGE_HEADERS[0])
        await writer.drain()
        writer.write(HUGE_HEADERS[1])
        raw = await reader.read()
        writer.close()
        return raw
    # The client reads to the end: the kept-alive connection's idle wait
    # (5 s by default) is shortened.
    options = {'keepAliveTimeout': 50}
    if limit is not None:
        options['maxHeaderSize'] = limit
    raw = serve(text_app(), client, lifespan='off', **options)
    assert raw.startswith(b'HTTP/1.1 %d ' % status)
    if status == 200:
        assert b'Hello, world' in raw
