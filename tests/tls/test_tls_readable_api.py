"""Node's Readable API on a tls.TLSSocket: 'readable' and read(n),
unshift(), async iteration (break destroys the socket), closed/errored,
setEncoding() across records, and the default high-water mark. Each
expectation was run under Node 20 first."""
import asyncio
import gc
import struct

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import aio, stream
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)


def test_read_n_in_readable_frames_messages_over_tls(tls_server, tls_certs, run_loop):
    # The length-prefixed read of test_socket_readable_api, over TLS: Node
    # 20 gives every message, in order.
    messages = [b'm' * n for n in (5, 0, 20000, 1)]
    wire = b''.join(struct.pack('>I', len(m)) + m for m in messages)

    def on_secure(s):
        for i in range(0, len(wire), 1000):
            s.write(wire[i:i + 1000])
        s.end()
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
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
    client.on('close', lambda *_: server.close())
    run_loop()
    assert got == messages + ['end']
    assert client.readableEnded and client.closed and client.errored is None


def test_tls_socket_flowing_state_and_unshift(tls_server, tls_certs, run_loop):
    # Node 20: a new TLSSocket's readableFlowing is null, false once a
    # 'readable' listener is added; unshift() puts bytes back before what
    # is buffered.
    server, port = tls_server(lambda s: s.end(b'world'))
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    seen = [client.readableFlowing]

    def on_readable():
        data = client.read()
        if data is not None:
            client.unshift(data)
            client.unshift(b'hello ')
            seen.append(client.read())
    client.on('readable', on_readable)
    seen.append(client.readableFlowing)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen[:2] == [None, False]
    assert seen[2] == b'hello world'


def test_set_default_high_water_mark_reaches_new_tls_sockets():
    # Node 20: a TLSSocket made after setDefaultHighWaterMark(false, 1000)
    # has 1000 both ways (its raw socket's).
    before = stream.getDefaultHighWaterMark(False)
    try:
        stream.setDefaultHighWaterMark(False, 1000)
        sock = tls.TLSSocket(net.Socket())
        assert (sock.readableHighWaterMark, sock.writableHighWaterMark) == (1000, 1000)
        sock.destroy()
    finally:
        stream.setDefaultHighWaterMark(False, before)


def test_async_for_over_a_tls_socket_and_break_destroys_it(tls_server, tls_certs, arun):
    # Node 20 (ai.js, over TLS): for await gets the plaintext; leaving the
    # loop destroys the socket with an AbortError ('error', then 'close',
    # errored the AbortError). (Python's async for leaves the generator to
    # be closed later: aclose() is what leaving does, at once.)
    async def main():
        async with aio.attach():
            server, port = tls_server(lambda s: s.write(b'first'))
            client = tls.connect(port, 'localhost', ca=tls_certs.ca)
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
            server.close()
    arun(main)


def tls_sockets_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, tls.TLSSocket))


def read_in_paused_mode(sock):
    def on_readable():
        while sock.read(1000) is not None:
            pass
    sock.on('readable', on_readable)


def flow(sock):
    sock.on('data', lambda chunk: None)


@pytest.mark.parametrize('read', [flow, read_in_paused_mode], ids=['flowed', 'paused'])
def test_tls_sockets_are_freed_at_close_without_gc(tls_server, tls_certs, run_loop, read):
    # Both ends: the raw socket lets go of its TLSSocket at its 'close'
    # (issue 68), so that the pair is no cycle.
    server, port = tls_server(lambda s: (read(s), s.end(b'y' * 50000)))
    gc.collect()
    before = tls_sockets_alive()
    gc.disable()
    try:
        client = tls.connect(port, 'localhost', ca=tls_certs.ca)
        read(client)
        client.on('close', lambda *_: server.close())
        del client
        run_loop()
        assert tls_sockets_alive() == before
    finally:
        gc.enable()


def test_a_piped_tls_socket_is_freed_at_close_without_gc(tls_server, tls_certs, run_loop):
    # The server pipes each connection to itself (an echo).
    server, port = tls_server(lambda s: s.pipe(s))
    gc.collect()
    before = tls_sockets_alive()
    gc.disable()
    try:
        client = tls.connect(port, 'localhost', ca=tls_certs.ca)
        client.end(b'z' * 100000)
        got = []
        client.on('data', got.append)
        client.on('close', lambda *_: server.close())
        del client
        run_loop()
        assert b''.join(got) == b'z' * 100000
        assert tls_sockets_alive() == before
    finally:
        gc.enable()
