"""dgram.Socket's awaitables under the asyncio bridge (docs/ASYNCIO.md,
"dgram"): bound(), connected(), sent(), aclose() (Node's
``socket[Symbol.asyncDispose]()``), ``async with`` and ``async for msg,
rinfo in sock`` with its bounded queue; each resolving, rejecting, and
leaving no listener behind when it ends or is cancelled."""
import asyncio
import contextlib

import pytest

import pyuvnet as net
from pyuvnet import aio, dgram, errors
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)

pytestmark = needs_backend_fd


def failing_lookup(hostname, family, callback):
    """A dns.lookup-shaped function that knows IP literals only."""
    if net.isIP(hostname):
        net.nextTick(callback, None, hostname, family)
        return
    err = OSError('getaddrinfo ENOTFOUND ' + hostname)
    err.code = 'ENOTFOUND'
    net.nextTick(callback, err)


def waits_left(sock):
    return {event: sock.listenerCount(event) for event in ('listening', 'connect', 'error',
                                                            'close', 'message')}


def test_bound_resolves_with_the_socket_and_at_once_when_bound(arun):
    async def main():
        async with aio.attach():
            sock = dgram.createSocket('udp4').bind(0, '127.0.0.1')
            assert await sock.bound() is sock
            assert await sock.bound() is sock                  # bound already
            assert sock.address().port > 0
            await sock.aclose()
    arun(main)


def test_bound_raises_the_bind_error_and_leaves_no_listener(arun):
    async def main():
        async with aio.attach():
            first = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            second = dgram.createSocket('udp4')
            second.bind({'port': first.address().port, 'address': '127.0.0.1',
                         'exclusive': True})
            with pytest.raises(OSError) as info:
                await second.bound()
            assert info.value.code == 'EADDRINUSE'
            assert waits_left(second) == dict.fromkeys(waits_left(second), 0)
            await second.aclose()
            await first.aclose()
            with pytest.raises(errors.ERR_SOCKET_DGRAM_NOT_RUNNING):
                await first.bound()                             # closed
    arun(main)


def test_a_cancelled_bound_wait_leaves_no_listener(arun):
    async def main():
        async with aio.attach():
            sock = dgram.createSocket('udp4')                  # never bound
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(sock.bound(), 0.02)
            assert waits_left(sock) == dict.fromkeys(waits_left(sock), 0)
            await sock.aclose()
    arun(main)


def test_connected_resolves_and_a_failed_connect_raises(arun):
    async def main():
        async with aio.attach():
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            client = dgram.createSocket('udp4')
            client.connect(server.address().port, '127.0.0.1')
            assert await client.connected() is client
            assert await client.connected() is client          # connected already
            assert client.remoteAddress().port == server.address().port
            lost = dgram.createSocket({'type': 'udp4', 'lookup': failing_lookup})
            lost.connect(9, 'nowhere.test')
            with pytest.raises(OSError) as info:
                await lost.connected()
            assert info.value.code == 'ENOTFOUND'
            for sock in (server, client, lost):
                await sock.aclose()
    arun(main)


def test_sent_resolves_with_the_bytes_sent_in_every_form(arun):
    async def main():
        async with aio.attach():
            got = []
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            port = server.address().port
            arrived = asyncio.get_running_loop().create_future()
            server.on('message', lambda msg, rinfo: got.append(msg) or (
                len(got) == 3 and arrived.set_result(None)))
            client = dgram.createSocket('udp4')
            assert await client.sent(b'hello', port, '127.0.0.1') == 5
            assert await client.sent([b'ab', 'cd'], port=port, address='127.0.0.1') == 4
            assert await client.sent(b'xxsliceyy', 2, 5, port, '127.0.0.1') == 5
            await arrived
            assert got == [b'hello', b'abcd', b'slice']
            await client.aclose()
            await server.aclose()
    arun(main)


def test_sent_raises_the_send_error_and_at_the_call_on_a_closed_socket(arun):
    async def main():
        async with aio.attach():
            sock = dgram.createSocket({'type': 'udp4', 'lookup': failing_lookup})
            with pytest.raises(OSError) as info:
                await sock.sent(b'x', 9, 'nowhere.test')
            assert info.value.code == 'ENOTFOUND'
            assert sock.listenerCount('close') == 0
            await sock.aclose()
            with pytest.raises(errors.ERR_SOCKET_DGRAM_NOT_RUNNING):
                sock.sent(b'x', 9, '127.0.0.1')
            assert sock.listenerCount('close') == 0
    arun(main)


def test_sent_rejects_when_the_socket_closes_before_the_send_went(arun):
    async def main():
        async with aio.attach():
            sock = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            # The datagram leaves on the next tick (Node's lookup timing):
            # a close in this tick drops it, and Node never calls back.
            pending = sock.sent(b'x', 9, '127.0.0.1')
            sock.close()
            with pytest.raises(errors.ERR_SOCKET_DGRAM_NOT_RUNNING):
                await pending
    arun(main)


def test_aclose_waits_for_close_and_returns_at_once_after(arun):
    # test-dgram-async-dispose.mjs: Symbol.asyncDispose is aclose() here.
    async def main():
        async with aio.attach():
            events = []
            sock = dgram.createSocket('udp4')
            sock.on('close', lambda: events.append('close'))
            assert await sock.aclose() is None                 # unbound: closed too, as Node
            assert events == ['close']
            assert await sock.aclose() is None                 # closed already
            async with dgram.createSocket('udp4') as used:
                used.bind(0, '127.0.0.1')
                await used.bound()
                used.on('close', lambda: events.append('exit'))
            assert events == ['close', 'exit']
            with pytest.raises(errors.ERR_SOCKET_DGRAM_NOT_RUNNING):
                used.address()
    arun(main)


async def _send_all(port, payloads):
    client = dgram.createSocket('udp4')
    for payload in payloads:
        await client.sent(payload, port, '127.0.0.1')
    return client


def test_async_for_gives_message_pairs_until_close(arun):
    async def main():
        async with aio.attach():
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            port = server.address().port
            # It listens from the moment it is made, as Node's events.on().
            messages = aiter(server)
            client = await _send_all(port, [b'one', b'two', b'three'])
            got = []
            async for msg, rinfo in messages:
                got.append((msg, rinfo.port, rinfo.address))
                if len(got) == 3:
                    server.close()
            assert got == [(m, client.address().port, '127.0.0.1')
                           for m in (b'one', b'two', b'three')]
            assert waits_left(server) == dict.fromkeys(waits_left(server), 0)
            await client.aclose()
    arun(main)


def test_async_for_raises_an_error_after_the_datagrams_before_it(arun):
    async def main():
        async with aio.attach():
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            messages = server.messages()
            client = await _send_all(server.address().port, [b'a'])
            boom = RuntimeError('boom')
            got = []
            with pytest.raises(RuntimeError, match='boom'):
                async for msg, _rinfo in messages:
                    got.append(msg)
                    server.emit('error', boom)
            assert got == [b'a']
            await client.aclose()
            await server.aclose()
    arun(main)


def test_a_full_queue_stops_receiving_until_half_is_taken(arun):
    async def main():
        async with aio.attach():
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            messages = server.messages(high_water_mark=4)
            payloads = [b'%d' % i for i in range(10)]
            client = await _send_all(server.address().port, payloads)
            first = await messages.__anext__()
            # Four came, then the socket stopped after that poll: what
            # libuv read in it is queued, the kernel keeps the rest.
            for _ in range(400):
                if not server._receiving:
                    break
                await asyncio.sleep(0.005)
            assert not server._receiving
            assert len(messages._queue) >= 3
            got = [first[0]]
            async for msg, _rinfo in messages:
                got.append(msg)
                if len(got) == len(payloads):
                    break
            assert got == payloads
            assert server._receiving
            await messages.aclose()
            await client.aclose()
            await server.aclose()
    arun(main)


def test_closing_the_iterator_leaves_the_socket_open_and_receiving(arun):
    async def main():
        async with aio.attach():
            server = await dgram.createSocket('udp4').bind(0, '127.0.0.1').bound()
            port = server.address().port
            async with contextlib.aclosing(server.messages(high_water_mark=1)) as messages:
                client = await _send_all(port, [b'a', b'b'])
                async for msg, _rinfo in messages:
                    assert msg == b'a'
                    break
            assert waits_left(server) == dict.fromkeys(waits_left(server), 0)
            assert server._receiving
            again = asyncio.get_running_loop().create_future()
            server.once('message', lambda msg, rinfo: again.set_result(msg))
            await client.sent(b'c', port, '127.0.0.1')
            assert await again in (b'b', b'c')
            await client.aclose()
            await server.aclose()
    arun(main)
