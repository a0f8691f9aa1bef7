"""Apps for the supervisor's tests (tests/serve/), imported by the server's
workers through --app-dir.  Each answers with its process id, so that a
test tells the workers apart."""
import os
import threading
import time


# A request to /block holds its app thread (an ASGI app's: the loop) until
# the process ends.
_never = threading.Event()


def _body_of(path):
    if path == '/die':
        os._exit(7)
    if path == '/exit3':
        os._exit(3)         # gunicorn's WORKER_BOOT_ERROR
    return b'%d' % os.getpid()


async def asgi_app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            await send({'type': message['type'] + '.complete'})
            if message['type'] == 'lifespan.shutdown':
                return
    if scope['path'] == '/block':
        _never.wait()       # a sync call in an async app: the loop frozen
    body = _body_of(scope['path'])
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def wsgi_app(environ, start_response):
    if environ['PATH_INFO'] == '/block':
        _never.wait()
    if environ['PATH_INFO'] == '/slow':
        time.sleep(float(environ.get('QUERY_STRING') or 1))
    body = _body_of(environ['PATH_INFO'])
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


async def failing_lifespan(scope, receive, send):
    """An ASGI app whose lifespan startup fails (in every worker)."""
    if scope['type'] == 'lifespan':
        await receive()
        await send({'type': 'lifespan.startup.failed', 'message': 'no database'})


async def starlette_like_failure(scope, receive, send):
    """Starlette's way: the startup's exception sent as the failure's
    message, its whole traceback."""
    if scope['type'] == 'lifespan':
        await receive()
        await send({'type': 'lifespan.startup.failed', 'message': (
            'Traceback (most recent call last):\n  File "app.py", line 1, in lifespan\n'
            'RuntimeError: the database is down\n')})


async def raising_lifespan(scope, receive, send):
    if scope['type'] == 'lifespan':
        await receive()
        raise RuntimeError('the database is down')
