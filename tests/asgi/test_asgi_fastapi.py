"""A FastAPI app, unchanged, end to end over pyuvnet.asgi: path parameters,
validation errors, dependencies, a StreamingResponse, lifespan state and a
background task.  FastAPI is a test-only dependency (pyproject's test
extras)."""
import asyncio
import contextlib
import json

import pytest

fastapi = pytest.importorskip('fastapi')
from fastapi import BackgroundTasks, Depends, FastAPI, Header, Request  # noqa: E402
from fastapi.responses import StreamingResponse  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from asgi_support import connect, header, read_response, serve  # noqa: E402

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

    return app


async def call(server, method, path, body=None, headers=()):
    reader, writer = await connect(server)
    data = json.dumps(body).encode() if body is not None else b''
    head = [b'%s %s HTTP/1.1' % (method.encode(), path.encode()), b'Host: test']
    if body is not None:
        head += [b'Content-Type: application/json', b'Content-Length: %d' % len(data)]
    head += [b'%s: %s' % (k.encode(), v.encode()) for k, v in headers]
    writer.write(b'\r\n'.join(head) + b'\r\n\r\n' + data)
    status, response_headers, response_body, raw = await read_response(reader)
    writer.close()
    return status, response_headers, response_body


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
    assert events == ['startup', 'background', 'shutdown']
