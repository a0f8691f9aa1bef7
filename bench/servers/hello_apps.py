"""The realistic HTTP/1.1 "hello" application (bench/servers/node_http.js's:
"/" says hello, a POST to "/" gets its body's length, anything else is a
404) in each interface the benchmark's Python servers speak: ASGI 3, WSGI
and granian's RSGI; and the FastAPI JSON endpoint of the ASGI cells
(``GET /json``), reached from the ASGI app outside its hello path, so the
hello requests pay nothing for it; the same endpoint as a Flask app, which
the headline serves as it is (``fastapi_app`` is served so too).

No server is imported here: each server's script (or its own command line,
bench/servers/external_hello.py) imports the app it serves.
"""
import itertools

HELLO = b'Hello, world!\n'
NOT_FOUND = b'Not found\n'
JSON_PATH = '/json'


def _fastapi_app():
    """The FastAPI app of the JSON cell, or None without FastAPI."""
    try:
        from fastapi import FastAPI
    except ImportError:
        return None
    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @api.get(JSON_PATH)
    async def hello_json():
        return {'message': 'Hello, world!'}
    return api


fastapi_app = _fastapi_app()


def _flask_app():
    """The Flask app of the headline's WSGI row (bench/runner/headline.py):
    FastAPI's JSON answer at the same path, or None without Flask."""
    try:
        from flask import Flask
    except ImportError:
        return None
    web = Flask(__name__)

    @web.get(JSON_PATH)
    def hello_json():
        return {'message': 'Hello, world!'}
    return web


flask_app = _flask_app()


async def app(scope, receive, send):
    """ASGI 3."""
    if scope['type'] != 'http':
        return
    if scope['method'] == 'POST' and scope['path'] == '/':
        length, more = 0, True
        while more:
            message = await receive()
            length += len(message.get('body', b''))
            more = message.get('more_body', False)
        found, body = True, b'%d\n' % length
    else:
        path = scope['path']
        if path == JSON_PATH and fastapi_app is not None:
            return await fastapi_app(scope, receive, send)
        found = path == '/' and scope['method'] in ('GET', 'HEAD')
        body = HELLO if found else NOT_FOUND
    await send({'type': 'http.response.start', 'status': 200 if found else 404,
                'headers': [(b'content-type', b'text/plain'),
                            (b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


_answered = itertools.count()


async def counted_app(scope, receive, send):
    """ASGI 3: the hello to any GET, with a third header whose value
    changes per response (a counter), so that no server can give its head
    again as the last one (bench/h2_instructions.py --counted)."""
    if scope['type'] != 'http':
        return
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain'),
                            (b'content-length', b'%d' % len(HELLO)),
                            (b'x-request', b'%d' % next(_answered))]})
    await send({'type': 'http.response.body', 'body': HELLO})


def wsgi_app(environ, start_response):
    """PEP 3333."""
    if environ['REQUEST_METHOD'] == 'POST' and environ['PATH_INFO'] == '/':
        body = b'%d\n' % len(environ['wsgi.input'].read())
        status = '200 OK'
    elif environ['PATH_INFO'] == '/' and environ['REQUEST_METHOD'] in ('GET', 'HEAD'):
        body, status = HELLO, '200 OK'
    else:
        body, status = NOT_FOUND, '404 Not Found'
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


async def rsgi_app(scope, protocol):
    """granian's RSGI (its own interface, the fastest it serves)."""
    if scope.proto != 'http':
        return
    if scope.method == 'POST' and scope.path == '/':
        found, body = True, b'%d\n' % len(await protocol())
    else:
        found = scope.path == '/' and scope.method in ('GET', 'HEAD')
        body = HELLO if found else NOT_FOUND
    protocol.response_bytes(200 if found else 404, [('content-type', 'text/plain'),
                                                    ('content-length', str(len(body)))], body)
