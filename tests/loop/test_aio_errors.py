"""pyuvnet.aio: errors escaping pyuvnet's callbacks while asyncio drives
the loop: raised from the outermost attach() block (its body cancelled and
the cancellation taken back), a second one or one with no attach() to
asyncio's exception handler, an unhandled 'error' event as an exception,
and KeyboardInterrupt leaving the event loop.

Every test runs its coroutine under asyncio.wait_for, so a bridge that
stops driving pyuvnet fails the test instead of hanging it; most run on
both the default asyncio loop and uvloop's."""
import asyncio
import time

import pytest

import pyuvnet as net
from pyuvnet import aio
from aio_support import (LOOP_FACTORIES, TIMEOUT, arun, echo_server,  # noqa: F401 (arun: the fixture)
                         needs_backend_fd)

pytestmark = needs_backend_fd


def test_listener_exception_is_raised_from_attach(arun):
    async def main():
        body = []
        with pytest.raises(ZeroDivisionError):
            async with aio.attach():
                def on_connection(sock):
                    1 / 0
                server = net.createServer(on_connection)
                server.listen(0, '127.0.0.1')
                await aio.listening(server)
                sock = net.connect(server.address().port, '127.0.0.1')
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    body.append('cancelled')
                    raise
        assert body == ['cancelled']
        # The task is usable afterwards: the cancellation was taken back.
        task = asyncio.current_task()
        if hasattr(task, 'cancelling'):
            assert task.cancelling() == 0
        await asyncio.sleep(0)
        sock.destroy()
        server.close()
        await aio.run()
    arun(main)


def test_listener_exception_goes_to_the_outermost_attach(arun):
    async def main():
        inner_saw = []
        with pytest.raises(LookupError):
            async with aio.attach():
                try:
                    async with aio.attach():
                        net.setTimeout(lambda: {}['x'], 1)
                        await asyncio.sleep(10)
                except BaseException as exc:
                    inner_saw.append(type(exc))
                    raise
        assert inner_saw == [asyncio.CancelledError]
    arun(main)


def test_a_second_listener_exception_goes_to_the_handler(arun):
    async def main():
        loop = asyncio.get_running_loop()
        handled = []
        loop.set_exception_handler(lambda lp, context: handled.append(context['exception']))

        def first():
            raise ValueError('first')

        def second():
            raise TypeError('second')

        with pytest.raises(ValueError, match='first'):
            async with aio.attach():
                # Immediates, not two 1 ms timers: each setTimeout reads the
                # clock, so on a slow machine the second can fall due a
                # millisecond later, after the block has already exited.
                net.setImmediate(first)
                net.setImmediate(second)
                await asyncio.sleep(10)
        assert [type(e) for e in handled] == [TypeError]
    arun(main)


def test_listener_exception_after_body_finished_raises_at_exit(arun):
    async def main():
        with pytest.raises(KeyError):
            async with aio.attach():
                net.nextTick(lambda: {}['missing'])
                await asyncio.sleep(0.05)
    arun(main)


def test_listener_exception_without_attach_goes_to_the_handler(arun):
    async def main():
        loop = asyncio.get_running_loop()
        seen = loop.create_future()
        loop.set_exception_handler(lambda lp, context: seen.set_result(context))
        bridge = aio.install()
        net.setTimeout(lambda: [][1], 1)
        context = await seen
        assert isinstance(context['exception'], IndexError)
        assert context['pyuvnet_bridge'] is bridge
        # The bridge carries on afterwards.
        fired = loop.create_future()
        net.setTimeout(lambda: fired.set_result(True), 1)
        aio.install().kick()
        assert await fired
        aio.uninstall()
    arun(main)


def test_unhandled_error_event_is_raised_from_attach(arun):
    """An 'error' event nobody listens to is Node's crash: raised from the
    attach() block like any exception from a callback."""
    async def main():
        closed = echo_server()
        port = closed.address().port
        closed.close()
        await asyncio.sleep(0)
        with pytest.raises(ConnectionRefusedError) as info:
            async with aio.attach():
                net.connect(port, '127.0.0.1')
                await asyncio.sleep(10)
        assert info.value.code == 'ECONNREFUSED'
    arun(main)


@pytest.mark.parametrize('factory', LOOP_FACTORIES)
def test_keyboard_interrupt_from_a_callback_leaves_the_event_loop(factory):
    def interrupt():
        raise KeyboardInterrupt

    async def main():
        async with aio.attach():
            net.setTimeout(interrupt, 1)
            await asyncio.sleep(10)

    loop = factory()
    try:
        task = loop.create_task(main())
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(task)
        assert time.monotonic() - started < TIMEOUT
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        assert aio.installed() is None
    finally:
        loop.close()
        aio.uninstall()
