"""uvicorn's log lines, pinned by running the same app under uvicorn 0.54
(the test extras') and under `pyuvnet serve`, side by side:

- WebSocket: the access line `127.0.0.1:N - "WebSocket /ws" [accepted]`
  (or `403` when the app closes first), then `connection open`; a
  refused handshake's `connection rejected (403 Forbidden)` or `(500
  Internal Server Error)`; an app that fails, `ERROR:    Exception in ASGI
  application` (uvicorn's logger, as on the HTTP path); one that returns
  first, `ERROR:    ASGI callable returned without completing handshake.`;
- `--log-level trace`: each connection made and lost (a WebSocket's
  upgrade, made and lost instead of HTTP's loss), and every ASGI message
  of the lifespan and of a request (uvicorn's TRACE lines).
  `--log-level debug` adds nothing of uvicorn's own to these (its debug
  lines are the websockets library's frames).
The lines are compared with the client's ports, the tracebacks' frames
and the banners (each server's own) left out."""
import os
import re
import subprocess
import sys

import pytest

from serve_support import ServerLog, request, serve_command

pytest.importorskip('uvicorn')
sync_client = pytest.importorskip('websockets.sync.client')
pytestmark = pytest.mark.timeout(120)
HERE = os.path.dirname(os.path.abspath(__file__))


def uvicorn_command(*args):
    return subprocess.Popen([sys.executable, '-m', 'uvicorn', '--app-dir', HERE, '--port', '0']
                            + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=HERE)


def websocket_session(port):
    """The WebSocket client: an echo, then the app's three refusals."""
    with sync_client.connect('ws://127.0.0.1:%d/ws' % port) as ws:
        ws.send('hello')
        assert ws.recv(10) == 'hello'
    for path in ('/boom', '/deny?x=1', '/none'):
        with pytest.raises(Exception):
            with sync_client.connect('ws://127.0.0.1:%d%s' % (port, path)) as ws:
                ws.recv(10)


def logged(proc, session, pattern, uvicorn=False):
    """The lines of stderr and stdout matching ``pattern`` after the
    ``session(port)``, the client ports made ``N``.  (uvicorn 0.54 ends
    by raising the SIGTERM it caught again, after its shutdown.)"""
    log = ServerLog(proc)
    try:
        port = log.ports(1)[0]
        session(port)
    finally:
        assert log.stop() == (-15 if uvicorn else 0), log.text()
    lines = log.text().splitlines() + [line.rstrip('\n') for line in log.access]
    return [re.sub(r'127\.0\.0\.1:\d+', '127.0.0.1:N', line) for line in lines
            if re.search(pattern, line)]


def test_websocket_lines_are_uvicorns():
    pattern = r'WebSocket|connection|ASGI callable|Exception in ASGI'
    theirs = logged(uvicorn_command('logged_apps:websocket_app'), websocket_session, pattern,
                    uvicorn=True)
    ours = logged(serve_command(HERE, 'logged_apps:websocket_app'), websocket_session, pattern)
    assert theirs == [
        'INFO:     127.0.0.1:N - "WebSocket /ws" [accepted]',
        'INFO:     connection open',
        'ERROR:    Exception in ASGI application',
        'INFO:     connection rejected (500 Internal Server Error)',
        'INFO:     127.0.0.1:N - "WebSocket /deny?x=1" 403',
        'INFO:     connection rejected (403 Forbidden)',
        'ERROR:    ASGI callable returned without completing handshake.',
        'INFO:     connection rejected (500 Internal Server Error)']
    assert ours == theirs


def traced(session, pattern):
    """(pyuvnet serve's lines, uvicorn's) matching ``pattern`` at
    ``--log-level trace``, each after ``session(port)``."""
    ours = logged(serve_command(HERE, 'logged_apps:websocket_app', '--log-level', 'trace'),
                  session, pattern)
    theirs = logged(uvicorn_command('logged_apps:websocket_app', '--log-level', 'trace'),
                    session, pattern, uvicorn=True)
    return ours, theirs


def one_get(port):
    assert request(port, '/x') == (200, b'hi')


def test_trace_logs_connections_and_asgi_messages_as_uvicorn():
    # The scope's own text differs (its keys' order, spec_version): its
    # line is compared up to the scope.
    ours, theirs = traced(one_get, r'^TRACE:')
    shown = [line.split('scope=')[0] + ('scope=' if 'scope=' in line else '')
             for line in theirs]
    assert shown == [
        'TRACE:    ASGI [1] Started scope=',
        'TRACE:    ASGI [1] Completed',
        'TRACE:    127.0.0.1:N - HTTP connection made',
        'TRACE:    127.0.0.1:N - ASGI [2] Started scope=',
        "TRACE:    127.0.0.1:N - ASGI [2] Send {'type': 'http.response.start', "
        "'status': 200, 'headers': '<...>'}",
        "TRACE:    127.0.0.1:N - ASGI [2] Send {'type': 'http.response.body', "
        "'body': '<2 bytes>'}",
        'TRACE:    127.0.0.1:N - ASGI [2] Completed',
        'TRACE:    127.0.0.1:N - HTTP connection lost']
    assert [line.split('scope=')[0] + ('scope=' if 'scope=' in line else '')
            for line in ours] == shown
    # The lifespan's scope is the same text.
    assert ours[0] == theirs[0]


def one_websocket(port):
    with sync_client.connect('ws://127.0.0.1:%d/ws' % port) as ws:
        ws.send('hello')
        assert ws.recv(10) == 'hello'


def test_trace_logs_a_websocket_connections_upgrade_and_loss_as_uvicorn():
    ours, theirs = traced(one_websocket, r'^TRACE:.*(connection|Upgrading)')
    # The HTTP protocol's loss is not logged: the WebSocket one took over.
    assert theirs == [
        'TRACE:    127.0.0.1:N - HTTP connection made',
        'TRACE:    127.0.0.1:N - Upgrading to WebSocket',
        'TRACE:    127.0.0.1:N - WebSocket connection made',
        'TRACE:    127.0.0.1:N - WebSocket connection lost']
    assert ours == theirs


@pytest.mark.parametrize('level', ['info', 'debug'])
def test_no_trace_line_below_trace(level):
    lines = logged(serve_command(HERE, 'logged_apps:websocket_app', '--log-level', level),
                   one_get, r'TRACE|DEBUG')
    assert lines == []
