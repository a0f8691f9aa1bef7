"""HTTP/2 server (h2c, prior knowledge): each request gets its path back.

    python examples/http2_server.py [PORT]        # serve (Ctrl-C to stop)
    python examples/http2_server.py --self-test   # one client, check, exit

Try it: curl --http2-prior-knowledge http://127.0.0.1:8125/hello
"""
from __future__ import annotations

import argparse
from functools import partial
import signal
import sys
from typing import Any, Callable, Optional

import pyuvnet as net
from pyuvnet import http2


def serve(port: int = 8125, host: str = '127.0.0.1',
          on_listening: Optional[Callable[[], object]] = None) -> http2.Http2Server:
    def on_stream(stream: http2.ServerHttp2Stream, headers: dict[str, Any], flags: int,
                  raw: list[str]) -> None:
        stream.respond({':status': 200, 'content-type': 'text/plain; charset=utf-8'})
        stream.end(('you asked for %s\n' % headers[':path']).encode())

    server = http2.createServer()
    server.on('stream', on_stream)
    server.listen(port, host, on_listening or (
        lambda: print('http2 server on http://%s:%d' % (host, server.address()['port']),
                      flush=True)))
    return server


def self_test() -> int:
    """Serve on a free port, send three requests on one session, check."""
    answers: dict[str, bytes] = {}
    paths = ['/a', '/b', '/c']

    def client() -> None:
        session = http2.connect('http://127.0.0.1:%d' % server.address()['port'])
        for path in paths:
            req = session.request({':path': path}, {'endStream': True})
            chunks: list[bytes] = []
            req.on('data', chunks.append)
            req.on('end', partial(finished, session, path, chunks))

    def finished(session: http2.ClientHttp2Session, path: str, chunks: list[bytes]) -> None:
        answers[path] = b''.join(chunks)
        if len(answers) == len(paths):
            session.close()
            server.close()

    server = serve(0, on_listening=client)
    net.run()
    ok = all(answers.get(p) == ('you asked for %s\n' % p).encode() for p in paths)
    print('self-test', 'passed' if ok else 'FAILED', '(%d answers on one session)' % len(answers))
    return 0 if ok else 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='HTTP/2 (h2c) server on 127.0.0.1.')
    parser.add_argument('port', nargs='?', type=int, default=8125, help='default 8125')
    parser.add_argument('--self-test', action='store_true',
                        help='serve one client on a free port, check its answers, exit')
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    serve(args.port)
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
