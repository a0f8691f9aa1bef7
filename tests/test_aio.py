"""pyuvnet.aio: pyuvnet's loop driven from asyncio, and the awaitables.

Every test runs its coroutine under asyncio.wait_for, so a bridge that
stops driving pyuvnet fails the test instead of hanging it; most run on
both the default asyncio loop and uvloop's."""
import asyncio
import contextlib
import selectors
import sys
import time

import pytest

import pyuvnet as net
from pyuvnet import aio, errors

try:
    import uvloop
except ImportError:             # pragma: no cover - uvloop is optional
    uvloop = None

# libuv's Windows loop (IOCP) has no backend fd for asyncio to watch, so
# the bridge refuses to start there (NotImplementedError from install() and
# attach()); nothing of it can run.
pytestmark = pytest.mark.skipif(sys.platform == 'win32',
                                reason='pyuvnet.aio needs a backend fd; libuv has none on Windows')

TIMEOUT = 5.0

def select_loop():
    """asyncio's loop over select(): what docs/ASYNCIO.md advises on
    kqueue platforms."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())


LOOP_FACTORIES = [pytest.param(asyncio.new_event_loop, id='asyncio'),
                  pytest.param(select_loop, id='select')]
if uvloop is not None:
    LOOP_FACTORIES.append(pytest.param(uvloop.new_event_loop, id='uvloop'))


@pytest.fixture(params=LOOP_FACTORIES)
def arun(request):
    """``arun(coro_fn, timeout)``: run ``coro_fn()`` to completion on a new
    event loop of the parametrised kind, failing after ``timeout`` s."""
    factory = request.param

    def run(coro_fn, timeout=TIMEOUT):
        loop = factory()
        try:
            return loop.run_until_complete(asyncio.wait_for(coro_fn(), timeout))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
                aio.uninstall()
    return run


def echo_server(**options):
    server = net.createServer(options or None, lambda s: s.on('data', s.write))
    server.listen(0, '127.0.0.1')
    return server


def pattern(size):
    block = bytes(range(256))
    return (block * (size // 256 + 1))[:size]


# ---------------------------------------------------------------------------
# The bridge


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


# ---------------------------------------------------------------------------
# Errors escaping pyuvnet callbacks


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


# ---------------------------------------------------------------------------
# Awaitables


def test_listening_resolves_and_rejects(arun):
    async def main():
        async with aio.attach():
            server = echo_server()
            assert await aio.listening(server) is server
            assert await aio.listening(server) is server      # already listening
            other = net.createServer()
            other.listen(server.address().port, '127.0.0.1')
            with pytest.raises(OSError) as info:
                await aio.listening(other)
            assert info.value.code == 'EADDRINUSE'
            # The failed wait removed its listeners: nothing is left behind.
            assert other.listenerCount('error') == 0
            assert other.listenerCount('listening') == 0
            await aio.aclose(server)
    arun(main)


def test_listening_waits_for_a_later_listen(arun):
    async def main():
        async with aio.attach():
            server = net.createServer()
            waiting = asyncio.ensure_future(aio.listening(server))
            await asyncio.sleep(0.02)
            assert not waiting.done()
            server.listen(0, '127.0.0.1')
            assert await waiting is server
            await aio.aclose(server)
    arun(main)


def test_connected_resolves_and_rejects(arun):
    async def main():
        async with aio.attach():
            server = echo_server()
            await aio.listening(server)
            port = server.address().port
            sock = net.connect(port, '127.0.0.1')
            assert sock.pending
            assert await aio.connected(sock) is sock
            assert not sock.pending
            assert await aio.connected(sock) is sock           # already connected
            sock.destroy()
            await aio.aclose(server)
            refused = net.connect(port, '127.0.0.1')
            with pytest.raises(ConnectionRefusedError) as info:
                await aio.connected(refused)
            assert info.value.code == 'ECONNREFUSED'
            assert refused.listenerCount('error') == 0
            with pytest.raises(errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION):
                await aio.connected(refused)                   # destroyed now
    arun(main)


def test_connected_rejects_when_destroyed_while_connecting(arun):
    async def main():
        async with aio.attach():
            # A lookup that never answers: the socket stays connecting.
            sock = net.connect({'port': 9, 'host': 'never.invalid',
                                'lookup': lambda host, options, callback: None})
            waiting = asyncio.ensure_future(aio.connected(sock))
            await asyncio.sleep(0.01)
            assert sock.connecting and not waiting.done()
            sock.destroy()
            with pytest.raises(errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION):
                await waiting
    arun(main)


def test_drained_after_a_large_write(arun):
    async def main():
        async with aio.attach():
            peers = []
            server = net.createServer({'pauseOnConnect': True}, peers.append)
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            assert await aio.drained(sock) is None                # nothing to wait for
            payload = pattern(8 << 20)
            assert sock.write(payload) is False
            waiting = asyncio.ensure_future(aio.drained(sock))
            await asyncio.sleep(0.05)
            # The peer does not read: the kernel's buffers fill, no 'drain'.
            assert not waiting.done()
            assert sock.writableLength > 0
            received = []
            peer = peers[0]
            peer.on('data', received.append)
            peer.resume()
            await waiting
            assert sock.writableLength == 0
            assert not sock.writableNeedDrain
            sock.end()
            while sum(map(len, received)) < len(payload):
                await asyncio.sleep(0.01)
            assert b''.join(received) == payload
            await aio.aclose(server)
    arun(main, timeout=10)


def test_drained_rejects_when_the_socket_closes(arun):
    async def main():
        async with aio.attach():
            server = net.createServer({'pauseOnConnect': True})
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            assert sock.write(pattern(8 << 20)) is False
            waiting = asyncio.ensure_future(aio.drained(sock))
            await asyncio.sleep(0.02)
            sock.destroy()
            with pytest.raises(aio.ERR_STREAM_PREMATURE_CLOSE) as info:
                await waiting
            assert info.value.code == 'ERR_STREAM_PREMATURE_CLOSE'
            server.close()
    arun(main)


def test_async_for_collects_one_mebibyte_intact(arun):
    async def main():
        async with aio.attach():
            payload = pattern(1 << 20)
            server = net.createServer(lambda s: s.end(payload))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            chunks = []
            async for chunk in aio.iterate(sock):
                assert isinstance(chunk, bytes)
                chunks.append(chunk)
            assert b''.join(chunks) == payload
            assert sock.readableEnded
            await aio.aclose(server)
    arun(main)


def test_async_for_applies_backpressure(arun):
    async def main():
        async with aio.attach():
            payload = pattern(4 << 20)
            writer_drains = []

            def on_connection(s):
                s.on('drain', lambda: writer_drains.append(1))
                s.end(payload)

            server = net.createServer(on_connection)
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            reader = aio.iterate(sock, high_water_mark=64 * 1024)
            chunks, paused_seen, most_buffered = [], False, 0
            async for chunk in reader:
                chunks.append(chunk)
                most_buffered = max(most_buffered, reader._size)
                paused_seen = paused_seen or sock.isPaused()
                if len(chunks) < 20:
                    await asyncio.sleep(0.005)    # a slow consumer at first
            assert b''.join(chunks) == payload
            assert paused_seen
            # Bounded: the mark plus at most one read's worth.
            assert most_buffered <= 64 * 1024 + 65536
            await aio.aclose(server)
    arun(main, timeout=10)


def test_async_for_decodes_after_set_encoding(arun):
    async def main():
        async with aio.attach():
            text = 'h\u00e9llo w\u00f6rld \u2603' * 1000
            server = net.createServer(lambda s: s.end(text))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            sock.setEncoding('utf8')
            assert ''.join([c async for c in aio.iterate(sock)]) == text
            await aio.aclose(server)
    arun(main)


def test_async_for_raises_the_socket_error(arun):
    async def main():
        async with aio.attach():
            def on_connection(s):
                s.write(b'partial')
                net.setTimeout(s.resetAndDestroy, 30)
            server = net.createServer(on_connection)
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            received = []
            with pytest.raises(ConnectionResetError):
                async for chunk in aio.iterate(sock):
                    received.append(chunk)
            assert b''.join(received) == b'partial'
            await aio.aclose(server)
    arun(main)


def test_async_for_raises_premature_close_on_local_destroy(arun):
    async def main():
        async with aio.attach():
            server = net.createServer(lambda s: s.write(b'first'))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            with pytest.raises(aio.ERR_STREAM_PREMATURE_CLOSE):
                async for chunk in aio.iterate(sock):
                    assert chunk == b'first'
                    sock.destroy()
            server.close()
            await aio.run()
    arun(main)


def test_iterator_aclose_destroys_the_socket(arun):
    async def main():
        async with aio.attach():
            server = net.createServer(lambda s: s.write(pattern(1000)))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            async with contextlib.aclosing(aio.iterate(sock)) as chunks:
                async for chunk in chunks:
                    break
            assert sock.destroyed
            assert sock.listenerCount('data') == 0
            server.close()
            await aio.run()
    if not hasattr(contextlib, 'aclosing'):
        pytest.skip('contextlib.aclosing is Python 3.10+')
    arun(main)


def test_aclose_waits_for_close(arun):
    async def main():
        async with aio.attach():
            events = []
            server = echo_server()
            server.on('close', lambda: events.append('close'))
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            await asyncio.sleep(0.01)
            closing = asyncio.ensure_future(aio.aclose(server))
            await asyncio.sleep(0.05)
            # Node's close(): stops listening at once, 'close' waits for the
            # open connection.
            assert not server.listening
            assert not closing.done() and events == []
            sock.destroy()
            await closing
            assert events == ['close']
            # Not listening any more: returns at once.
            await aio.aclose(server)
            await aio.aclose(net.createServer())
    arun(main)


def test_waits_are_cancellable_and_leave_no_listener(arun):
    async def main():
        async with aio.attach():
            server = net.createServer()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(aio.listening(server), 0.02)
            assert server.listenerCount('listening') == 0
            assert server.listenerCount('error') == 0
    arun(main)


def test_class_methods_delegate_to_the_bridge():
    """``await sock.connected()``, ``await sock.drained()``, ``async for
    chunk in sock`` and ``async with server`` work like the aio functions."""
    received = []

    async def main():
        async with aio.attach():
            # The server reads (resume) so that it sees the client's end.
            server = net.createServer(lambda s: s.resume().end(b'x' * 100000))
            async with server:
                server.listen(0, '127.0.0.1')
                await aio.listening(server)
                sock = await net.connect(server.address().port, '127.0.0.1').connected()
                sock.write(b'y' * 10)
                await sock.drained()
                async for chunk in sock:
                    received.append(chunk)
            assert server.listening is False

    asyncio.run(asyncio.wait_for(main(), 10))
    assert b''.join(received) == b'x' * 100000
