"""The uvicorn flags that pyuvnet once took and ignored, each doing what it
does under uvicorn 0.54 (run against it; what it did is pinned here), in
pyuvnet's terms, or refused in one line:

- ``--ws none``: an upgrade to WebSocket is answered as a plain request
  (scope type 'http'), with uvicorn's warning 'Unsupported upgrade
  request.', once per request (uvicorn, httptools and h11 alike, follows
  it with 'No supported WebSocket library detected. Please use "pip
  install 'uvicorn[standard]'"...', whose advice is uvicorn's own: not
  said); ``--ws auto`` (and any library's name) accepts it (101).
- ``--h11-max-incomplete-event-size N``: under uvicorn's h11, a request
  head that grows past N bytes before it is whole gets 400 (httptools
  ignores the flag); pyuvnet makes it llhttp's head limit: past it, 431
  (Node's answer), under it, served.
- ``--reset-contextvars``: uvicorn runs each request in an empty
  contextvars.Context ('fresh'); without it, in a copy of the server's
  (what the app's import set: 'import').
- ``--timeout-worker-healthcheck``: uvicorn's restart kills a new worker
  not ready within it and keeps the old; pyuvnet's reload (SIGHUP) does
  the same.
- ``--http h11``: refused (pyuvnet has llhttp only, httptools' parser).
- ``--timeout-keep-alive N``: an idle keep-alive connection is closed
  after N seconds (uvicorn's); pyuvnet's http layer tells the client so,
  as Node's does (``Keep-Alive: timeout=N``).
"""
import os
import signal
import socket
import subprocess
import sys

import pytest

from serve_support import ServerLog, request, serve_command
from support import recv_all

pytestmark = pytest.mark.timeout(60)
HERE = os.path.dirname(os.path.abspath(__file__))

WEBSOCKET_UPGRADE = (b'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                     b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                     b'Sec-WebSocket-Version: 13\r\n\r\n')


def served(*flags, **popen):
    log = ServerLog(serve_command(HERE, 'flag_apps:app', *flags, **popen))
    return log, log.ports(1)[0]


def first_answer(port, data):
    """The status line and the body of the first answer to ``data``."""
    with socket.create_connection(('127.0.0.1', port), 10) as sock:
        sock.sendall(data)
        received = b''
        while b'\r\n\r\n' not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
        head, _, body = received.partition(b'\r\n\r\n')
        if head.startswith(b'HTTP/1.1 200'):
            length = int(head.lower().split(b'content-length: ')[1].split(b'\r\n')[0])
            while len(body) < length:
                body += sock.recv(65536)
    return head.split(b'\r\n')[0], body


@pytest.mark.parametrize('ws, status', [('none', b'HTTP/1.1 200 OK'),
                                        ('auto', b'HTTP/1.1 101 Switching Protocols'),
                                        ('wsproto', b'HTTP/1.1 101 Switching Protocols')])
def test_ws_none_answers_an_upgrade_as_a_plain_request(ws, status):
    log, port = served('--ws', ws)
    try:
        line, body = first_answer(port, WEBSOCKET_UPGRADE)
        assert line == status
        if ws == 'none':
            assert body.split()[0] == b'http'
            log.wait('WARNING:  Unsupported upgrade request.')
    finally:
        assert log.stop() == 0, log.text()
    assert log.text().count('Unsupported upgrade request.') == (ws == 'none')


def head_of(size):
    """A GET whose head is ``size`` bytes long."""
    start = b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: '
    return start + b'a' * (size - len(start) - 4) + b'\r\n\r\n'


@pytest.mark.parametrize('flags, size, status', [
    (['--h11-max-incomplete-event-size', '1024'], 2000, b'HTTP/1.1 431 Request Header Fields Too Large'),
    (['--h11-max-incomplete-event-size', '1024'], 900, b'HTTP/1.1 200 OK'),
    ([], 2000, b'HTTP/1.1 200 OK'),
], ids=['over', 'under', 'default-16k'])
def test_h11_max_incomplete_event_size_is_the_request_heads_limit(flags, size, status):
    log, port = served(*flags)
    try:
        assert first_answer(port, head_of(size))[0] == status
    finally:
        assert log.stop() == 0, log.text()


def keep_alive_of(port):
    """The Keep-Alive header's value of a plain GET's answer."""
    with socket.create_connection(('127.0.0.1', port), 10) as sock:
        sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        received = b''
        while b'\r\n\r\n' not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    for line in received.partition(b'\r\n\r\n')[0].split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.lower() == b'keep-alive':
            return value.strip()
    return None


@pytest.mark.parametrize('flags, said', [([], b'timeout=5'),
                                         (['--timeout-keep-alive', '3'], b'timeout=3')])
def test_timeout_keep_alive_is_the_idle_timeout_each_connection_is_told(flags, said):
    # The flag's one Config, read by the server's http layer as it is
    # made: the timer of an idle connection, which its answers announce.
    log, port = served(*flags)
    try:
        assert keep_alive_of(port) == said
    finally:
        assert log.stop() == 0, log.text()


@pytest.mark.parametrize('flags, seen', [([], b'import'), (['--reset-contextvars'], b'fresh')])
def test_reset_contextvars_runs_each_request_in_an_empty_context(flags, seen):
    log, port = served(*flags)
    try:
        for _ in range(3):      # the first request and those on a spare task
            status, body = request(port)
            assert (status, body.split()[:2]) == (200, [b'http', seen])
    finally:
        assert log.stop() == 0, log.text()


def test_a_reloads_worker_not_listening_within_the_healthcheck_timeout_is_killed(tmp_path):
    stall = tmp_path / 'stall'
    log, port = served('--workers', '2', '--timeout-worker-healthcheck', '0.5',
                       env=dict(os.environ, FLAG_APPS_STALL=str(stall)))
    try:
        log.ports(2)
        before = {request(port)[1].split()[-1] for _ in range(20)}
        stall.touch()           # the new workers' import never ends
        log.proc.send_signal(signal.SIGHUP)
        log.wait(r'did not listen within 0\.5s \(--timeout-worker-healthcheck\)')
        log.wait('reload failed, the running workers go on')
        after = {request(port)[1].split()[-1] for _ in range(20)}
        assert after <= before and after
    finally:
        assert log.stop() == 0, log.text()
    # The reload's other worker, stopped with it, is not replaced either.
    assert 'forking another' not in log.text()


def test_http_h11_is_refused_in_one_line():
    done = subprocess.run([sys.executable, '-m', 'pyuvnet', 'serve', '--app-dir', HERE,
                           'flag_apps:app', '--http', 'h11'], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "pyuvnet serve: error: --http h11: pyuvnet parses HTTP/1.1 with llhttp only "
        "(httptools' parser): use --http auto or httptools"]
