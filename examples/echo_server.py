"""Echo server: every byte a client sends comes back.

    python examples/echo_server.py [PORT]          # serve (Ctrl-C to stop)
    python examples/echo_server.py --self-test     # serve one client, check, exit
"""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Callable, Optional, Union

import pyuvnet as net


def serve(port: int = 8124, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> net.Server:
    def on_connection(sock: net.Socket) -> None:
        sock.on('data', sock.write)        # echo, as Node's sock.pipe(sock)
        sock.on('error', lambda err: None)  # a client's reset is not ours to crash on

    server = net.createServer(on_connection)
    server.listen(port, host, on_listening or (
        lambda: print('echo server on %s:%d' % (host, server.address().port), flush=True)))
    return server


def self_test() -> int:
    """Serve on a free port, send a message through a client, check it."""
    message = 'héllo, pyuvnet\n' * 1000
    received: list[str] = []

    def on_text(text: Union[bytes, str]) -> None:
        assert isinstance(text, str)  # setEncoding() below
        received.append(text)

    def client() -> None:
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.setEncoding('utf8')
        sock.on('data', on_text)
        sock.on('data', lambda _: sock.end() if len(''.join(received)) >= len(message) else None)
        sock.on('close', lambda had_error: server.close())
        sock.write(message)

    server = serve(0, on_listening=client)
    net.run()
    ok = ''.join(received) == message
    print('self-test', 'passed' if ok else 'FAILED', '(%d characters echoed)' % len(''.join(received)))
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='Echo server on 127.0.0.1: every byte comes back.')
    parser.add_argument('port', nargs='?', type=int, default=8124, help='default 8124')
    parser.add_argument('--self-test', action='store_true',
                        help='serve one client on a free port, check its echo, exit')
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    serve(args.port)
    # Ctrl-C ends the program quietly with status 0: run() returns after
    # the current turn and the system closes what is left (docs/SHUTDOWN.md).
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
