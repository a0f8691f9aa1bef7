"""One ASGI cycle for both protocols (pyuvnet/uv/asgi/cycle.pyx's
ASGICycle): the rules uvicorn 0.54 keeps over HTTP/1.1 (httptools_impl.py)
and over HTTP/2 (zttp_h2_impl.py), pinned here for each: when receive()
says ``http.disconnect``, send()'s error texts, the check of what the app
returned, Content-Length, and the extensions only HTTP/2 offers."""
import asyncio
import logging

import pytest

from pyuvnet import http2
from asgi_support import connect, serve

pytestmark = pytest.mark.timeout(60)

PROTOCOLS = ['http/1.1', 'h2']


async def answer(server, protocol, body=b'', end=True):
    """The response to a POST of ``body`` (its end sent unless ``end`` is
    False): (status, body, how the exchange ended).  It ended 'closed'
    when the server closed the connection (HTTP/1.1), 'reset N' when it
    reset the stream with code N (HTTP/2), else 'kept'."""
    port = server.address().port
    if protocol == 'http/1.1':
        reader, writer = await connect(server)
        length = len(body) + (0 if end else 10)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s'
                     % (length, body))
        head = await reader.readuntil(b'\r\n\r\n')
        rest, closed = b'', False
        while not closed:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 0.3)
            except asyncio.TimeoutError:
                break
            rest += chunk
            closed = not chunk
        writer.close()
        return int(head.split(b' ')[1]), unchunked(head, rest), 'closed' if closed else 'kept'
    session = http2.connect('http://127.0.0.1:%d' % port)
    session.on('error', lambda error: None)
    req = session.request({':method': 'POST', ':path': '/'}, {'endStream': False})
    req.on('error', lambda error: None)
    if body:
        req.write(body)
    if end:
        req.end()
    seen = {'status': None, 'body': b''}
    closed = asyncio.get_running_loop().create_future()
    req.on('response', lambda headers, *_: seen.update(status=headers[':status']))
    req.on('data', lambda chunk: seen.update(body=seen['body'] + bytes(chunk)))
    req.on('close', lambda: closed.done() or closed.set_result(req.rstCode))
    if end:
        code = await closed
    else:
        # The request's body never ends: the stream stays open once the
        # response is whole (then the client leaves).
        while seen['status'] is None and not closed.done():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        code = closed.result() if closed.done() else 0
    session.destroy()
    return seen['status'], seen['body'], 'reset %d' % code if code else 'kept'


def http_only(app):
    """``app`` for the http scopes; the lifespan's is let be."""
    async def served(scope, receive, send):
        if scope['type'] == 'http':
            return await app(scope, receive, send)
    return served


def unchunked(head, rest):
    """An HTTP/1.1 response's body as far as it came (its chunks joined)."""
    if b'transfer-encoding: chunked' not in head.lower():
        return rest
    body = b''
    while b'\r\n' in rest:
        size_line, rest = rest.split(b'\r\n', 1)
        size = int(size_line, 16)
        body, rest = body + rest[:size], rest[size + 2:]
    return body


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_receive_after_the_response_is_complete_is_http_disconnect_at_once(protocol):
    # uvicorn's receive() over both: the response complete (or the client
    # gone) is http.disconnect, the request's body still coming or not.
    got = []

    @http_only
    async def app(scope, receive, send):
        got.append(await receive())
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'done'})
        got.append(await asyncio.wait_for(receive(), 5))

    async def client(server):
        return await answer(server, protocol, b'part', end=False)
    status, body, _ended = serve(app, client)
    assert (status, body) == (200, b'done')
    assert got[0] == {'type': 'http.request', 'body': b'part', 'more_body': True}
    assert got[1] == {'type': 'http.disconnect'}


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_send_refuses_a_message_out_of_turn_with_uvicorns_texts(protocol):
    errors = []

    @http_only
    async def app(scope, receive, send):
        for message in ({'type': 'http.response.body', 'body': b'early'},
                        {'type': 'http.response.start', 'status': 200},
                        {'type': 'http.response.start', 'status': 201},
                        {'type': 'http.response.trailers', 'headers': []},
                        {'type': 'http.response.body', 'body': b'ok'},
                        {'type': 'http.response.body', 'body': b'late'}):
            try:
                await send(message)
            except RuntimeError as error:
                errors.append(str(error))

    status, body, _ended = serve(app, lambda server: answer(server, protocol))
    assert (status, body) == (200, b'ok')
    assert errors == [
        "Expected ASGI message 'http.response.start', but got 'http.response.body'.",
        "Expected ASGI message 'http.response.body', but got 'http.response.start'.",
        "Expected ASGI message 'http.response.body', but got 'http.response.trailers'.",
        "Unexpected ASGI message 'http.response.body' sent, after response already completed.",
    ]


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_an_app_that_returns_a_value_is_logged_and_its_response_cut_off(protocol, caplog):
    # uvicorn: the value is logged, then the transport closed (HTTP/1.1) or
    # the stream reset (HTTP/2, INTERNAL_ERROR), not a 500.
    @http_only
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'part', 'more_body': True})
        return 'value'

    with caplog.at_level(logging.ERROR, logger='uvicorn.error'):
        status, body, ended = serve(app, lambda server: answer(server, protocol))
    assert "ASGI callable should return None, but returned 'value'." in caplog.text
    assert 'returned without completing response' not in caplog.text
    if protocol == 'h2':
        assert (status, body, ended) == (200, b'part', 'reset 2')
    else:
        assert ended == 'closed'


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_a_body_longer_than_its_content_length_is_refused(protocol, caplog):
    errors = []

    @http_only
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'3')]})
        try:
            await send({'type': 'http.response.body', 'body': b'abcd'})
        except RuntimeError as error:
            errors.append(str(error))

    with caplog.at_level(logging.ERROR, logger='uvicorn.error'):
        status, body, ended = serve(app, lambda server: answer(server, protocol))
    assert errors == ['Response content longer than Content-Length']
    assert 'returned without completing response' in caplog.text
    assert status == 200 and body == b''
    assert ended == ('reset 2' if protocol == 'h2' else 'closed')


@pytest.mark.parametrize('protocol', PROTOCOLS)
@pytest.mark.parametrize('length, error', [
    (b'-1', 'Response content longer than Content-Length'),
    (b'%d' % 2 ** 64, 'Response content shorter than Content-Length'),
])
def test_a_content_length_past_the_counters_range_is_still_checked(protocol, length, error):
    # uvicorn counts in Python ints; the cycle counts in C: a negative
    # length is too short for any body, one past 2**63 longer than any.
    errors = []

    @http_only
    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', length)]})
        try:
            await send({'type': 'http.response.body', 'body': b''})
        except RuntimeError as caught:
            errors.append(str(caught))

    serve(app, lambda server: answer(server, protocol))
    assert errors == [error]


@pytest.mark.parametrize('protocol', PROTOCOLS)
def test_trailers_are_offered_and_awaited_over_http2_only(protocol):
    # uvicorn offers http.response.trailers over HTTP/2 (and then waits for
    # them once the body is done); over HTTP/1.1 none, and a start's
    # ``trailers`` is nothing: the body ends the response.
    seen = {}

    @http_only
    async def app(scope, receive, send):
        seen['offered'] = 'http.response.trailers' in scope.get('extensions', {})
        await send({'type': 'http.response.start', 'status': 200, 'trailers': True})
        await send({'type': 'http.response.body', 'body': b'ok'})
        try:
            await send({'type': 'http.response.body', 'body': b'again'})
        except RuntimeError as error:
            seen['error'] = str(error)
        try:
            await send({'type': 'http.response.trailers',
                        'headers': [(b'x-checksum', b'1')]})
        except RuntimeError as error:
            seen['trailers'] = str(error)

    status, body, _ended = serve(app, lambda server: answer(server, protocol))
    assert (status, body) == (200, b'ok')
    if protocol == 'h2':
        assert seen == {'offered': True, 'error': "Expected ASGI message "
                        "'http.response.trailers', but got 'http.response.body'."}
    else:
        assert seen == {
            'offered': False,
            'error': "Unexpected ASGI message 'http.response.body' sent, after response "
                     "already completed.",
            'trailers': "Unexpected ASGI message 'http.response.trailers' sent, after "
                        "response already completed."}


def test_an_http1_cycles_stream_calls_do_nothing():
    # The cycle's base is the HTTP/2 request stream (one object per HTTP/2
    # request, issue 72); over HTTP/1.1 no session holds it, and what a
    # session calls on a stream, called on it, neither crashes nor acts.
    called = []

    @http_only
    async def app(scope, receive, send):
        cycle = receive.__self__
        cycle.destroy()
        cycle.destroy(RuntimeError('x'))
        cycle.close(8)
        cycle._reset(8)
        cycle._reset_if_open(8)
        cycle._on_connection_lost()
        cycle._on_headers()
        cycle._on_want_trailers()
        called.append(cycle.emit('frameError'))
        try:
            cycle._on_end()
        except NotImplementedError:
            called.append('no end')
        await asyncio.sleep(0.05)       # (close()'s reset comes a tick later)
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'still here'})

    async def client(server):
        return await answer(server, 'http/1.1')
    status, body, ended = serve(app, client)
    assert (status, body, ended) == (200, b'still here', 'kept')
    assert called == [False, 'no end']
