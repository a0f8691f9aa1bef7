"""Compressed transfer: the server pipes its data through a gzip Transform
(zlib.compressobj) into the socket; the client pipes the socket through a
gunzip Transform. What crosses the wire is gzip.

    python examples/stream_gzip.py [PORT]          # serve (Ctrl-C to stop)
    python examples/stream_gzip.py --self-test     # serve one client, check, exit

Try it with a shell client: ``nc 127.0.0.1 8126 | gunzip | head``.
"""
from __future__ import annotations

import argparse
import signal
import sys
import zlib
from typing import Any, Callable, Iterator, Optional

import pyuvnet as net
from pyuvnet import stream

GZIP = 16 + zlib.MAX_WBITS      # zlib's wbits for the gzip format


class Gzip(stream.Transform):
    """Bytes in, gzip out: compressobj's output as it comes, the rest at the end."""

    def __init__(self, level: int = 6) -> None:
        super().__init__()
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP)

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., object]) -> None:
        callback(None, self.compressor.compress(chunk) or None)

    def _flush(self, callback: Callable[..., object]) -> None:
        callback(None, self.compressor.flush())


class Gunzip(stream.Transform):
    """gzip in, bytes out; a truncated or corrupt stream is the error."""

    def __init__(self) -> None:
        super().__init__()
        self.decompressor = zlib.decompressobj(GZIP)

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., object]) -> None:
        try:
            data = self.decompressor.decompress(chunk)
        except zlib.error as exc:
            callback(exc)
            return
        callback(None, data or None)

    def _flush(self, callback: Callable[..., object]) -> None:
        if not self.decompressor.eof:
            callback(zlib.error('the gzip stream ended early'))
            return
        callback(None, self.decompressor.flush() or None)


def report_lines(count: int = 20000) -> Iterator[bytes]:
    """What the server sends: a long, repetitive report (it compresses well)."""
    for n in range(count):
        yield b'line %06d: all systems nominal\n' % n


def serve(port: int = 8126, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> net.Server:
    def on_connection(sock: net.Socket) -> None:
        sock.on('error', lambda err: None)      # a client that leaves early
        stream.pipeline(report_lines, Gzip(), sock, lambda err, value=None: None)

    server = net.createServer(on_connection)
    server.listen(port, host, on_listening or (
        lambda: print('gzip server on %s:%d' % (host, server.address().port), flush=True)))
    return server


def self_test() -> int:
    """One client: count the bytes on the wire, gunzip them, compare."""
    wire = [0]
    text: list[bytes] = []
    failures: list[BaseException] = []

    def client() -> None:
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.on('data', lambda chunk: wire.__setitem__(0, wire[0] + len(chunk)))
        def keep(self: stream.Writable, chunk: bytes, encoding: str,
                 callback: Callable[..., object]) -> None:
            text.append(chunk)
            callback()
        sink = stream.Writable(write=keep)

        def done(err: Optional[BaseException], value: object = None) -> None:
            if err is not None:
                failures.append(err)
            server.close()
        stream.pipeline(sock, Gunzip(), sink, done)

    server = serve(0, on_listening=client)
    net.run()
    expected = b''.join(report_lines())
    ok = not failures and b''.join(text) == expected and wire[0] < len(expected) // 5
    print('self-test', 'passed' if ok else 'FAILED %r' % failures,
          '(%d bytes of text, %d on the wire)' % (len(b''.join(text)), wire[0]))
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(
        description='Serves a report gzip-compressed over TCP (a gzip Transform in a pipeline).')
    parser.add_argument('port', nargs='?', type=int, default=8126, help='default 8126')
    parser.add_argument('--self-test', action='store_true',
                        help='serve one client on a free port, gunzip and check, exit')
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    serve(args.port)
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
