"""pyuvnet.aio's awaitables: listening(), connected() and drained()
resolving and rejecting, async for over a socket (intact, with
backpressure, decoded, raising the socket's error), aclose(), cancelled
waits leaving no listener, and the classes' own methods that delegate to
them.

Every test runs its coroutine under asyncio.wait_for, so a bridge that
stops driving pyuvnet fails the test instead of hanging it; most run on
both the default asyncio loop and uvloop's."""
import asyncio
import contextlib

import pytest

import pyuvnet as net
from pyuvnet import aio, errors
from aio_support import arun, echo_server, needs_backend_fd, pattern  # noqa: F401 (arun: the fixture)

pytestmark = needs_backend_fd


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
