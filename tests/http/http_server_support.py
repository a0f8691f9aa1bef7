"""What the tests of pyuvnet.http's server share (tests/http/test_http_server_*.py,
test_http_request_body.py, test_http_message_gc.py, ...): a raw client that
writes the request bytes it is given, listen(), a server serving a client
thread (serve_client), an app collecting the request bodies."""
import json
import sys
import threading
import time

import pyuvnet as net
import pyuvnet.http as http

GET = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'


def raw_client(server, chunks=(GET,), delay=0):
    """Connects to ``server`` and writes ``chunks``, ``delay`` ms apart;
    returns (received chunks, [close time], socket)."""
    out, closed = [], []
    sock = net.connect(server.address().port, '127.0.0.1')
    sock.on('data', out.append)
    sock.on('close', lambda had_error: closed.append(time.monotonic()))
    sock.on('error', lambda err: None)
    pending = list(chunks)

    def send():
        if pending and not sock.destroyed:
            sock.write(pending.pop(0))
            if pending:
                net.setTimeout(send, delay)
    send()
    return out, closed, sock


def listen(server, then):
    server.listen(0, '127.0.0.1', then)
    return server


def serve_client(run_loop, server, client, *args):
    """Listen, run ``client(port, *args)`` on a thread, run the loop until
    the server is done (at most 10 s), and join the thread."""
    threads = []

    def listening():
        thread = threading.Thread(target=client, args=(server.address().port, *args))
        thread.start()
        threads.append(thread)
    server.listen(0, '127.0.0.1', listening)
    try:
        run_loop(10)
    finally:
        sys.setprofile(None)
        for thread in threads:
            thread.join(10)


def collect_bodies(seen, expected):
    """An app that records (url, body, 'end' count, complete) per request,
    answers it, and closes the server after ``expected`` requests."""
    def app(req, res):
        chunks, ends = [], []
        req.on('data', chunks.append)

        def on_end():
            ends.append(1)
            seen.append((req.url, b''.join(chunks), len(ends), req.complete))
            res.end('ok')
            if len(seen) == expected:
                server.close()
        req.on('end', on_end)
    server = http.createServer(app)
    return server


def echo_app(req, res):
    body = []
    req.on('data', body.append)
    req.on('end', lambda: res.end(json.dumps({
        'method': req.method, 'te': req.headers.get('transfer-encoding'),
        'body': b''.join(body).decode()})))
