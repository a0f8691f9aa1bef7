"""pyuvnet.aio's bridge: pyuvnet's loop driven from asyncio (install(),
uninstall(), attach(), run()), its timers and unref'd handles while asyncio
runs, what it leaves behind, and tasks started from pyuvnet's callbacks.

Every test runs its coroutine under asyncio.wait_for, so a bridge that
stops driving pyuvnet fails the test instead of hanging it; most run on
both the default asyncio loop and uvloop's."""
import asyncio
import sys
import time

import pytest

import pyuvnet as net
from pyuvnet import aio
from aio_support import (LOOP_FACTORIES, TIMEOUT, arun, echo_server,  # noqa: F401 (arun: the fixture)
                         needs_backend_fd, pattern)

pytestmark = needs_backend_fd


def test_echo_server_and_client_under_asyncio_run():
    async def main():
        async with aio.attach():
            server = echo_server()
            await aio.listening(server)
            sock = net.connect(server.address().port, '127.0.0.1')
            await aio.connected(sock)
            sock.write(b'hello ')
            sock.end(b'world')
            received = [chunk async for chunk in aio.iterate(sock)]
            await aio.aclose(server)
            return b''.join(received)

    assert asyncio.run(asyncio.wait_for(main(), TIMEOUT)) == b'hello world'
    assert aio.installed() is None


def test_echo_many_round_trips(arun):
    """Ping-pong: each reply is written from a pyuvnet 'data' callback and
    must leave without any other I/O coming to push it."""
    async def main():
        async with aio.attach():
            server = echo_server()
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            replies = aio.iterate(sock)
            for i in range(200):
                message = b'%d;' % i
                sock.write(message)
                got = b''
                while len(got) < len(message):
                    got += await replies.__anext__()
                assert got == message
            sock.end()
            assert [c async for c in replies] == []
            await aio.aclose(server)
    arun(main)


def test_install_and_uninstall_explicitly(arun):
    async def main():
        bridge = aio.install()
        assert aio.install() is bridge
        assert aio.installed() is bridge
        assert bridge.loop is asyncio.get_running_loop()
        assert bridge.uv_loop is net.get_loop()
        server = echo_server()
        await aio.listening(server)
        sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
        sock.end(b'ping')
        assert b''.join([c async for c in aio.iterate(sock)]) == b'ping'
        await aio.aclose(server)
        assert aio.uninstall() is True
        assert aio.uninstall() is False
        assert aio.installed() is None
    arun(main)


@pytest.mark.parametrize('factory', LOOP_FACTORIES)
def test_install_on_a_loop_before_it_runs(factory):
    loop = factory()
    try:
        bridge = aio.install(loop)
        assert bridge.loop is loop
        server = echo_server()

        async def main():
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            sock.end(b'early')
            data = b''.join([c async for c in aio.iterate(sock)])
            await aio.aclose(server)
            return data

        assert loop.run_until_complete(asyncio.wait_for(main(), TIMEOUT)) == b'early'
    finally:
        aio.uninstall()
        loop.close()


def test_one_asyncio_loop_at_a_time():
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        bridge = aio.install(first)
        assert aio.install(first) is bridge
        with pytest.raises(RuntimeError, match='already driven'):
            aio.install(second)
        # A bridge left on a closed loop is replaced.
        first.close()
        assert aio.installed() is None
        assert aio.install(second).loop is second
        assert bridge.closed
    finally:
        aio.uninstall()
        first.close()
        second.close()


def test_install_needs_a_loop():
    with pytest.raises(RuntimeError):
        aio.install()


def test_awaitables_need_the_bridge(arun):
    async def main():
        server = echo_server()
        with pytest.raises(RuntimeError, match='not installed'):
            await aio.listening(server)
        server.close()
    arun(main)


def test_pyuvnet_timers_fire_under_asyncio(arun):
    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            fired = loop.create_future()
            third_tick = loop.create_future()
            ticks = []

            def tick():
                ticks.append(time.monotonic())
                if len(ticks) == 3:
                    third_tick.set_result(None)
            started = time.monotonic()
            net.setTimeout(lambda: fired.set_result(time.monotonic() - started), 60)
            interval = net.setInterval(tick, 10)
            elapsed = await asyncio.wait_for(fired, 5)
            await asyncio.wait_for(third_tick, 5)
            interval.close()
            # However late a loaded machine runs them, never early.
            assert elapsed >= 0.05
            assert ticks[2] - ticks[0] >= 0.018
    arun(main)


def test_timers_count_from_when_they_are_set(arun):
    """libuv's cached time is stale between turns (asyncio ran meanwhile);
    a timer set from a coroutine must still count from 'now', and pyuvnet
    and asyncio timers fire in time order."""
    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            await asyncio.sleep(0.3)                  # pyuvnet idle meanwhile
            fired = loop.create_future()
            started = time.monotonic()
            net.setTimeout(lambda: fired.set_result(time.monotonic() - started), 100)
            assert await fired >= 0.095
            order = []
            net.setTimeout(lambda: order.append('uv 30'), 30)
            loop.call_later(0.015, order.append, 'asyncio 15')
            net.setTimeout(lambda: order.append('uv 1'), 1)
            await asyncio.sleep(0.08)
            assert order == ['uv 1', 'asyncio 15', 'uv 30']
    arun(main)


def test_unrefed_handles_work_while_asyncio_runs(arun):
    """Node's unref() means 'do not keep the process alive for this';
    asyncio keeps it alive, so an unref'd timer and server still work."""
    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            fired = loop.create_future()
            timer = net.setTimeout(lambda: fired.set_result(True), 20)
            timer.unref()
            server = echo_server()
            server.unref()
            await aio.listening(server)
            assert await fired
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            sock.unref()
            sock.end(b'unref')
            assert b''.join([c async for c in aio.iterate(sock)]) == b'unref'
            await aio.aclose(server)
    arun(main)


def test_plain_calls_from_a_coroutine_need_no_awaitable(arun):
    """A write or timer made from a coroutine that then waits on something
    else entirely (an asyncio future) still happens: the loop's wakeup hook
    tells the bridge."""
    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            got = loop.create_future()
            listening = loop.create_future()
            server = net.createServer(lambda s: s.on('data', got.set_result))
            server.listen(0, '127.0.0.1', lambda: listening.set_result(None))
            await listening
            connected = loop.create_future()
            sock = net.connect(server.address().port, '127.0.0.1',
                               lambda: connected.set_result(None))
            await connected
            sock.write(b'no awaitable')
            assert await got == b'no awaitable'
            fired = loop.create_future()
            net.setTimeout(lambda: fired.set_result(True), 5)
            assert await fired
            sock.destroy()
            server.close()
    arun(main)


def test_uninstall_leaves_nothing_registered(arun):
    async def main():
        loop = asyncio.get_running_loop()
        uv_loop = net.get_loop()
        bridge = aio.install()
        fd = uv_loop.backend_fd()
        server = echo_server()
        await aio.listening(server)
        timer = net.setTimeout(lambda: None, 10000)   # an armed call_later
        await asyncio.sleep(0.01)
        assert bridge._timer is not None
        aio.uninstall()
        assert bridge.closed
        # Nothing left on the asyncio side: no reader, no live handle.
        assert not loop.remove_reader(fd)
        assert bridge._soon is None and bridge._timer is None
        if isinstance(loop, asyncio.BaseEventLoop):
            live = [h for h in list(loop._ready) + list(loop._scheduled)
                    if not h.cancelled() and getattr(h._callback, '__self__', None) is bridge]
            assert live == []
        # And by behaviour: libuv's fd turns readable (a connection waits to
        # be accepted), time passes, and the bridge is never called.
        turns = []
        bridge._turn = lambda *args, **kwargs: turns.append(args)
        import socket
        with socket.create_connection(('127.0.0.1', server.address().port)):
            await asyncio.sleep(0.05)
        assert turns == []
        # pyuvnet's loop is as it was: only the server and the timer.
        timer.close()
        server.close()
        uv_loop.run_once()
        assert not uv_loop.alive()
        # The wakeup hook is gone: queued work no longer reaches asyncio.
        marker = []
        net.nextTick(marker.append, 1)
        await asyncio.sleep(0.02)
        assert marker == []
        uv_loop.run_once()
        assert marker == [1]
    arun(main)


def test_attach_inside_install_keeps_the_bridge(arun):
    async def main():
        bridge = aio.install()
        async with aio.attach() as inner:
            assert inner is bridge
        assert aio.installed() is bridge and not bridge.closed
        aio.uninstall()
    arun(main)


def test_the_bridge_stays_while_another_attach_block_runs(arun):
    async def main():
        loop = asyncio.get_running_loop()
        first_in = loop.create_future()
        first_out = loop.create_future()

        async def first():
            async with aio.attach() as bridge:
                first_in.set_result(bridge)
                await asyncio.sleep(0.01)
            first_out.set_result(None)

        async def second():
            bridge = await first_in
            async with aio.attach() as mine:
                assert mine is bridge
                await first_out
                # The first block is gone; this one still drives pyuvnet.
                assert not bridge.closed
                server = echo_server()
                await aio.listening(server)
                sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
                sock.end(b'still here')
                assert b''.join([c async for c in aio.iterate(sock)]) == b'still here'
                await aio.aclose(server)
            assert bridge.closed and aio.installed() is None

        await asyncio.gather(first(), second())
    arun(main)


def test_unix_socket_echo(arun, tmp_path):
    async def main():
        async with aio.attach():
            path = str(tmp_path / 'echo.sock')
            server = net.createServer(lambda s: s.on('data', s.write))
            server.listen(path)
            await aio.listening(server)
            assert server.address() == path
            sock = await aio.connected(net.connect(path))
            payload = pattern(300000)
            sock.end(payload)
            assert b''.join([c async for c in aio.iterate(sock)]) == payload
            await aio.aclose(server)
    if sys.platform == 'win32':
        pytest.skip('unix sockets')
    arun(main)


def test_the_bridge_does_not_spin_while_idle(arun):
    async def main():
        async with aio.attach() as bridge:
            server = echo_server()
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            await asyncio.sleep(0.05)
            turns = []
            real_turn = bridge._turn
            bridge._turn = lambda *a, **k: (turns.append(1), real_turn(*a, **k))
            await asyncio.sleep(0.3)
            assert len(turns) <= 3
            sock.destroy()
            await aio.aclose(server)
    arun(main)


def test_run_returns_when_nothing_is_left(arun):
    async def main():
        events = []
        server = net.createServer(lambda s: s.on('end', lambda: events.append('end')).resume())
        server.listen(0, '127.0.0.1', lambda: events.append('listening'))
        port = server.address().port
        sock = net.connect(port, '127.0.0.1', lambda: sock.end(b'x'))
        sock.on('close', lambda had_error: (events.append('close'), server.close()))
        await aio.run()
        assert events[0] == 'listening' and 'end' in events and 'close' in events
        assert not net.get_loop().alive()
        assert aio.installed() is None
    arun(main)


def test_a_coroutine_started_from_a_pyuvnet_callback(arun):
    """Tasks created inside pyuvnet callbacks run on the asyncio loop, after
    the callback; they never re-enter pyuvnet's loop."""
    async def main():
        async with aio.attach():
            loop = asyncio.get_running_loop()
            order = []

            async def handle(sock):
                order.append('task')
                chunks = [c async for c in aio.iterate(sock)]
                sock.end(b'got ' + b''.join(chunks))
                await aio.drained(sock)

            def on_connection(sock):
                assert net.get_loop().running
                loop.create_task(handle(sock))
                order.append('callback returns')

            server = net.createServer({'allowHalfOpen': True}, on_connection)
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(
                {'port': server.address().port, 'host': '127.0.0.1', 'allowHalfOpen': True}))
            sock.end(b'abc')
            assert b''.join([c async for c in aio.iterate(sock)]) == b'got abc'
            assert order == ['callback returns', 'task']
            await aio.aclose(server)
    arun(main)


def test_install_from_a_pyuvnet_callback_is_refused():
    outcome = []

    def inside_callback():
        async def nested():
            try:
                aio.install()
            except RuntimeError as exc:
                outcome.append(str(exc))
        asyncio.run(nested())

    net.setTimeout(inside_callback, 1)
    net.run()
    assert outcome and 'running' in outcome[0]
