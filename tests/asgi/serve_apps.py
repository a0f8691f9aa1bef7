"""Apps for the `pyuvnet serve` tests (tests/asgi/test_serve_cli.py),
imported by the server child through --app-dir."""
import os
import time


async def asgi_app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            await send({'type': message['type'] + '.complete'})
            print('%s %d' % (message['type'], os.getpid()), flush=True)
            if message['type'] == 'lifespan.shutdown':
                return
    body = b'asgi %d %s' % (os.getpid(), scope['root_path'].encode())
    if scope['path'] == '/slow':
        import asyncio
        await asyncio.sleep(30)
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def wsgi_app(environ, start_response):
    if environ['PATH_INFO'] == '/slow':
        time.sleep(30)
    body = b'wsgi %d' % os.getpid()
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


def make_app():
    return asgi_app


class Handler:
    """An object with an async __call__ (as Django's ASGIHandler)."""

    async def __call__(self, scope, receive, send):
        await asgi_app(scope, receive, send)


handler = Handler()
broken_import = None


async def env_app(scope, receive, send):
    """Answers with $GREETING (--env-file's test)."""
    body = os.environ.get('GREETING', '').encode()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})
