"""ASGI over HTTP/2, what pyuvnet/asgi/_http2.py and pyuvnet/_internal/app_http2.py
add beside the stream cycle: the ``http.response.push`` extension (a
PUSH_PROMISE, then the app run on the pushed request, as hypercorn does) and
the keep-alive timeout of an idle session (GOAWAY, as an idle HTTP/1.1
keep-alive connection is closed)."""
import asyncio
import time

import pytest

from pyuvnet import http2, wsgi
from asgi_support import serve

pytestmark = pytest.mark.timeout(60)


async def pushing_app(scope, receive, send):
    if scope['type'] != 'http':
        return
    await receive()
    if scope['path'] == '/':
        assert 'http.response.push' in scope['extensions']
        await send({'type': 'http.response.push', 'path': '/style.css',
                    'headers': [(b'accept', b'text/css')]})
        body = b'page'
    else:
        headers = dict(scope['headers'])
        body = ('%s %s accept=%s host=%s' % (scope['method'], scope['path'],
                                              headers[b'accept'].decode(),
                                              headers[b'host'].decode())).encode()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'x-path', scope['path'].encode())]})
    await send({'type': 'http.response.body', 'body': body})


def get(port, settings=None):
    """A GET / on a new session; gives back a future of (pushes, body):
    each pushed path's [status, body], once the main and pushed streams
    have all closed."""
    done = asyncio.get_running_loop().create_future()
    session = http2.connect('http://127.0.0.1:%d' % port, {'settings': settings or {}})
    pushes = {}
    open_streams = []

    def closed(stream):
        open_streams.remove(stream)
        if not open_streams:
            session.close()
            done.set_result((pushes, b''.join(body)))

    def on_stream(pushed, headers, *_):
        chunks = []
        open_streams.append(pushed)
        pushed.on('push', lambda head, *_: pushes.setdefault(headers[':path'], [head[':status']]))
        pushed.on('data', chunks.append)
        pushed.on('end', lambda: pushes[headers[':path']].append(b''.join(chunks)))
        pushed.on('close', lambda: closed(pushed))
    session.on('stream', on_stream)
    req = session.request({':path': '/'}, {'endStream': True})
    open_streams.append(req)
    body = []
    req.on('data', body.append)
    req.on('close', lambda: closed(req))
    return done


def test_http_response_push_runs_the_app_on_the_pushed_request():
    async def client(server):
        return await get(server.address().port)
    pushes, body = serve(pushing_app, client)
    assert body == b'page'
    assert list(pushes) == ['/style.css']
    status, pushed = pushes['/style.css']
    assert status == 200
    assert pushed.startswith(b'GET /style.css accept=text/css host=127.0.0.1:')


def test_http_response_push_does_nothing_when_the_client_disabled_push():
    async def client(server):
        return await get(server.address().port, {'enablePush': False})
    assert serve(pushing_app, client) == ({}, b'page')


async def hello_app(scope, receive, send):
    if scope['type'] != 'http':
        return
    if scope['path'] == '/slow':
        await asyncio.sleep(0.6)
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': b'hello'})


def idle_client(path):
    async def client(server):
        loop = asyncio.get_running_loop()
        closed = loop.create_future()
        session = http2.connect('http://127.0.0.1:%d' % server.address().port)
        seen = {'started': time.monotonic()}
        session.on('goaway', lambda code, *_: seen.setdefault('goaway', code))
        session.on('close', lambda: closed.done() or closed.set_result(
            time.monotonic() - seen['started']))
        req = session.request({':path': path}, {'endStream': True})
        req.on('data', lambda chunk: seen.setdefault('body', chunk))
        req.resume()
        seen['lasted'] = await closed
        return seen
    return client


def test_an_idle_http2_session_is_closed_after_the_keep_alive_timeout():
    seen = serve(hello_app, idle_client('/'), keepAliveTimeout=300)
    assert seen['body'] == b'hello' and seen['goaway'] == 0


def test_a_quiet_stream_keeps_its_session_past_the_keep_alive_timeout():
    # The app answers after 0.6 s, twice the timeout: the stream is served,
    # then the idle session closed.
    seen = serve(hello_app, idle_client('/slow'), keepAliveTimeout=300)
    assert seen['body'] == b'hello' and seen['goaway'] == 0
    assert seen['lasted'] >= 0.6


def test_wsgi_sessions_time_out_too():
    def app(environ, start_response):
        start_response('200 OK', [])
        return [b'hello']
    seen = serve(app, idle_client('/'), module=wsgi, keepAliveTimeout=300)
    assert seen['body'] == b'hello' and seen['goaway'] == 0
