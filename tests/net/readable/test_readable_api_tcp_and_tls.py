"""What Node's Readable API does alike on a net.Socket and a tls.TLSSocket,
each test run over a TCP pair and a TLS pair (one fixture, ``pair``):
length-prefixed framing with read(4)/read(n), leaving async iteration,
and a socket read in paused mode freed at its close without the GC.
Each expectation was run under Node 20 first, over net and over tls."""
import asyncio
import gc
import struct

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import aio
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)


class Pair:
    """A server and its client over TCP or TLS: ``serve(on_connection)``
    -> port; ``connect(port)`` -> the client; ``kind``, the socket class."""

    def __init__(self, name, listening_server, tls_server, tls_certs):
        self.name = name
        self.kind = net.Socket if name == 'tcp' else tls.TLSSocket
        self._listening_server, self._tls_server, self._certs = (
            listening_server, tls_server, tls_certs)
        self.server = None

    def serve(self, on_connection):
        if self.name == 'tcp':
            self.server, port = self._listening_server(on_connection)
        else:
            self.server, port = self._tls_server(on_connection)
        return port

    def connect(self, port):
        if self.name == 'tcp':
            return net.connect(port, '127.0.0.1')
        return tls.connect(port, 'localhost', ca=self._certs.ca)

    def alive(self):
        return sum(1 for obj in gc.get_objects() if isinstance(obj, self.kind))


@pytest.fixture(params=['tcp', 'tls'])
def pair(request, listening_server, tls_server, tls_certs):
    return Pair(request.param, listening_server, tls_server, tls_certs)


def frame(payload):
    return struct.pack('>I', len(payload)) + payload


def test_length_prefixed_messages_read_with_read4_then_readn(pair, run_loop):
    # A binary protocol's framing: read(4) for the length, then read(n) for
    # the body, None while not enough is buffered (the length is kept
    # meanwhile). Node 20 (lp2.js, over net and tls) gives every message,
    # in order, with readableHighWaterMark raised to the next power of two
    # of the largest.
    messages = [b'x' * n for n in (0, 1, 1024, 70000, 3)]
    wire = b''.join(frame(m) for m in messages)

    def send(sock):
        # In odd pieces, so that headers and bodies straddle reads.
        for i in range(0, len(wire), 777):
            sock.write(wire[i:i + 777])
        sock.end()
    client = pair.connect(pair.serve(send))
    got = []
    pending = [None]

    def on_readable():
        while True:
            if pending[0] is None:
                header = client.read(4)
                if header is None:
                    return
                pending[0] = struct.unpack('>I', header)[0]
            body = client.read(pending[0]) if pending[0] else b''
            if body is None:
                return
            got.append(body)
            pending[0] = None
    client.on('readable', on_readable)
    client.on('end', lambda: got.append('end'))
    client.on('close', lambda *_: pair.server.close())
    run_loop()
    assert got == messages + ['end']
    assert client.readableEnded and client.closed and client.errored is None
    assert client.readableHighWaterMark == 131072


def test_leaving_async_for_destroys_the_socket_with_an_abort_error(pair, arun):
    # Node 20 (ai.js): after break, destroyed true; 'error' AbortError,
    # then 'close' with closed true and errored the AbortError. (Python's
    # async for leaves the generator to be closed later: aclose() is what
    # leaving does, at once.)
    async def main():
        async with aio.attach():
            client = pair.connect(pair.serve(lambda sock: sock.write(b'first')))
            seen = []
            closed = asyncio.get_running_loop().create_future()
            client.on('error', lambda e: seen.append(type(e).__name__))
            client.on('close', lambda *_: closed.set_result(True))
            chunks = client.iterator()
            async for chunk in chunks:
                seen.append(chunk)
                break
            await chunks.aclose()
            assert client.destroyed
            await closed
            assert seen == [b'first', 'AbortError']
            assert type(client.errored).__name__ == 'AbortError' and client.closed
            pair.server.close()
    arun(main)


def read_in_paused_mode(sock):
    """``sock`` read in paused mode, 1000 bytes at a time, held only by its
    own listeners (a closure over it: a reference cycle)."""
    def on_readable():
        while sock.read(1000) is not None:
            pass
    sock.on('readable', on_readable)


def flow(sock):
    sock.on('data', lambda chunk: None)


@pytest.mark.parametrize('read', [flow, read_in_paused_mode], ids=['flowed', 'paused'])
def test_both_ends_are_freed_at_close_without_gc(pair, run_loop, read):
    # (Counted, not watched with a weak reference: one keeps the socket's
    # listeners past 'close', as Stream.on_released says.) The server's end
    # and the client, which nothing but its listeners holds (issue 68).
    port = pair.serve(lambda sock: (read(sock), sock.end(b'y' * 50000)))
    gc.collect()
    before = pair.alive()
    gc.disable()
    try:
        client = pair.connect(port)
        read(client)
        client.on('close', lambda *_: pair.server.close())
        del client
        run_loop()
        assert pair.alive() == before
    finally:
        gc.enable()


def test_a_socket_piped_to_itself_is_freed_at_close_without_gc(pair, run_loop):
    # The server pipes each connection to itself (an echo).
    port = pair.serve(lambda sock: sock.pipe(sock))
    gc.collect()
    before = pair.alive()
    gc.disable()
    try:
        client = pair.connect(port)
        client.end(b'z' * 100000)
        got = []
        client.on('data', got.append)
        client.on('close', lambda *_: pair.server.close())
        del client
        run_loop()
        assert b''.join(got) == b'z' * 100000
        assert pair.alive() == before
    finally:
        gc.enable()


def test_an_async_iterated_socket_is_freed_at_close_without_gc(pair, arun):
    # ``async for chunk in sock`` to the end: the generator's finished()
    # listeners (closures over the socket) are all that holds it after
    # 'close', as a paused reader's are (issue 68).
    port = pair.serve(lambda sock: sock.end(b'y' * 50000))
    gc.collect()
    before = pair.alive()

    async def main():
        async with aio.attach():
            got = []
            closed = asyncio.get_running_loop().create_future()
            client = pair.connect(port)
            client.on('close', lambda *_: closed.set_result(None))
            async for chunk in client:
                got.append(chunk)
            del client
            await closed
            pair.server.close()
            return b''.join(got)
    gc.disable()
    try:
        assert arun(main) == b'y' * 50000
        assert pair.alive() == before
    finally:
        gc.enable()
