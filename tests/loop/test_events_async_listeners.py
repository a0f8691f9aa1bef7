"""An ``async def`` listener (issue 42): with the asyncio bridge attached
it runs as a task of the bridge, and its exception is reported as a
listener's; without one it is refused at once with a TypeError that says
how to attach one; it is never dropped silently."""
import asyncio
import functools
import gc
import warnings

import pytest

import pyuvnet as net
from pyuvnet import aio, http
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)


async def _nothing(*args):
    pass


class _Handlers:
    async def on_event(self, *args):
        pass


@pytest.mark.parametrize('register', [
    lambda e, f: e.on('x', f), lambda e, f: e.once('x', f),
    lambda e, f: e.prependListener('x', f), lambda e, f: e.prependOnceListener('x', f),
    lambda e, f: e.addListener('x', f), lambda e, f: e.on('x')(f),
], ids=['on', 'once', 'prependListener', 'prependOnceListener', 'addListener', 'decorator'])
@pytest.mark.parametrize('listener', [_nothing, _Handlers().on_event], ids=['function', 'method'])
def test_without_a_bridge_an_async_listener_is_refused_at_once(register, listener):
    emitter = net.EventEmitter()
    with pytest.raises(TypeError, match=r'aio\.attach\(\)'):
        register(emitter, listener)
    assert emitter.listenerCount('x') == 0


def test_without_a_bridge_an_async_request_listener_is_refused_by_create_server():
    async def handler(req, res):
        res.end()
    with pytest.raises(TypeError, match='asyncio bridge'):
        http.createServer(handler)
    with pytest.raises(TypeError, match='asyncio bridge'):
        net.createServer(handler)


def test_plain_callables_are_not_taken_for_async_ones():
    """Builtins, bound C methods, classes, partials and lambdas register as
    before, without a bridge."""
    emitter = net.EventEmitter()
    got = []
    for listener in (got.append, functools.partial(got.append), lambda *a: got.append(a), str):
        emitter.on('x', listener)
    emitter.emit('x', 1)
    assert got == [1, 1, (1,)]


@needs_backend_fd
def test_under_the_bridge_an_async_listener_runs_as_a_task(arun):
    async def main():
        calls = []

        async def listener(value):
            calls.append(('started', value))
            await asyncio.sleep(0)
            calls.append(('done', value, asyncio.current_task() is not None))
        async with aio.attach():
            emitter = net.EventEmitter()
            emitter.on('x', listener)
            assert emitter.listeners('x') == [listener]
            assert emitter.listenerCount('x', listener) == 1
            assert emitter.emit('x', 1) is True
            assert calls == []              # a task: it starts once the emit is over
            await asyncio.sleep(0.01)
            assert calls == [('started', 1), ('done', 1, True)]
            emitter.off('x', listener)
            assert emitter.listenerCount('x') == 0
            emitter.once('y', listener)
            emitter.emit('y', 2)
            emitter.emit('y', 3)
            await asyncio.sleep(0.01)
        return calls
    assert arun(main)[2:] == [('started', 2), ('done', 2, True)]


@needs_backend_fd
def test_an_async_request_handler_answers(arun):
    async def main():
        async def handler(req, res):
            await asyncio.sleep(0.01)
            res.end('awaited %s' % req.url)
        async with aio.attach():
            server = http.createServer(handler)
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            done = asyncio.get_running_loop().create_future()

            def on_response(res):
                body = []
                res.on('data', body.append)
                res.on('end', lambda: done.set_result((res.statusCode, b''.join(body))))
            http.get({'port': server.address().port, 'host': '127.0.0.1', 'path': '/a',
                      'agent': False}, on_response)
            answer = await done
            await aio.aclose(server)
        return answer
    assert arun(main) == (200, b'awaited /a')


@needs_backend_fd
def test_an_async_listeners_exception_is_raised_from_attach_and_run(arun):
    async def main():
        async def failing():
            await asyncio.sleep(0)
            raise ZeroDivisionError('in the listener')
        with pytest.raises(ZeroDivisionError, match='in the listener'):
            async with aio.attach():
                emitter = net.EventEmitter()
                emitter.on('x', failing)
                emitter.emit('x')
                await asyncio.sleep(5)
        # aio.run(), the twin of net.run(), waits for the listener's task
        # and raises its exception.
        aio.install()
        emitter = net.EventEmitter()
        emitter.on('x', failing)
        net.setTimeout(emitter.emit, 1, 'x')
        with pytest.raises(ZeroDivisionError):
            await aio.run()
        return True
    assert arun(main)


@needs_backend_fd
def test_an_async_listener_emitted_after_its_bridge_closed_fails_loudly(arun):
    """Its coroutine cannot run: net.run() raises, and no coroutine is left
    never awaited."""
    async def main():
        async with aio.attach():
            emitter = net.EventEmitter()
            emitter.on('x', _nothing)
        return emitter
    emitter = arun(main)
    net.setTimeout(emitter.emit, 1, 'x')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(RuntimeError, match='bridge .* is closed'):
            net.run()
        gc.collect()
