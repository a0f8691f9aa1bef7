"""A FastAPI app, unchanged, end to end over pyuvnet.asgi: path parameters,
validation errors, dependencies, a StreamingResponse, lifespan state, a
background task and a websocket route.  FastAPI is a test-only dependency (pyproject's test
extras)."""
import asyncio
import contextlib
import json

import pytest

fastapi = pytest.importorskip('fastapi')
websockets = pytest.importorskip('websockets')
from fastapi import BackgroundTasks, Depends, FastAPI, Header, Request, WebSocket  # noqa: E402
from fastapi.responses import StreamingResponse  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from asgi_support import header, serve  # noqa: E402
from framework_support import call  # noqa: E402

pytestmark = pytest.mark.timeout(60)


class Item(BaseModel):
    name: str
    price: float


def make_app(events):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append('startup')
        yield {'greeting': 'hello'}
        events.append('shutdown')

    app = FastAPI(lifespan=lifespan)

    def token(x_token: str = Header('none')):
        return x_token.upper()

    @app.get('/items/{item_id}')
    async def read_item(item_id: int, q: str = '', user: str = Depends(token)):
        return {'item_id': item_id, 'q': q, 'user': user}

    @app.post('/items')
    async def create_item(item: Item):
        return {'name': item.name, 'total': item.price * 2}

    @app.get('/greet')
    async def greet(request: Request):
        return {'greeting': request.state.greeting}

    @app.get('/stream')
    async def stream():
        async def numbers():
            for i in range(5):
                yield b'%d\n' % i
                await asyncio.sleep(0.01)
        return StreamingResponse(numbers(), media_type='text/plain')

    @app.post('/later')
    async def later(tasks: BackgroundTasks):
        tasks.add_task(lambda: events.append('background'))
        return {'queued': True}

    @app.get('/sync')
    def sync_view():
        return {'thread': 'pool'}

    @app.websocket('/ws/{room}')
    async def chat(websocket: WebSocket, room: str):
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_json({'room': room, 'echo': text,
                                       'greeting': websocket.state.greeting})

    return app


def test_fastapi_end_to_end():
    events = []
    results = {}

    async def client(server):
        results['path'] = await call(server, 'GET', '/items/42?q=x', headers=[('X-Token', 'abc')])
        results['bad path'] = await call(server, 'GET', '/items/notanumber')
        results['post'] = await call(server, 'POST', '/items', {'name': 'pen', 'price': 1.5})
        results['invalid'] = await call(server, 'POST', '/items', {'name': 'pen'})
        results['greet'] = await call(server, 'GET', '/greet')
        results['stream'] = await call(server, 'GET', '/stream')
        results['later'] = await call(server, 'POST', '/later', {})
        results['sync'] = await call(server, 'GET', '/sync')
        results['missing'] = await call(server, 'GET', '/nowhere')
        url = 'ws://127.0.0.1:%d/ws/lobby' % server.address().port
        async with websockets.connect(url) as ws:
            await ws.send('hi')
            results['ws'] = json.loads(await ws.recv())
        await asyncio.sleep(0.05)
    serve(make_app(events), client)

    status, headers, body = results['path']
    assert status == 200
    assert json.loads(body) == {'item_id': 42, 'q': 'x', 'user': 'ABC'}
    status, headers, body = results['bad path']
    assert status == 422
    assert json.loads(body)['detail'][0]['loc'] == ['path', 'item_id']
    assert json.loads(results['post'][2]) == {'name': 'pen', 'total': 3.0}
    status, headers, body = results['invalid']
    assert status == 422
    assert json.loads(body)['detail'][0]['loc'] == ['body', 'price']
    assert json.loads(results['greet'][2]) == {'greeting': 'hello'}
    status, headers, body = results['stream']
    assert status == 200
    assert header(headers, b'transfer-encoding') == [b'chunked']
    assert body == b'0\n1\n2\n3\n4\n'
    assert json.loads(results['later'][2]) == {'queued': True}
    assert json.loads(results['sync'][2]) == {'thread': 'pool'}
    assert results['missing'][0] == 404
    assert results['ws'] == {'room': 'lobby', 'echo': 'hi', 'greeting': 'hello'}
    assert events == ['startup', 'background', 'shutdown']


def test_the_fastapi_example_self_test():
    import os
    import subprocess
    import sys
    example = os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'fastapi_app.py')
    result = subprocess.run([sys.executable, example, '--self-test'], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed' in result.stdout
