"""UDP echo server: every datagram goes back to where it came from.

    python examples/udp_echo.py [PORT]          # serve (Ctrl-C to stop)
    python examples/udp_echo.py --self-test     # echo a few datagrams, check, exit
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional

import pyuvnet as net
from pyuvnet import dgram


def serve(port: int = 41234, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> dgram.Socket:
    server = dgram.createSocket('udp4')
    # The listener is the only Python that runs per datagram: 'message'
    # comes from C, and this send() is C too (docs/DGRAM.md).
    server.on('message', lambda msg, rinfo: server.send(msg, rinfo.port, rinfo.address))
    server.on('error', lambda err: print('udp echo:', err, file=sys.stderr))
    server.bind(port, host, on_listening or (
        lambda: print('udp echo on %s:%d' % (host, server.address().port), flush=True)))
    return server


def self_test() -> int:
    """Echo datagrams of several sizes through a client, check each."""
    sizes = [0, 1, 1024, 9000, 65507]
    received: list[bytes] = []

    def client() -> None:
        sock = dgram.createSocket('udp4')

        def on_message(msg: bytes, rinfo: net.Record) -> None:
            received.append(msg)
            if len(received) == len(sizes):
                sock.close()
                server.close()
        sock.on('message', on_message)
        for size in sizes:
            sock.send(bytes(i % 251 for i in range(size)), server.address().port, '127.0.0.1')

    server = serve(0, on_listening=client)
    net.run()
    ok = sorted(map(len, received)) == sizes and all(
        msg == bytes(i % 251 for i in range(len(msg))) for msg in received)
    print('self-test', 'passed' if ok else 'FAILED', '(%d datagrams echoed)' % len(received))
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='UDP echo server on 127.0.0.1.')
    parser.add_argument('port', nargs='?', type=int, default=41234, help='default 41234')
    parser.add_argument('--self-test', action='store_true',
                        help='echo datagrams of several sizes on a free port, check them, exit')
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    serve(args.port)
    net.run()
