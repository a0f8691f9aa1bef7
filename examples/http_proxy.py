"""A reverse proxy on pyuvnet.http, built on pipe(): each request is
streamed to the origin as it arrives, and each answer back as it comes,
in bounded memory whatever their size (a slow side pauses the other:
docs/HTTP.md, "Streaming and backpressure").

    python examples/http_proxy.py --target http://127.0.0.1:8000 [--port 8080]
    python examples/http_proxy.py --self-test   # 64 MiB each way through it, checked

The self-test runs an origin, the proxy and a client in this process: the
client uploads 64 MiB through the proxy (the origin answers with the
SHA-256 of what it received) and downloads 64 MiB (the client hashes
it), and reports the process's peak RSS.
"""
from __future__ import annotations

import argparse
import hashlib
import resource
import sys
from typing import Any
from urllib.parse import urlsplit

import pyuvnet as net
from pyuvnet import http

# Hop-by-hop headers (RFC 9110, 7.6.1): each connection's own, not passed on.
HOP_BY_HOP = frozenset(('connection', 'keep-alive', 'proxy-connection', 'te', 'trailer',
                        'transfer-encoding', 'upgrade'))


def end_to_end(headers: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in headers.items() if name not in HOP_BY_HOP}


def create_proxy(target_host: str, target_port: int) -> http.Server:
    """A server that forwards every request to target_host:target_port."""

    def on_request(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        def on_answer(answer: http.IncomingMessage) -> None:
            res.writeHead(answer.statusCode or 502, end_to_end(answer.headers))
            answer.pipe(res)            # the answer streams back, paced by our client

        def on_error(err: Exception) -> None:
            if not res.headersSent:
                res.writeHead(502, {'Content-Type': 'text/plain'})
                res.end('bad gateway: %s\n' % err)
            else:
                res.destroy()

        upstream = http.request({'host': target_host, 'port': target_port,
                                 'method': req.method, 'path': req.url,
                                 'headers': end_to_end(req.headers)}, on_answer)
        upstream.on('error', on_error)
        req.pipe(upstream)              # the body streams out, paced by the origin
        res.on('close', lambda: None if res.writableFinished else upstream.destroy())

    return http.createServer(on_request)


# -- the self-test -----------------------------------------------------------

SIZE = 64 << 20
CHUNK = 1 << 20


def pattern(size: int) -> bytes:
    seed = hashlib.sha256(b'http_proxy').digest()
    return seed * (size // len(seed))       # size: a multiple of 32


def create_origin(data: bytes) -> http.Server:
    """GET: ``data``; POST: the SHA-256 (hex) of the body received."""

    def on_request(req: http.IncomingMessage, res: http.ServerResponse) -> None:
        if req.method == 'GET':
            res.writeHead(200, {'Content-Length': str(len(data))})
            write_paced(res, data)
            return
        digest = Digest()
        req.on('data', digest.update)
        req.on('end', lambda: res.end(digest.hexdigest()))

    return http.createServer(on_request)


class Digest:
    """SHA-256 of the 'data' chunks given to update()."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()

    def update(self, chunk: bytes | str) -> None:
        self.sha.update(chunk.encode() if isinstance(chunk, str) else chunk)

    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def write_paced(out: http.OutgoingMessage, data: bytes) -> None:
    """Write ``data`` into ``out`` a chunk at a time, waiting for 'drain'
    whenever write() returns False; then end()."""
    view = memoryview(data)
    pos = [0]

    def more() -> None:
        while pos[0] < len(view):
            chunk = view[pos[0]:pos[0] + CHUNK]
            pos[0] += len(chunk)
            if not out.write(bytes(chunk)):
                out.once('drain', more)
                return
        out.end()
    more()


def peak_rss_mib() -> int:
    """This process's peak RSS: Linux's VmHWM (ru_maxrss would carry a
    forking parent's peak over exec)."""
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def self_test() -> int:
    data = pattern(SIZE)
    want = hashlib.sha256(data).hexdigest()
    origin = create_origin(data)
    results: dict[str, str] = {}

    def start_proxy() -> None:
        proxy = create_proxy('127.0.0.1', origin.address().port)

        def start_client() -> None:
            port = proxy.address().port

            def done() -> None:
                if len(results) == 2:
                    proxy.close()
                    origin.close()

            def on_answer(way: str, answer: http.IncomingMessage, digest: Digest | None) -> None:
                body: list[str] = []

                def on_data(chunk: bytes | str) -> None:
                    if digest is not None:
                        digest.update(chunk)
                    else:
                        body.append(chunk.decode() if isinstance(chunk, bytes) else chunk)

                def on_end() -> None:
                    results[way] = digest.hexdigest() if digest is not None else ''.join(body)
                    done()
                answer.on('data', on_data)
                answer.on('end', on_end)

            def on_upload_answer(answer: http.IncomingMessage) -> None:
                on_answer('upload', answer, None)      # the origin's SHA-256 of the upload

            upload = http.request({'host': '127.0.0.1', 'port': port, 'method': 'POST',
                                   'path': '/upload'}, on_upload_answer)
            write_paced(upload, data)

            def on_download(answer: http.IncomingMessage) -> None:
                on_answer('download', answer, Digest())

            http.get({'host': '127.0.0.1', 'port': port, 'path': '/download'}, on_download)

        proxy.listen(0, '127.0.0.1', start_client)

    origin.listen(0, '127.0.0.1', start_proxy)
    net.run()
    peak = peak_rss_mib()
    ok = results.get('upload') == want and results.get('download') == want
    for way in ('upload', 'download'):
        print('%-8s %d MiB  sha256 %s' % (way, SIZE >> 20,
                                         'ok' if results.get(way) == want else 'MISMATCH'))
    print('peak RSS %d MiB (the test data itself: %d MiB)' % (peak, SIZE >> 20))
    print('self-test passed' if ok else 'self-test FAILED')
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description='A streaming reverse proxy on pyuvnet.http.')
    parser.add_argument('--target', default='http://127.0.0.1:8000', help='the origin server')
    parser.add_argument('--port', type=int, default=8080, help='the port to listen on')
    parser.add_argument('--self-test', action='store_true',
                        help='stream 64 MiB each way through the proxy, check SHA-256, exit')
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    target = urlsplit(args.target)
    proxy = create_proxy(target.hostname or '127.0.0.1', target.port or 80)
    proxy.listen(args.port, lambda: print('proxying :%d -> %s' % (args.port, args.target)))
    net.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
