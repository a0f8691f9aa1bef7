"""The ASGI websocket scope over pyuvnet.ws, checked with the
``websockets`` library as the client (test extras); uvicorn's behaviour
where the spec is silent (tests/protocols/test_websocket.py)."""
import asyncio

import pytest

from asgi_support import serve

websockets = pytest.importorskip('websockets')
try:
    from websockets.asyncio.client import connect as ws_connect
except ImportError:     # websockets < 13
    ws_connect = websockets.connect
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

pytestmark = pytest.mark.timeout(30)


def url(server, path='/'):
    return 'ws://127.0.0.1:%d%s' % (server.address().port, path)


def test_echo_with_subprotocol_headers_and_scope():
    seen = {}

    async def app(scope, receive, send):
        if scope['type'] != 'websocket':
            return
        seen['scope'] = scope
        assert await receive() == {'type': 'websocket.connect'}
        await send({'type': 'websocket.accept', 'subprotocol': 'chat',
                    'headers': [(b'x-extra', b'yes')]})
        while True:
            message = await receive()
            if message['type'] == 'websocket.disconnect':
                seen['disconnect'] = message
                return
            if message.get('text') is not None:
                await send({'type': 'websocket.send', 'text': message['text'].upper()})
            else:
                await send({'type': 'websocket.send', 'bytes': message['bytes'][::-1]})

    async def client(server):
        async with ws_connect(url(server, '/room%201?x=1'), subprotocols=['other', 'chat']) as ws:
            got = {'protocol': ws.subprotocol,
                   'header': ws.response.headers.get('x-extra')}
            await ws.send('hello')
            got['text'] = await ws.recv()
            await ws.send(b'\x01\x02\x03')
            got['bytes'] = await ws.recv()
        for _ in range(100):
            if 'disconnect' in seen:
                break
            await asyncio.sleep(0.01)
        return got
    got = serve(app, client)
    assert got == {'protocol': 'chat', 'header': 'yes', 'text': 'HELLO', 'bytes': b'\x03\x02\x01'}
    scope = seen['scope']
    assert scope['type'] == 'websocket'
    assert scope['scheme'] == 'ws'
    assert scope['path'] == '/room 1'
    assert scope['raw_path'] == b'/room%201'
    assert scope['query_string'] == b'x=1'
    assert scope['subprotocols'] == ['other', 'chat']
    assert (b'upgrade', b'websocket') in scope['headers']
    assert seen['disconnect']['code'] == 1000


def _status_of_refusal(app):
    async def client(server):
        try:
            async with ws_connect(url(server)):
                return None
        except InvalidStatus as exc:
            return exc.response.status_code
    return serve(app, client, lifespan='off')


def test_close_before_accept_is_403():
    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.close'})
    assert _status_of_refusal(app) == 403


def test_failure_before_accept_is_500():
    async def app(scope, receive, send):
        raise RuntimeError('boom')
    assert _status_of_refusal(app) == 500


def test_return_without_handshake_is_500():
    async def app(scope, receive, send):
        pass
    assert _status_of_refusal(app) == 500


def _close_code(app, **options):
    async def client(server):
        async with ws_connect(url(server)) as ws:
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd is not None else None
    return serve(app, client, lifespan='off', **options)


def test_failure_after_accept_closes_1011():
    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.accept'})
        raise RuntimeError('late')
    assert _close_code(app) == 1011


def test_return_after_accept_closes_1000():
    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.accept'})
    assert _close_code(app) == 1000


def test_app_close_code_and_reason():
    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.accept'})
        await send({'type': 'websocket.close', 'code': 4001, 'reason': 'bye'})

    async def client(server):
        async with ws_connect(url(server)) as ws:
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code, exc.rcvd.reason
    assert serve(app, client, lifespan='off') == (4001, 'bye')


def test_server_close_closes_websockets_1012_then_close_event():
    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.accept'})
        while (await receive())['type'] != 'websocket.disconnect':
            pass

    async def client(server):
        async with ws_connect(url(server)) as ws:
            server.close()
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code
    assert serve(app, client, lifespan='off') == 1012


def test_send_after_the_client_left_raises_client_disconnected():
    from pyuvnet import asgi
    errors = []

    async def app(scope, receive, send):
        await receive()
        await send({'type': 'websocket.accept'})
        assert (await receive())['type'] == 'websocket.disconnect'
        try:
            await send({'type': 'websocket.send', 'text': 'late'})
        except asgi.ClientDisconnected as exc:
            errors.append(exc)

    async def client(server):
        async with ws_connect(url(server)):
            pass
        for _ in range(100):
            if errors:
                break
            await asyncio.sleep(0.01)
    serve(app, client, lifespan='off')
    assert len(errors) == 1 and isinstance(errors[0], OSError)
