"""The app's first step runs in the libuv turn that read its request
(pyuvnet/uv/asgi/app_run.pyx), before its Task's own first step, on
Python 3.11+ (create_task's ``context``): an app that never waits has its
answer written before the server's 'request' listeners return, and that
step already runs inside the request's Task and the Task's context, so
what apps see (current_task(), contextvars, anyio) is what the
Task gives any later step, and each request has a context of its own, as
under uvicorn."""
import asyncio
import contextvars
import sys

import pytest

from asgi_support import exchange, serve

pytestmark = pytest.mark.timeout(30)

EARLY = sys.version_info >= (3, 11)
REQUEST = b'GET /%d HTTP/1.1\r\nHost: example.org\r\n\r\n'


async def answer(send, body, status=200):
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def test_an_app_that_never_waits_has_answered_when_the_listeners_return():
    seen = []

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            await answer(send, b'hi')

    async def client(server):
        # A listener after pyuvnet.asgi's own sees the response as it is
        # when the 'request' event is over.
        server.on('request', lambda req, res: seen.append(res.writableEnded))
        got, closed = await exchange(server, REQUEST % 1)
        return got[0][2], closed, len(server._tasks)
    assert serve(app, client) == (b'hi', False, 0)
    assert seen == [EARLY]


def test_the_first_step_runs_in_the_requests_task_and_its_own_context():
    var = contextvars.ContextVar('request_var', default='unset')
    seen = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        task = asyncio.current_task()
        before = var.get()
        var.set(scope['path'])
        await asyncio.sleep(0)
        seen.append((task is not None and task is asyncio.current_task(), before, var.get(),
                     task.done()))
        await answer(send, b'ok')

    async def client(server):
        got, _ = await exchange(server, REQUEST % 1 + REQUEST % 2, responses=2)
        return [body for _, _, body, _ in got]
    assert serve(app, client) == [b'ok', b'ok']
    # Each request's context is a fresh copy: the first one's value is not
    # the second one's.
    assert seen == [(True, 'unset', '/1', False), (True, 'unset', '/2', False)]


def test_anyio_works_in_the_first_step():
    anyio = pytest.importorskip('anyio')
    seen = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        seen.append(anyio.get_current_task().id == id(asyncio.current_task()))
        with anyio.CancelScope() as scope_:
            await anyio.sleep(0)
        seen.append(scope_.cancelled_caught)
        with anyio.move_on_after(0.01):
            await anyio.sleep(5)
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.sleep, 0)
        await answer(send, b'ok')

    async def client(server):
        got, _ = await exchange(server, REQUEST % 1)
        return got[0][2]
    assert serve(app, client) == b'ok'
    assert seen == [True, False]


def test_answers_keep_their_order_when_an_earlier_app_waits():
    """Pipelined requests: the first app waits, the second answers at once
    (in its read's turn): the answers still leave in the requests' order."""
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        if scope['path'] == '/1':
            await asyncio.sleep(0.05)
        await answer(send, scope['path'].encode())

    async def client(server):
        got, closed = await exchange(server, REQUEST % 1 + REQUEST % 2 + REQUEST % 3,
                                     responses=3)
        return [body for _, _, body, _ in got], closed
    assert serve(app, client) == ([b'/1', b'/2', b'/3'], False)


@pytest.mark.parametrize('when', ['first step', 'later step'])
def test_a_failure_is_a_500_before_the_response_and_the_task_ends(when):
    tasks = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        tasks.append(asyncio.current_task())
        if when == 'later step':
            await asyncio.sleep(0)
        raise ValueError('boom')

    async def client(server):
        got, _ = await exchange(server, REQUEST % 1)
        await asyncio.sleep(0.01)
        return got[0][0], len(server._tasks)
    assert serve(app, client) == (500, 0)
    assert tasks[0].done() and tasks[0].exception() is None


def test_an_app_returning_another_awaitable_is_awaited():
    """An ASGI callable that is not a coroutine function: what it returns
    is awaited (a Future here), as uvicorn's ``await app(...)``."""
    def app(scope, receive, send):
        future = asyncio.get_running_loop().create_future()

        async def run():
            if scope['type'] == 'http':
                await answer(send, b'later')
            future.set_result(None)
        asyncio.ensure_future(run())
        return future

    async def client(server):
        got, _ = await exchange(server, REQUEST % 1)
        return got[0][2]
    assert serve(app, client, lifespan='off') == b'later'


def test_a_request_task_cancelled_while_the_app_waits_ends_cancelled():
    """Cancelling a request's Task reaches the app where it waits; before
    the response that is a 500 (uvicorn's rule for an app that raises)."""
    tasks = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        tasks.append(asyncio.current_task())
        await asyncio.sleep(5)

    async def client(server):
        reader, writer = await asyncio.open_connection('127.0.0.1', server.address().port)
        writer.write(REQUEST % 1)
        while not tasks:
            await asyncio.sleep(0.01)
        tasks[0].cancel()
        head = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), 5)
        writer.close()
        await asyncio.sleep(0.01)
        return head.split(b'\r\n')[0], tasks[0].cancelled(), len(server._tasks)
    assert serve(app, client) == (b'HTTP/1.1 500 Internal Server Error', True, 0)
