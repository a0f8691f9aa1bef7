"""Closing a server without cutting what it answered, the keep-alive
timeout against half a head, and socket.bytesRead as 'data' sees it
(issue 39's closing findings, each checked against Node 20 by the audit
in ../shared/audits/http: t15 section B)."""
import time

import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen

BIG = 32 << 20      # more than loopback's kernel buffers take at once


def answer_then(op):
    """A handler that ends a BIG answer and at once calls ``op`` on the
    server; the client reads it all (or what arrives before the close)."""
    received = [0]
    ended = []

    def app(req, res):
        req.resume()
        res.end(b'a' * BIG)
        getattr(server, op)()
    server = http.createServer(app)

    def start():
        def got(res):
            res.on('data', lambda chunk: received.__setitem__(0, received[0] + len(chunk)))
            res.on('end', lambda: ended.append(True))
            res.on('aborted', lambda: ended.append(False))
            res.on('error', lambda err: None)
        req = http.get({'port': server.address().port, 'host': '127.0.0.1'}, got)
        req.on('error', lambda err: ended.append(err))
    listen(server, start)
    return server, received, ended


def test_close_from_the_handler_after_end_does_not_cut_the_answer(run_loop):
    server, received, ended = answer_then('close')
    run_loop(20)
    assert received[0] == BIG and ended == [True]


def test_close_idle_connections_from_the_handler_after_end_does_not_cut_it(run_loop):
    """Node counts the connection whose request is being handled as busy
    (its message is still being parsed when the listener runs)."""
    server, received, ended = answer_then('closeIdleConnections')

    def finish():
        if ended:
            server.close()
        else:
            net.setTimeout(finish, 20)
    finish()
    run_loop(20)
    assert received[0] == BIG and ended == [True]


def test_half_a_second_head_is_cut_by_the_keep_alive_timeout(run_loop):
    """After an answer, half of a next head and silence: the keep-alive
    timeout closes the connection (Node's), not headersTimeout (main
    waited for it: 60 s by default)."""
    times = {}
    server = http.createServer({'keepAliveTimeout': 100, 'headersTimeout': 8000,
                                'requestTimeout': 9000},
                               lambda req, res: res.end('ok'))

    def start():
        client = net.connect(server.address().port, '127.0.0.1')
        client.write(b'GET / HTTP/1.1\r\nHost: a\r\n\r\n')

        def on_data(chunk):
            if 'half' not in times:
                times['half'] = time.monotonic()
                client.write(b'GET /second HTTP/1.1\r\nHo')
        client.on('data', on_data)
        client.on('end', lambda: None)
        client.on('close', lambda had_error: (times.__setitem__('closed', time.monotonic()),
                                              server.close()))
    listen(server, start)
    run_loop(10)
    # keepAliveTimeout plus Node 20's one-second buffer, well before 8 s.
    assert times['closed'] - times['half'] < 4.0


def test_bytes_read_in_a_data_listener_counts_the_chunks_delivered(run_loop):
    """A 256 KiB read goes out as 64 KiB chunks; socket.bytesRead, read in
    each chunk's listener, is what was delivered so far (Node's count; main
    counted the whole read before its first chunk)."""
    seen = []

    def on_connection(sock):
        total = [0]

        def on_data(chunk):
            total[0] += len(chunk)
            seen.append((sock.bytesRead, total[0]))
            if total[0] >= 256 << 10:
                sock.end()
                server.close()
        sock.on('data', on_data)
    server = net.createServer(on_connection)

    def start():
        client = net.connect(server.address().port, '127.0.0.1',
                             lambda: client.write(b'r' * (256 << 10)))
        client.resume()
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert seen and all(read == delivered for read, delivered in seen)
    assert seen[-1][1] == 256 << 10
