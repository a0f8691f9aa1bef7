"""A message's body as its IncomingMessage gives it.  The parser reads a
TCP socket's buffer where libuv left it (pyuvnet/uv/http/parser.pyx,
``parse_read``) and copies the body once, into the bytes of its 'data':
the body arrives intact whatever the reads' boundaries, in Node's chunks
of at most 64 KiB (Node 20 gives a 300 KiB body written at once as six
chunks, the largest 65,536 bytes), paused and resumed mid-read, with no
'data' listener, decoded, through the asyncio bridge, and the bytes after
an upgrade's head reach the socket's new listener.  Its reads enter no
Python function of pyuvnet's, only the user's listeners."""
import asyncio
import random
import socket
import sys

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import collect_bodies, listen, raw_client, serve_client
from support import pyuvnet_frames

HEAD = b'POST /%d HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n'
LARGE = bytes(range(256)) * 1200        # 300 KiB: five 64 KiB chunks and a bit


def send(server, chunks, delay=5, on_close=None):
    """A raw connection to ``server`` writing ``chunks`` ``delay`` ms
    apart (so that each is a read of its own); returns what it received."""
    out, _, sock = raw_client(server, chunks, delay)
    if on_close is not None:
        sock.on('close', lambda had_error: on_close(b''.join(out)))
    return out


def test_two_bodies_split_at_every_boundary_arrive_intact_once(run_loop):
    """A Content-Length body and a chunked one pipelined on a connection,
    cut into two reads at each byte: head, body and the next message's
    head meet at every possible place."""
    first = HEAD % (1, 10) + b'0123456789'
    second = (b'POST /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n'
              b'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n')
    stream = first + second
    seen = []
    server = collect_bodies(seen, 2 * (len(stream) - 1))

    def start():
        for cut in range(1, len(stream)):
            send(server, [stream[:cut], stream[cut:]])
    listen(server, start)
    run_loop(10)
    assert sorted(seen) == ([('/1', b'0123456789', 1, True)] * (len(stream) - 1)
                            + [('/2', b'abcdefg', 1, True)] * (len(stream) - 1))


def test_a_large_body_written_at_once_comes_in_chunks_of_at_most_64_kib(run_loop):
    sizes = []

    def app(req, res):
        chunks = []
        req.on('data', lambda chunk: (chunks.append(chunk), sizes.append(len(chunk))))
        req.on('end', lambda: (res.end(b'%d' % (b''.join(chunks) == LARGE)), server.close()))
    server = http.createServer(app)
    answers = []
    listen(server, lambda: send(server, [HEAD % (1, len(LARGE)) + LARGE + HEAD % (2, 0)],
                                on_close=answers.append))
    run_loop()
    assert sum(sizes) == len(LARGE) and max(sizes) == 65536
    assert answers[0].count(b'\r\n\r\n1') == 1


def test_pause_in_a_data_listener_holds_the_rest_of_the_read_until_resume(run_loop):
    log, chunks = [], []

    def app(req, res):
        def on_data(chunk):
            chunks.append(chunk)
            log.append('data')
            if len(chunks) == 1:
                req.pause()
                log.append(('paused', req.isPaused()))

                def resume():
                    log.append('resume')
                    req.resume()
                net.setTimeout(resume, 30)
        req.on('data', on_data)
        req.on('end', lambda: (log.append('end'), res.end(), server.close()))
    server = http.createServer(app)
    listen(server, lambda: send(server, [HEAD % (1, len(LARGE)) + LARGE]))
    run_loop()
    assert log[:3] == ['data', ('paused', True), 'resume']
    assert log[-1] == 'end' and set(log[3:-1]) == {'data'}
    assert b''.join(chunks) == LARGE


def test_a_body_with_no_data_listener_ends_only_after_resume(run_loop):
    log = []
    waits = [False] + [True] * 500     # at most 5 s more

    def app(req, res):
        req.on('end', lambda: (log.append(('end', req.complete)), res.end(), server.close()))

        def resume():
            # Both parts buffered first: on a loaded machine the second
            # (sent 5 ms after the first) can come after 40 ms.
            if req.readableLength < 6 and waits.pop():
                net.setTimeout(resume, 10)
                return
            log.append(('resume', req.readableLength))
            req.resume()
        net.setTimeout(resume, 40)
    server = http.createServer(app)
    listen(server, lambda: send(server, [HEAD % (1, 6) + b'abc', b'def']))
    run_loop()
    assert log == [('resume', 6), ('end', True)]


def test_set_encoding_decodes_a_character_split_between_reads(run_loop):
    text = 'h\u00e9llo \u20ac!'
    body = text.encode()
    cut = body.index('\u20ac'.encode()) + 1
    got = []

    def app(req, res):
        req.setEncoding('utf8')
        req.on('data', got.append)
        req.on('end', lambda: (res.end(), server.close()))
    server = http.createServer(app)
    listen(server, lambda: send(server, [HEAD % (1, len(body)) + body[:cut], body[cut:]]))
    run_loop()
    assert ''.join(got) == text and all(type(chunk) is str for chunk in got)


def test_bytes_after_an_upgrade_head_reach_the_sockets_listener_past_the_first_chunk(run_loop):
    got = []

    def on_upgrade(req, socket, head):
        got.append(head)

        def on_data(chunk):
            got.append(chunk)
            if sum(map(len, got)) == len(LARGE):
                socket.end()
                server.close()
        socket.on('data', on_data)
        socket.resume()     # (Node leaves it neither paused nor flowing)
    server = http.createServer(lambda req, res: res.end())
    server.on('upgrade', on_upgrade)
    request = b'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n'
    listen(server, lambda: send(server, [request + LARGE]))
    run_loop()
    assert b''.join(got) == LARGE and len(got) > 2 and len(got[0]) < 65536


def test_async_for_reads_a_large_body_intact_through_the_bridge():
    """The bridge pauses the request once 64 KiB wait unread, in the
    middle of one read of the socket."""
    from pyuvnet import aio

    async def main():
        async with aio.attach():
            async def handle(req, res):
                chunks = []
                async for chunk in req:
                    chunks.append(chunk)
                    await asyncio.sleep(0.001)
                res.end(b'%d' % (b''.join(chunks) == LARGE))
            server = http.createServer(lambda req, res: asyncio.ensure_future(handle(req, res)))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            sock.write(b'POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n'
                       b'Content-Length: %d\r\n\r\n%s' % (len(LARGE), LARGE))
            answer = b''.join([chunk async for chunk in aio.iterate(sock)])
            await aio.aclose(server)
            return answer

    assert asyncio.run(asyncio.wait_for(main(), 5)).endswith(b'\r\n\r\n1')


def test_large_responses_reach_a_keep_alive_client_intact_request_after_request(run_loop):
    """The client's parser reads its socket's buffer too, and gives the
    socket back to the agent for the next request."""
    agent = http.Agent({'keepAlive': True, 'maxSockets': 1})
    server = http.createServer(lambda req, res: res.end(LARGE))
    results = []

    def get(n):
        def on_response(res):
            chunks = []
            res.on('data', chunks.append)

            def on_end():
                results.append((b''.join(chunks) == LARGE, max(map(len, chunks)) <= 65536))
                if n < 3:
                    get(n + 1)
                else:
                    agent.destroy()
                    server.close()
            res.on('end', on_end)
        http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent},
                 on_response)
    listen(server, lambda: get(1))
    run_loop()
    assert results == [(True, True)] * 3


def _upload(port, count, failures):
    """``count`` POSTs of LARGE on one keep-alive connection, each answer
    read before the next request."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
            for _ in range(count):
                conn.sendall(HEAD % (1, len(LARGE)) + LARGE)
                data = b''
                while not data.endswith(b'\r\n\r\n%d' % len(LARGE)):
                    chunk = conn.recv(65536)
                    assert chunk, 'the server closed the connection'
                    data += chunk
    except Exception as exc:        # reported by the test, not lost in the thread
        failures.append(exc)


def test_an_upload_runs_no_pyuvnet_python(run_loop):
    """10 uploads of 300 KiB on one connection, read with 'data' and 'end'
    listeners added in 'request' (the flow starts, the body comes over
    several reads and chunks): from the third request's listener to the
    eighth's, no Python frame of pyuvnet's."""
    counts, profile = pyuvnet_frames()
    seen, failures = [], []
    server = http.createServer()

    def on_request(req, res):
        seen.append(req)
        n = len(seen)
        if n == 3:
            sys.setprofile(profile)
        elif n == 8:
            sys.setprofile(None)
        length = []
        req.on('data', lambda chunk: length.append(len(chunk)))
        req.on('end', lambda: res.end(b'%d' % sum(length)))
        if n == 10:
            req.on('close', lambda: (server.close(), server.closeAllConnections()))
    server.on('request', on_request)
    serve_client(run_loop, server, _upload, 10, failures)
    assert failures == [] and len(seen) == 10
    assert counts == {}


# In a Content-Length body with 16 KiB or more to come, a read lands in a
# bytes object of the body's rest (at most 64 KiB) that becomes the 'data'
# chunk as it is (HTTPParser's read buffer).  These pin what a user sees
# of that: the bytes, in order, each chunk its own unchanging object, and
# the next message read after the body's end.
RANDOM = random.Random(26).randbytes(1 << 20)       # 1 MiB; bytes(range()) would hide a shift


def _pieces(body, sizes):
    """``body`` cut into pieces of ``sizes`` in turn (round after round)."""
    pieces, start, turn = [], 0, 0
    while start < len(body):
        size = sizes[turn % len(sizes)]
        pieces.append(body[start:start + size])
        start += size
        turn += 1
    return pieces


def test_a_body_written_in_pieces_arrives_intact_each_chunk_unchanged_afterwards(run_loop):
    """1 MiB in pieces of 1 B to 100 KiB, 2 ms apart: reads that fill the
    offered bytes, reads that fill part of it, pieces larger than a chunk.
    Every chunk kept is compared at the end: none changed after it was
    given."""
    kept = []

    def app(req, res):
        req.on('data', kept.append)
        req.on('end', lambda: (res.end(b'%d' % len(kept)), server.close()))
    server = http.createServer(app)
    pieces = [HEAD % (1, len(RANDOM)) + RANDOM[:100]] + _pieces(
        RANDOM[100:], [1, 17000, 65536, 100000, 40000, 70000, 300])
    listen(server, lambda: send(server, pieces, delay=2))
    run_loop(20)
    assert all(type(chunk) is bytes and 0 < len(chunk) <= 65536 for chunk in kept)
    assert b''.join(kept) == RANDOM
    offsets = [0]
    for chunk in kept:
        offsets.append(offsets[-1] + len(chunk))
    assert all(RANDOM[start:start + len(chunk)] == chunk
               for start, chunk in zip(offsets, kept))


def test_the_request_after_a_body_read_in_its_own_bytes_is_answered_in_order(run_loop):
    """The body's last 40 KiB and two pipelined requests come in one write:
    the read that takes the body stops at its end, and the rest is parsed
    as the next messages."""
    seen = []
    server = collect_bodies(seen, 3)
    body = RANDOM[:50000]
    first = HEAD % (1, len(body)) + body[:10000]
    rest = body[10000:] + HEAD % (2, 5) + b'hello' + b'GET /3 HTTP/1.1\r\nHost: a\r\n\r\n'
    answers = []
    listen(server, lambda: send(server, [first, rest], delay=20, on_close=answers.append))
    run_loop()
    assert seen == [('/1', body, 1, True), ('/2', b'hello', 1, True), ('/3', b'', 1, True)]


def test_pause_and_resume_inside_a_body_read_in_pieces(run_loop):
    """A listener pauses on every fourth chunk and resumes 5 ms later: the
    reads between come paused (in the loop's buffer, Node's chunks) and
    flowing (in the body's own bytes) in turn, and the body is intact."""
    chunks = []

    def app(req, res):
        def on_data(chunk):
            chunks.append(chunk)
            if len(chunks) % 4 == 0:
                req.pause()
                net.setTimeout(req.resume, 5)
        req.on('data', on_data)
        req.on('end', lambda: (res.end(), server.close()))
    server = http.createServer(app)
    pieces = [HEAD % (1, len(RANDOM))] + _pieces(RANDOM, [30000, 65536, 5000])
    listen(server, lambda: send(server, pieces, delay=1))
    run_loop(20)
    assert b''.join(chunks) == RANDOM and max(map(len, chunks)) <= 65536


def test_a_client_gone_in_the_middle_of_a_large_body_aborts_the_request(run_loop):
    """The client sends 100 KiB of 1 MiB and closes: the request is not
    complete, emits 'error' (Node's ECONNRESET, 'aborted') and 'close', and
    the server has no connection left."""
    log = []

    def app(req, res):
        got = []
        req.on('data', got.append)
        req.on('error', lambda err: log.append(('error', err.code, str(err))))

        def on_close():
            log.append(('close', req.complete, len(b''.join(got))))
            server.getConnections(lambda err, count: (log.append(('connections', count)),
                                                      server.close()))
        req.on('close', on_close)
    server = http.createServer(app)

    def start():
        out, _, sock = raw_client(server, [HEAD % (1, len(RANDOM)), RANDOM[:50000],
                                           RANDOM[50000:100000]], 5)
        net.setTimeout(sock.destroy, 60)
    listen(server, start)
    run_loop()
    assert log == [('error', 'ECONNRESET', 'aborted'), ('close', False, 100000),
                   ('connections', 0)]


def test_a_client_reads_a_response_body_written_in_pieces_intact(run_loop):
    """The client's parser reads a Content-Length response body into its
    own bytes too."""
    body = RANDOM[:300000]
    got = []

    def on_connection(sock):
        pieces = [b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body)] + _pieces(
            body, [70000, 20000, 1, 40000])

        def send_next():
            if pieces:
                sock.write(pieces.pop(0))
                net.setTimeout(send_next, 2)
            else:
                sock.end()
        send_next()
    server = net.createServer(on_connection)

    def on_response(res):
        res.on('data', got.append)
        res.on('end', lambda: server.close())
    server.listen(0, '127.0.0.1', lambda: http.get(
        {'port': server.address().port, 'host': '127.0.0.1', 'agent': False}, on_response))
    run_loop()
    assert b''.join(got) == body and max(map(len, got)) <= 65536
