"""pyuvnet.http's memory against peers that do not read (issue 39).

Three hostile peers, each against a pyuvnet server or client in a child
process whose peak RSS (VmHWM, the interpreter included) must stay under
RSS_BOUND:
- a client that pipelines GETs of 16 KiB answers and never reads them
  (Node 20: 1,820 answered, 94 MiB; pyuvnet before issue 39: 930 MiB to
  1.3 GiB): the server stops reading once its answers wait;
- a client that uploads a 2 GB body to a handler that does not read it
  yet (before: 676 MiB in 4 s): the request stops its socket at
  readableHighWaterMark;
- a server that sends a 1 GiB answer to a 'response' listener that does
  not read it yet (before: 1 GiB in 2.4 s).
Short mode offers each for a few seconds; long mode (PYUVNET_STRESS=long)
the issue's full sizes.  Not under ASan (support.RSS_IS_OURS).
"""
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from stress_support import scaled
from support import RSS_IS_OURS

RSS_BOUND = 64 << 20

pytestmark = pytest.mark.skipif(not RSS_IS_OURS, reason="ASan's quarantine is not pyuvnet's RSS")

SERVER = textwrap.dedent('''
    import sys
    import pyuvnet as net
    from pyuvnet import http

    def app(req, res):
        if req.url.startswith('/big/'):
            res.end(b'a' * int(req.url[5:]))
        # else: an upload nobody reads (nor answers) while the client sends

    server = http.createServer(app)
    server.listen(0, '127.0.0.1', lambda: print(server.address().port, flush=True))
    net.run()
''')

CLIENT = textwrap.dedent('''
    import sys
    import pyuvnet as net
    from pyuvnet import http

    def on_response(res):
        print('response', flush=True)
        # The body is not read yet (a paused socket alone would let run() end).
        net.setTimeout(res.resume, 60000)
    req = http.get({'host': '127.0.0.1', 'port': int(sys.argv[1])}, on_response)
    req.on('error', lambda err: None)
    net.run()
''')


def peak_rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no VmHWM for %d' % pid)


def start(script, *args):
    proc = subprocess.Popen([sys.executable, '-c', script, *map(str, args)],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def stop(proc):
    proc.kill()
    proc.wait()


def offer(sock, data, seconds, proc):
    """Send ``data`` over and over for ``seconds`` (what the peer's
    kernel takes); returns the bytes sent and the peer's peak RSS."""
    sock.setblocking(False)
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sent += sock.send(data)
        except BlockingIOError:
            time.sleep(0.005)
    time.sleep(0.3)
    return sent, peak_rss(proc.pid)


def test_a_pipelining_client_that_never_reads_leaves_the_server_bounded(figures):
    proc, port = start(SERVER)
    try:
        sock = socket.create_connection(('127.0.0.1', int(port)))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        request = b'GET /big/16384 HTTP/1.1\r\nHost: a\r\n\r\n'
        sent, peak = offer(sock, request * 64, scaled(3, 10), proc)
        sock.close()
    finally:
        stop(proc)
    figures(requests_sent=sent // len(request), server_peak_rss_mib=peak >> 20)
    assert sent // len(request) > 1000        # the client did pipeline
    assert peak < RSS_BOUND


def test_an_unread_upload_leaves_the_server_bounded(figures):
    proc, port = start(SERVER)
    try:
        sock = socket.create_connection(('127.0.0.1', int(port)))
        sock.sendall(b'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n' % (2 << 30))
        sent, peak = offer(sock, b'u' * (1 << 20), scaled(3, 10), proc)
        sock.close()
    finally:
        stop(proc)
    figures(upload_sent_mib=sent >> 20, server_peak_rss_mib=peak >> 20)
    assert peak < RSS_BOUND


def test_an_unread_response_leaves_the_client_bounded(figures):
    listener = socket.create_server(('127.0.0.1', 0))
    proc = subprocess.Popen([sys.executable, '-c', CLIENT, str(listener.getsockname()[1])],
                            stdout=subprocess.PIPE, text=True)
    try:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % (1 << 30))
        sent, peak = offer(conn, b'r' * (1 << 20), scaled(3, 10), proc)
        answered = proc.stdout.readline().strip()
        conn.close()
    finally:
        stop(proc)
        listener.close()
    figures(response_sent_mib=sent >> 20, client_peak_rss_mib=peak >> 20)
    assert answered == 'response'
    assert peak < RSS_BOUND
