"""Every ASGI send() that waits for 'drain' completes, whatever else waits
on the request meanwhile.

The case that once failed: FastAPI's StreamingResponse of 5 MiB on a
keep-alive connection that already carried a GET and a JSON POST, read
slowly at first.  Starlette waits on receive() in the request's Task
while a child task streams; both waited on the request's one Future, and
the early first step (uv/asgi/app_run.pyx) held that Future's "yielded
by an await" flag for the Task, so the child's await of it raised
"await wasn't used with future": 64 KiB went out, then the chunked body
ended.  uvicorn sends all 5 MiB."""
import asyncio
import json
import socket
import time

import pytest

from asgi_support import serve
from test_serve_cli import address_of, start, stop

pytestmark = pytest.mark.timeout(90)

STREAM_BYTES = 80 * 65536


def read_head(sock, pending):
    while b'\r\n\r\n' not in pending:
        chunk = sock.recv(65536)
        assert chunk, pending
        pending += chunk
    head, rest = pending.split(b'\r\n\r\n', 1)
    return head, rest


def read_chunked(sock, pending):
    """The body's length and whether it ended with the last chunk."""
    total = 0
    while True:
        while b'\r\n' not in pending:
            chunk = sock.recv(65536)
            if not chunk:
                return total, False
            pending += chunk
        line, pending = pending.split(b'\r\n', 1)
        size = int(line, 16)
        while len(pending) < size + 2:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return total + min(len(pending), size), False
            pending += chunk
        if size == 0:
            return total, True
        total += size
        pending = pending[size + 2:]


def read_sized(sock, pending):
    """A response framed by Content-Length: (head, body, what follows)."""
    head, rest = read_head(sock, pending)
    length = int(head.lower().split(b'content-length: ')[1].split(b'\r\n')[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, head
        rest += chunk
    return head, rest[:length], rest[length:]


def stream_after_two_requests(port):
    """The stream's length and whether it ended with its last chunk, after
    a GET and a JSON POST on the same connection."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(20)
        sock.connect(('127.0.0.1', port))
        sock.sendall(b'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n')
        head, body, pending = read_sized(sock, b'')
        assert (head[:12], json.loads(body)) == (b'HTTP/1.1 200', {'ok': True})
        body = json.dumps({'name': 'a'}).encode()
        sock.sendall(b'POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                     b'Content-Length: %d\r\n\r\n%s' % (len(body), body))
        head, body, pending = read_sized(sock, pending)
        assert (head[:12], json.loads(body)) == (b'HTTP/1.1 200', {'name': 'a'})
        sock.sendall(b'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n')
        time.sleep(1)           # the slow start: the server's writes fill up
        head, rest = read_head(sock, pending)
        assert head.startswith(b'HTTP/1.1 200'), head
        return read_chunked(sock, rest)


@pytest.mark.parametrize('loop', ['asyncio', 'uvloop'])
@pytest.mark.parametrize('lifespan', ['on', 'off'])
def test_a_fastapi_stream_after_other_requests_reaches_a_slow_reader_whole(loop, lifespan):
    pytest.importorskip('fastapi')
    if loop == 'uvloop':
        pytest.importorskip('uvloop')
    proc = start('stream_apps:app', '--loop', loop, '--lifespan', lifespan)
    try:
        port, = address_of(proc)
        assert stream_after_two_requests(port) == (STREAM_BYTES, True)
    finally:
        code, _, err = stop(proc)
    assert code == 0, err
    assert 'Traceback' not in err, err


def test_a_send_waiting_for_drain_while_the_apps_task_waits_on_receive():
    # Starlette's shape without Starlette: the app's Task waits on
    # receive() while a task of its own streams to a client that reads
    # late.  A request answered at once first leaves the handler's spare
    # Task parked, so the streaming request's early step is taken on it.
    size = 64 * 65536

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        if scope['path'] == '/first':
            await send({'type': 'http.response.start', 'status': 200,
                        'headers': [(b'content-length', b'2')]})
            await send({'type': 'http.response.body', 'body': b'ok'})
            return

        async def stream():
            await send({'type': 'http.response.start', 'status': 200, 'headers': []})
            for _ in range(64):
                await send({'type': 'http.response.body', 'body': b'y' * 65536,
                            'more_body': True})
            await send({'type': 'http.response.body', 'body': b''})
        streaming = asyncio.ensure_future(stream())
        await receive()                     # the (empty) body
        assert (await receive())['type'] == 'http.disconnect'   # the response is over
        await streaming

    def fetch(port):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(20)
            sock.connect(('127.0.0.1', port))
            sock.sendall(b'GET /first HTTP/1.1\r\nHost: x\r\n\r\n')
            head, body, pending = read_sized(sock, b'')
            sock.sendall(b'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n')
            time.sleep(0.3)
            head, rest = read_head(sock, pending)
            return body, read_chunked(sock, rest)

    async def client(server):
        return await asyncio.get_running_loop().run_in_executor(
            None, fetch, server.address().port)
    assert serve(app, client) == (b'ok', (size, True))
