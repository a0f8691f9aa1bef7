"""Integrity (issue 13): echo, pipe() proxy and half-close transfers over TCP
and unix sockets, with random write sizes and random pause/resume and
cork/uncork on both sides; every byte checked by running hash and length.
Each transfer moves scaled(128 MiB, 2 GiB) / 3 (the echo and the proxy
bring it back; the bytes verified are counted on arrival)."""
import hashlib
import os
import random

import pytest

import pyuvnet as net

from stress_support import scaled

TOTAL = scaled(128 * 2**20, 2 * 2**30)


class Stream:
    """A seeded byte stream cut in random sizes, with its running hash."""

    def __init__(self, seed, total):
        self.random = random.Random(seed)
        self.left = total
        self.digest = hashlib.blake2b()

    def next_chunk(self):
        size = min(self.left, self.random.choice((1, 7, 512, 4096, 65536, 200_000)))
        self.left -= size
        chunk = self.random.randbytes(size)
        self.digest.update(chunk)
        return chunk


class Check:
    """The receiving side: running hash and length."""

    def __init__(self):
        self.digest = hashlib.blake2b()
        self.length = 0

    def __call__(self, chunk):
        self.digest.update(chunk)
        self.length += len(chunk)


def jitter(sock, rng):
    """Random pause/resume of reading and cork/uncork of writing."""
    roll = rng.random()
    if roll < 0.02 and not sock.isPaused():
        sock.pause()
        net.setTimeout(sock.resume, rng.choice((0, 1, 3)))
    elif roll < 0.04:
        sock.cork()
        net.nextTick(sock.uncork)


def send_all(sock, stream, rng, then_end=True):
    """Write ``stream`` with backpressure and jitter, then end()."""
    def pump():
        while stream.left:
            jitter(sock, rng)
            if not sock.write(stream.next_chunk()):
                sock.once('drain', pump)
                return
        if then_end:
            sock.end()
    pump()


def echo_with_jitter(sock, rng):
    def on_data(chunk):
        jitter(sock, rng)
        if not sock.write(chunk):
            sock.pause()
            sock.once('drain', sock.resume)
    sock.on('data', on_data)


def listen(server, transport, sockdir):
    if transport == 'tcp':
        server.listen(0, '127.0.0.1')
        return {'port': server.address().port, 'host': '127.0.0.1'}
    path = os.path.join(sockdir, '%d.sock' % id(server))
    server.listen(path)
    return {'path': path}


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_echo_returns_every_byte(transport, sockdir, run_loop, figures):
    rng = random.Random(1)
    server = net.createServer(lambda sock: echo_with_jitter(sock, rng))
    target = listen(server, transport, sockdir)
    stream, check = Stream(2, TOTAL // 3), Check()
    client = net.connect(target, lambda: send_all(client, stream, rng))
    client.on('data', lambda chunk: (check(chunk), jitter(client, rng)))
    client.on('close', lambda had_error: server.close())
    run_loop(timeout=scaled(300, 3600))
    figures(bytes_verified=check.length)
    assert check.length == TOTAL // 3
    assert check.digest.digest() == stream.digest.digest()


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_a_pipe_proxy_carries_every_byte_both_ways(transport, sockdir, run_loop, figures):
    """client -> proxy -> echo and back, the proxy two pipe() calls. Both
    proxy sockets are half-open: as in Node, a socket that is not would end
    its writable side at the client's FIN and refuse the echo still on its
    way back (EPIPE in Node)."""
    rng = random.Random(3)
    echo = net.createServer(lambda sock: echo_with_jitter(sock, rng))
    echo_target = listen(echo, transport, sockdir)

    def proxy_connection(downstream):
        upstream = net.connect(dict(echo_target, allowHalfOpen=True))
        downstream.pipe(upstream)
        upstream.pipe(downstream)
    proxy = net.createServer({'allowHalfOpen': True}, proxy_connection)
    target = listen(proxy, transport, sockdir)
    stream, check = Stream(4, TOTAL // 3), Check()
    client = net.connect(target, lambda: send_all(client, stream, rng))
    client.on('data', lambda chunk: (check(chunk), jitter(client, rng)))
    client.on('close', lambda had_error: (proxy.close(), echo.close()))
    run_loop(timeout=scaled(300, 3600))
    figures(bytes_verified=check.length)
    assert check.length == TOTAL // 3
    assert check.digest.digest() == stream.digest.digest()


@pytest.mark.parametrize('transport', ['tcp', 'unix'])
def test_half_close_upload_then_download_keeps_every_byte(transport, sockdir, run_loop, figures):
    """The client uploads and ends; the server, its reading side done,
    answers with its own stream and ends: both halves intact."""
    rng = random.Random(5)
    half = TOTAL // 6
    upload, download = Stream(6, half), Stream(7, half)
    received_up, received_down = Check(), Check()

    def on_connection(sock):
        sock.on('data', lambda chunk: (received_up(chunk), jitter(sock, rng)))
        sock.on('end', lambda: send_all(sock, download, rng))
    server = net.createServer({'allowHalfOpen': True}, on_connection)
    target = listen(server, transport, sockdir)
    client = net.connect(dict(target, allowHalfOpen=True), lambda: send_all(client, upload, rng))
    client.on('data', lambda chunk: (received_down(chunk), jitter(client, rng)))
    client.on('close', lambda had_error: server.close())
    run_loop(timeout=scaled(300, 3600))
    figures(bytes_verified=received_up.length + received_down.length)
    assert (received_up.length, received_down.length) == (half, half)
    assert received_up.digest.digest() == upload.digest.digest()
    assert received_down.digest.digest() == download.digest.digest()
