"""Real ASGI apps, unchanged, end to end over pyuvnet.asgi: Starlette
(routes, a request body, middleware, a streaming response, lifespan
state) and Django's ASGI handler (without channels).  Test-only
dependencies (pyproject's test extras)."""
import asyncio
import contextlib
import json

import pytest

from asgi_support import header, serve
from framework_support import call, django_round, django_settings

pytestmark = pytest.mark.timeout(60)


def test_starlette():
    pytest.importorskip('starlette')
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    async def user(request):
        return JSONResponse({'id': request.path_params['id'], 'db': request.state.db,
                             'root': request.scope['root_path']})

    async def upload(request):
        body = await request.body()
        return PlainTextResponse('%d bytes' % len(body))

    async def ticks(request):
        async def gen():
            for i in range(3):
                yield 'tick %d\n' % i
                await asyncio.sleep(0.01)
        return StreamingResponse(gen())

    class Stamp(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            response = await call_next(request)
            response.headers['x-stamp'] = 'pyuvnet'
            return response

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield {'db': 'ready'}

    app = Starlette(routes=[Route('/users/{id:int}', user), Route('/upload', upload, methods=['POST']),
                            Route('/ticks', ticks)],
                    middleware=[Middleware(Stamp)], lifespan=lifespan)
    results = {}

    async def client(server):
        results['user'] = await call(server, 'GET', '/users/7')
        results['upload'] = await call(server, 'POST', '/upload', b'x' * 200000)
        results['ticks'] = await call(server, 'GET', '/ticks')
        results['missing'] = await call(server, 'GET', '/users/abc')
    # As uvicorn's --root-path: the proxy in front stripped /api, the app
    # sees it in root_path (and in path, which Starlette strips again).
    serve(app, client, root_path='/api')
    status, headers, body = results['user']
    assert json.loads(body) == {'id': 7, 'db': 'ready', 'root': '/api'}
    assert header(headers, b'x-stamp') == [b'pyuvnet']
    assert results['upload'][2] == b'200000 bytes'
    assert results['ticks'][2] == b'tick 0\ntick 1\ntick 2\n'
    assert results['missing'][0] == 404


def test_django_asgi():
    django_settings()
    from django.core.asgi import get_asgi_application
    django_round(get_asgi_application())
