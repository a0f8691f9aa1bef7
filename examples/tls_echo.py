"""TLS echo server (pyuvnet.tls): every byte a client sends comes back,
encrypted.  docs/TLS.md walks through it.

    python examples/tls_echo.py --key key.pem --cert cert.pem [--port 8443]
    python examples/tls_echo.py --self-test    # throwaway certificate, one client, exit

Try it with Node or OpenSSL as the client:

    openssl s_client -connect 127.0.0.1:8443 -servername localhost
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Union

import pyuvnet as net
import pyuvnet.tls as tls


def serve(key: str, cert: str, port: int = 8443, host: str = '127.0.0.1',
          on_listening: Callable[[], object] | None = None) -> tls.Server:
    """A tls.Server echoing each client's bytes back; it offers the ALPN
    protocol 'echo/1' to show the option."""
    def on_secure(sock: tls.TLSSocket) -> None:
        sock.pipe(sock)                        # echo, with backpressure
        sock.on('error', lambda err: None)     # a client's reset is not ours to crash on

    server = tls.createServer({'key': key, 'cert': cert, 'ALPNProtocols': ['echo/1']}, on_secure)
    # Handshake failures (a plain-text client, a bad certificate) are
    # reported here, per client; the server goes on.
    def on_client_error(err: Exception, sock: tls.TLSSocket) -> None:
        print('TLS client error:', getattr(err, 'code', None), file=sys.stderr)
    server.on('tlsClientError', on_client_error)
    server.listen(port, host, on_listening or (
        lambda: print('TLS echo server on %s:%d' % (host, server.address().port), flush=True)))
    return server


def self_signed_certificate(folder: str) -> tuple[str, str]:
    """(key PEM, cert PEM) for localhost, made by the openssl CLI."""
    key_path, cert_path = os.path.join(folder, 'key.pem'), os.path.join(folder, 'cert.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:P-256', '-nodes', '-keyout', key_path, '-out', cert_path,
                    '-days', '1', '-subj', '/CN=localhost',
                    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
                   check=True, capture_output=True)
    with open(key_path) as k, open(cert_path) as c:
        return k.read(), c.read()


def self_test() -> int:
    """Serve on a free port, send 1 MiB through a client that trusts the
    throwaway certificate, check what came back."""
    if shutil.which('openssl') is None:
        print('self-test needs the openssl command')
        return 1
    folder = tempfile.mkdtemp(prefix='tls-echo-')
    try:
        key, cert = self_signed_certificate(folder)
    finally:
        shutil.rmtree(folder)
    message = os.urandom(1 << 20)
    received: list[bytes] = []
    report: dict[str, object] = {}

    def client() -> None:
        sock = tls.connect(server.address().port, 'localhost', ca=cert, ALPNProtocols=['echo/1'])

        def on_secure() -> None:
            report.update(protocol=sock.getProtocol(), alpn=sock.alpnProtocol,
                          authorized=sock.authorized)
            sock.write(message)
        sock.on('secureConnect', on_secure)

        def on_data(chunk: Union[bytes, str]) -> None:
            assert isinstance(chunk, bytes)  # no setEncoding()
            received.append(chunk)
        sock.on('data', on_data)
        sock.on('data', lambda _: sock.end() if sum(map(len, received)) >= len(message) else None)
        sock.on('error', lambda err: report.setdefault('error', err))
        sock.on('close', lambda had_error: server.close())

    server = serve(key, cert, 0, on_listening=client)
    net.run()
    ok = (hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(message).digest()
          and 'error' not in report)
    print('self-test', 'passed' if ok else 'FAILED',
          '(%d bytes echoed over %s, ALPN %s, authorized %s)' % (
              sum(map(len, received)), report.get('protocol'), report.get('alpn'),
              report.get('authorized')))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='TLS echo server on pyuvnet.tls')
    parser.add_argument('--key', help='private key (PEM file)')
    parser.add_argument('--cert', help='certificate chain (PEM file)')
    parser.add_argument('--port', type=int, default=8443)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--self-test', action='store_true',
                        help='make a throwaway certificate, echo 1 MiB through one client, exit')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not (args.key and args.cert):
        parser.error('--key and --cert are required (or --self-test)')
    with open(args.key) as k, open(args.cert) as c:
        serve(k.read(), c.read(), args.port, args.host)
    # Ctrl-C ends the program quietly with status 0: run() returns after
    # the current turn and the system closes what is left (docs/SHUTDOWN.md).
    signal.signal(signal.SIGINT, lambda *_: net.stop())
    net.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
