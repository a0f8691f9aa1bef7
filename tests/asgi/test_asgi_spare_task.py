"""A request whose app ends in its first step (run in the turn that read
the request, test_asgi_early_step.py) has no Task of its own: its current
task is the server's spare Task, parked between requests, and the next
such request's first step uses it again (pyuvnet/uv/asgi/app_run.pyx).
What an app sees must stay what a Task per request gives: a Task as the
current task, a fresh context per request, a request that waits keeping
that Task as its own, a cancel reaching only the request that made it,
and no Task left pending once the server has closed."""
import asyncio
import contextvars
import gc
import sys

import pytest

from asgi_support import exchange, serve

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.skipif(sys.version_info < (3, 11),
                                 reason='the early first step is 3.11+ (create_task(context=))')]

REQUEST = b'GET /%d HTTP/1.1\r\nHost: example.org\r\n\r\n'
VAR = contextvars.ContextVar('spare_var', default='unset')


async def answer(send, body):
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def requests(count):
    return b''.join(REQUEST % i for i in range(count))


def recording_app(tasks):
    """An app answering at once that appends its current task to ``tasks``."""
    async def app(scope, receive, send):
        if scope['type'] == 'http':
            tasks.append(asyncio.current_task())
            await answer(send, b'ok')
    return app


async def bodies(server, count):
    got, _ = await exchange(server, requests(count), responses=count)
    return [body for _, _, body, _ in got]


def test_requests_that_end_at_once_share_one_parked_task_that_ends_with_the_server():
    tasks = []

    async def client(server):
        got = await bodies(server, 3)
        others = {t for t in asyncio.all_tasks() if t.get_name() == 'pyuvnet.asgi request'}
        return got, len(server._tasks), tasks[0].done(), others
    got, under_way, done, others = serve(recording_app(tasks), client)
    assert got == [b'ok'] * 3
    assert len({id(task) for task in tasks}) == 1 and isinstance(tasks[0], asyncio.Task)
    # Parked, not under way: the server's close does not wait for it...
    assert (under_way, done, others) == (0, False, {tasks[0]})
    # ... and ends it.
    assert tasks[0].done() and not tasks[0].cancelled() and tasks[0].result() is None


def test_each_request_on_the_spare_has_a_fresh_context():
    seen = []

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            seen.append(VAR.get())
            VAR.set(scope['path'])
            await answer(send, b'ok')

    async def client(server):
        return await bodies(server, 3)
    assert serve(app, client) == [b'ok'] * 3
    assert seen == ['unset'] * 3


def test_a_request_that_waits_keeps_the_spare_and_its_own_context():
    """The app of /1 waits: the spare's Task becomes that request's and
    steps it on in the request's context; /2 (dispatched while /1 waits)
    gets another Task."""
    tasks, befores, waited = {}, {}, []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        path = scope['path']
        task = tasks[path] = asyncio.current_task()
        befores[path] = VAR.get()
        VAR.set(path)
        if path == '/1':
            await asyncio.sleep(0.01)
            waited.append((asyncio.current_task() is task, VAR.get(), task.done()))
        await answer(send, path.encode())

    async def client(server):
        return await bodies(server, 3)
    assert serve(app, client) == [b'/0', b'/1', b'/2']
    assert waited == [(True, '/1', False)]
    assert befores == {'/0': 'unset', '/1': 'unset', '/2': 'unset'}
    # /0 ran on the spare; /1 took it with it; /2 ran on a new spare.
    assert tasks['/0'] is tasks['/1'] and tasks['/2'] is not tasks['/1']
    assert tasks['/1'].done() and tasks['/2'].done()


def test_a_task_cancelled_by_its_own_app_goes_with_that_request():
    """An app that cancels its current task and returns at once: that
    Task ends cancelled; the next request runs on another, uncancelled."""
    seen = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        task = asyncio.current_task()
        seen.append(task)
        await answer(send, b'ok')
        if scope['path'] == '/1':
            task.cancel()

    async def client(server):
        got = await bodies(server, 3)
        await asyncio.sleep(0.01)
        return got, seen[1].cancelled(), seen[2].cancelling(), len(server._tasks)
    assert serve(app, client) == ([b'ok'] * 3, True, 0, 0)
    assert seen[0] is seen[1] and seen[2] is not seen[1]


def test_a_spare_cancelled_while_parked_is_replaced():
    """Cancelling the parked Task (as a shutdown that cancels every task
    does) ends it cancelled; the next request runs on a new one."""
    seen = []

    async def client(server):
        got = await bodies(server, 1)
        seen[0].cancel()
        await asyncio.sleep(0.01)
        got += await bodies(server, 1)
        return got, seen[0].cancelled(), seen[1] is seen[0], seen[1].done()
    assert serve(recording_app(seen), client) == ([b'ok', b'ok'], True, False, False)


def test_a_base_exception_ends_the_requests_task_with_it():
    """What is not an Exception (uvicorn re-raises it) ends the Task the
    app ran on with it, as with a Task per request; the next request
    runs on another Task."""
    seen = []

    class Stop(BaseException):
        pass

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        seen.append(asyncio.current_task())
        await answer(send, b'ok')
        if scope['path'] == '/0':
            raise Stop()

    async def client(server):
        # The failure after the response closes its connection (uvicorn's rule).
        got = [(await bodies(server, 1))[0] for _ in range(2)]
        await asyncio.sleep(0.01)
        return got, seen[0].done(), type(seen[0].exception()), seen[1] is seen[0]
    assert serve(app, client) == ([b'ok', b'ok'], True, Stop, False)
    # The Task's exception holds the app's frame, which holds ``seen``.
    seen.clear()
    gc.collect()


def test_a_server_never_closed_leaves_no_pending_task_behind():
    """asyncio.run() cancels what is pending at its end: the spare too,
    with no 'Task was destroyed but it is pending' afterwards."""
    from pyuvnet import aio, asgi
    errors = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: errors.append(ctx))
        async with aio.attach():
            server = asgi.createServer(recording_app([]), lifespan='off')
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            got = await bodies(server, 2)
            spare = {t for t in asyncio.all_tasks() if t.get_name() == 'pyuvnet.asgi request'}
            server.close()
            return got, spare
    got, spare = asyncio.run(main())
    assert got == [b'ok', b'ok'] and len(spare) == 1
    assert spare.pop().done()
    assert errors == []


def test_a_done_callback_added_by_the_app_runs_when_its_request_ends():
    """With a Task per request (uvicorn), a callback an app adds to its
    current task runs once that request's Task ends; on the spare it would
    wait for the server's close, and pile up a callback per request. So a
    request that adds one keeps the spare as its own Task, which ends with
    the request."""
    ran, tasks = [], []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        task = asyncio.current_task()
        tasks.append(task)
        task.add_done_callback(lambda _, path=scope['path']: ran.append(path))
        await answer(send, b'ok')

    async def client(server):
        got = await bodies(server, 3)
        await asyncio.sleep(0.01)
        return got, list(ran), [task.done() for task in tasks]
    assert serve(app, client) == ([b'ok'] * 3, ['/0', '/1', '/2'], [True] * 3)
    assert len({id(task) for task in tasks}) == 3


def test_a_name_set_by_the_app_stays_with_its_own_request():
    """A request that renames its current task does not hand that name
    to the next request's task."""
    names = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        task = asyncio.current_task()
        names.append(task.get_name())
        task.set_name('request ' + scope['path'])
        await answer(send, b'ok')

    async def client(server):
        return await bodies(server, 3)
    assert serve(app, client) == [b'ok'] * 3
    assert names == ['pyuvnet.asgi request'] * 3
