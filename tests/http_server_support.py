"""What the tests of pyuvnet.http's server share (tests/test_http_server_*.py,
test_http_request_body.py, test_http_message_gc.py): a raw client that
writes the request bytes it is given, and listen()."""
import time

import pyuvnet as net

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
