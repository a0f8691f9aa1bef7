"""pyuvnet.promises (Node's net/promises) and ``async for sock in server``
(Node's server[Symbol.asyncIterator]), under the asyncio bridge.

Node 20 has neither: each test is pinned to the newest doc/api/net.md
(nodejs/node 000dc4ad, after v26.8.0), sections "net/promises API" and
"server[Symbol.asyncIterator]()", as its docstring says. Every test runs on
asyncio's default loop and uvloop's (aio_support's ``arun`` fixture), bounded
in time.
"""
import asyncio

import pytest

import pyuvnet as net
from pyuvnet import aio, promises
from aio_support import LOOP_FACTORIES, arun  # noqa: F401  (arun: the fixture)
from support import refused_port

# Not on the select() loop: by the time this module runs in the whole suite,
# earlier modules have left the process with more than FD_SETSIZE (1024)
# descriptors open, which select() cannot watch.
pytestmark = pytest.mark.parametrize(
    'arun', [param for param in LOOP_FACTORIES if param.id != 'select'], indirect=True)


async def settle(future):
    """The future's result, or the exception it was rejected with."""
    try:
        return await future
    except Exception as exc:        # noqa: BLE001 - the test looks at it
        return exc


# -- connect() --------------------------------------------------------------------

def test_connect_resolves_with_the_connected_socket_in_each_form(arun, tmp_path):
    """net.md netPromises.connect(options) / connect(path) / connect(port[, host]):
    "fulfilled with the socket once its 'connect' event fires"."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            pipe_server = await promises.listen({'path': str(tmp_path / 'p.sock')})
            port = server.address().port
            for args in ((port, '127.0.0.1'), ({'port': port, 'host': '127.0.0.1'},),
                         (str(tmp_path / 'p.sock'),)):
                sock = await promises.connect(*args)
                assert isinstance(sock, net.Socket)
                assert not sock.pending and not sock.connecting and not sock.destroyed
                sock.destroy()
            await aio.aclose(server)
            await aio.aclose(pipe_server)
    arun(main)


def test_connect_rejects_with_the_error_and_destroys_the_socket(arun):
    """net.md: "rejected if the connection fails ... When the promise
    rejects, the underlying socket is destroyed"."""
    async def main():
        async with aio.attach():
            with pytest.raises(ConnectionRefusedError) as info:
                await promises.connect(refused_port(), '127.0.0.1')
            assert info.value.code == 'ECONNREFUSED'
    arun(main)


def test_connect_rejects_with_abort_error_when_the_signal_aborts(arun):
    """net.md: options "may include a signal {AbortSignal} that can be used
    to abort an in-progress connection attempt"; the promise is "rejected if
    ... the signal is aborted", the socket destroyed."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            controller = net.AbortController()
            future = promises.connect({'port': server.address().port, 'host': '127.0.0.1',
                                       'signal': controller.signal})
            controller.abort()
            error = await settle(future)
            assert isinstance(error, net.AbortError) and error.code == 'ABORT_ERR'
            error = await settle(promises.connect(server.address().port, '127.0.0.1',
                                                  signal=net.AbortSignal.abort('why')))
            assert isinstance(error, net.AbortError) and error.cause == 'why'
            await aio.aclose(server)
    arun(main)


def test_connect_starts_at_the_call_and_cancelling_destroys_the_socket(arun):
    """As in Node, where the async function runs net.connect() before its
    first await, the socket exists (and connects) once connect() returns;
    cancelling the future gives up as a rejection does: socket destroyed."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            accepted = asyncio.get_running_loop().create_future()
            server.on('connection', lambda sock: accepted.done() or accepted.set_result(sock))
            future = promises.connect(server.address().port, '127.0.0.1')
            peer = await accepted               # connected without anyone awaiting future
            sock = await future
            peer.destroy()
            sock.destroy()
            future = promises.connect(server.address().port, '127.0.0.1')
            future.cancel()
            await aio.aclose(server)
            # Nothing is left alive: the cancelled socket was destroyed.
            await asyncio.wait_for(aio.run(), 2)
            assert future.cancelled()
    arun(main)


@pytest.mark.parametrize('args, kwargs, code', [
    ((), {}, 'ERR_MISSING_ARGS'),
    (({'port': 80, 'signal': 'stop'},), {}, 'ERR_INVALID_ARG_TYPE'),
    (({'port': 80, 'bogus': 1},), {}, 'ERR_INVALID_ARG_VALUE'),
    (({'port': 70000},), {}, 'ERR_SOCKET_BAD_PORT'),
])
def test_connect_bad_arguments_raise_at_the_call(arun, args, kwargs, code):
    """Node validates them in the call (net.connect's checks, and
    validateAbortSignal(signal, 'options.signal')); pyuvnet raises them at
    once rather than in the future."""
    async def main():
        async with aio.attach():
            with pytest.raises(net.NodeError) as info:
                promises.connect(*args, **kwargs)
            assert info.value.code == code
    arun(main)


def test_promises_need_the_bridge_and_are_net_promises(arun):
    """net.md: "accessible via require('node:net').promises"; the futures
    live on the asyncio loop that drives pyuvnet."""
    async def main():
        assert net.promises is promises
        with pytest.raises(RuntimeError, match='not installed'):
            promises.connect(80, '127.0.0.1')
        with pytest.raises(RuntimeError, match='not installed'):
            promises.listen()
    arun(main)


# -- listen() ------------------------------------------------------------------------

def test_listen_resolves_with_the_listening_server_and_its_connection_listener(arun):
    """net.md netPromises.listen([options]): createServer() and
    server.listen() options plus connectionListener; "fulfilled with the
    server once its 'listening' event fires"."""
    async def main():
        async with aio.attach():
            greeted = asyncio.get_running_loop().create_future()
            server = await promises.listen({
                'host': '127.0.0.1', 'port': 0, 'allowHalfOpen': True,
                'connectionListener': lambda sock: sock.end(b'hi'),
            })
            assert isinstance(server, net.Server) and server.listening
            assert server.address().port > 0
            sock = await promises.connect(server.address().port, '127.0.0.1')
            sock.on('data', lambda data: greeted.set_result(data))
            assert await greeted == b'hi'
            sock.destroy()
            await aio.aclose(server)
            # No options: a free port, as server.listen() with no arguments.
            server = await promises.listen()
            assert server.listening and server.address().port > 0
            await aio.aclose(server)
    arun(main)


def test_listen_rejects_when_binding_fails_and_closes_the_server(arun):
    """net.md: "rejected if the server fails to bind ... When the promise
    rejects, the server is closed"."""
    async def main():
        async with aio.attach():
            first = await promises.listen(host='127.0.0.1')
            with pytest.raises(OSError) as info:
                await promises.listen(host='127.0.0.1', port=first.address().port)
            assert info.value.code == 'EADDRINUSE'
            await aio.aclose(first)
    arun(main)


def test_listen_with_a_signal_aborted_before_listening_rejects_with_abort_error(arun):
    """net.md: "Aborting before the server is listening rejects the returned
    promise with an AbortError"; the server is closed once."""
    async def main():
        async with aio.attach():
            error = await settle(promises.listen(signal=net.AbortSignal.abort('early')))
            assert isinstance(error, net.AbortError) and error.cause == 'early'
            controller = net.AbortController()
            future = promises.listen(host='127.0.0.1', signal=controller.signal)
            controller.abort('late')        # before any turn: not listening yet
            error = await settle(future)
            assert isinstance(error, net.AbortError) and error.cause == 'late'
            # The server was closed: nothing is left alive.
            await asyncio.wait_for(aio.run(), 2)
    arun(main)


def test_listen_abort_after_listening_closes_the_server(arun):
    """net.md: "aborting at any later point closes the server, matching the
    signal option of server.listen()"."""
    async def main():
        async with aio.attach():
            controller = net.AbortController()
            server = await promises.listen(host='127.0.0.1', signal=controller.signal)
            closed = asyncio.get_running_loop().create_future()
            closes = []
            server.on('close', lambda: (closes.append(1), closed.done() or closed.set_result(None)))
            controller.abort()
            await closed
            await asyncio.sleep(0.02)
            assert not server.listening and closes == [1]
    arun(main)


@pytest.mark.parametrize('options, code', [
    ({'bogus': 1}, 'ERR_INVALID_ARG_VALUE'),
    ({'signal': 5}, 'ERR_INVALID_ARG_TYPE'),
    ({'connectionListener': 5}, 'ERR_INVALID_ARG_TYPE'),
    ({'allowHalfOpen': 'yes'}, 'ERR_INVALID_ARG_TYPE'),
    ({'port': -1}, 'ERR_SOCKET_BAD_PORT'),
])
def test_listen_bad_options_raise_at_the_call(arun, options, code):
    """createServer()'s and listen()'s own checks, and validateAbortSignal."""
    async def main():
        async with aio.attach():
            with pytest.raises(net.NodeError) as info:
                promises.listen(options)
            assert info.value.code == code
    arun(main)


# -- async for sock in server ---------------------------------------------------------

def test_async_for_yields_each_connection_and_ends_on_close(arun):
    """net.md server[Symbol.asyncIterator](): "yields each incoming
    net.Socket"; "Iteration ends when the server emits 'close'"; the server
    does not stop accepting while the body runs (sockets are queued)."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            port = server.address().port
            # Connecting starts now; the connections arrive once the loop
            # below waits (its iterator listens from the start).
            client_ports = []
            for _ in range(3):
                client = net.connect(port, '127.0.0.1')
                client.on('connect', lambda client=client: client_ports.append(client.localPort))
                client.on('error', lambda err: None)
            seen = []
            async for sock in server:
                seen.append(sock.remotePort)
                sock.destroy()
                if len(seen) == 3:
                    server.close()
            assert sorted(seen) == sorted(client_ports) and len(set(seen)) == 3
    arun(main)


def test_async_for_gives_queued_sockets_then_raises_the_error_once(arun):
    """net.md: iteration "rejects if the server emits 'error'" (the sockets
    that came before it are still given, as events.on() gives them)."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            iterator = server.__aiter__()
            client = await promises.connect(server.address().port, '127.0.0.1')
            await asyncio.sleep(0.05)
            boom = RuntimeError('boom')
            server.emit('error', boom)
            first = await iterator.__anext__()
            assert first.remotePort == client.localPort
            with pytest.raises(RuntimeError, match='boom'):
                await iterator.__anext__()
            with pytest.raises(StopAsyncIteration):
                await iterator.__anext__()
            first.destroy()
            client.destroy()
            await aio.aclose(server)
    arun(main)


def test_data_sent_before_the_loop_takes_the_socket_is_not_lost(arun):
    """A connection waiting in the iterator's queue is read by nobody yet;
    as in Node (a readable stream buffers until it is consumed), what the
    peer sent meanwhile comes with the first 'data'."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            iterator = server.__aiter__()
            client = await promises.connect(server.address().port, '127.0.0.1')
            client.end(b'early bytes')
            await asyncio.sleep(0.1)
            sock = await iterator.__anext__()
            received = b''.join([chunk async for chunk in aio.iterate(sock)])
            assert received == b'early bytes'
            await iterator.aclose()
            await aio.aclose(server)
    arun(main)


def test_aclose_stops_and_destroys_the_sockets_still_queued(arun):
    """aclose() after a break (what ``contextlib.aclosing`` does): no more
    sockets; the queued ones, which nothing else could serve, are destroyed;
    the server keeps listening (Node's iterator return() leaves the server
    as is)."""
    async def main():
        async with aio.attach():
            server = await promises.listen(host='127.0.0.1')
            port = server.address().port
            client_closed = asyncio.get_running_loop().create_future()
            iterator = server.__aiter__()
            clients = [await promises.connect(port, '127.0.0.1') for _ in range(2)]
            clients[1].on('close', lambda *_: client_closed.set_result(None))
            clients[1].resume()
            await asyncio.sleep(0.05)
            try:
                async for sock in iterator:
                    break
            finally:
                await iterator.aclose()
            await asyncio.wait_for(client_closed, 2)
            assert server.listening
            with pytest.raises(StopAsyncIteration):
                await iterator.__anext__()
            sock.destroy()
            clients[0].destroy()
            await aio.aclose(server)
    arun(main)
