"""The head after a large body, read alone.  After a message with a
Content-Length body of 16 KiB or more, the parser asks for a read of the
last head's length only (pyuvnet/uv/http/parser.pyx, parser_read_buffer),
so that the next body lands in a bytes object of its own, uncopied.  The
length is a guess: a head longer than the last is cut by it, a shorter one
brings body bytes along, a GET or a pipelined batch may come instead.
Whatever comes, every message is parsed whole, every body arrives intact
and in order, and the answers keep their order: a miss costs a read, never
a byte."""
import random

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import listen, raw_client
from http_server_support import collect_bodies

BODIES = random.Random(2611).randbytes(300_000)


def body(size, seed):
    """``size`` bytes of BODIES from an offset of its own (no two alike)."""
    start = (seed * 7919) % (len(BODIES) - size)
    return BODIES[start:start + size]


# A request: (its bytes, what collect_bodies records for it).

def post(url, data, extra=b''):
    return (b'POST %s HTTP/1.1\r\nHost: a\r\n%sContent-Length: %d\r\n\r\n'
            % (url.encode(), extra, len(data)) + data, (url, data, 1, True))


def chunked(url, data, piece=20_000):
    pieces = [data[i:i + piece] for i in range(0, len(data), piece)]
    return (b'POST %s HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' % url.encode()
            + b''.join(b'%x\r\n%s\r\n' % (len(p), p) for p in pieces) + b'0\r\n\r\n',
            (url, data, 1, True))


def get(url):
    return b'GET %s HTTP/1.1\r\nHost: a\r\n\r\n' % url.encode(), (url, b'', 1, True)


def wire(requests):
    return [raw for raw, _ in requests]


def wanted(requests):
    return [seen for _, seen in requests]


def one_at_a_time(server, requests, answers):
    """A raw connection that writes each of ``requests`` (one write each)
    once the answer to the one before has come; ``answers`` gets them all
    at the close."""
    sock = net.connect(server.address().port, '127.0.0.1')
    received = []
    pending = list(requests)

    def on_data(data):
        received.append(data)
        if b''.join(received).count(b'HTTP/1.1 200') == len(requests) - len(pending) and pending:
            sock.write(pending.pop(0))
    sock.on('data', on_data)
    sock.on('close', lambda had_error: answers.append(b''.join(received)))
    sock.write(pending.pop(0))
    return sock


def test_large_uploads_repeating_their_head_on_a_keep_alive_connection_arrive_intact(run_loop):
    requests = [post('/up', body(65536, i)) for i in range(12)]
    seen, answers = [], []
    server = collect_bodies(seen, len(requests))
    listen(server, lambda: one_at_a_time(server, wire(requests), answers))
    run_loop(20)
    assert seen == wanted(requests)


def test_heads_longer_shorter_and_absent_after_a_large_body_are_each_parsed_whole(run_loop):
    """Each request a write of its own, after the answer to the one before:
    the same head (the read of its length takes it exactly); a longer one
    (cut by that read); a shorter one (the read brings body bytes with
    it); a GET shorter than the guess; small and chunked bodies between
    large ones; a body over a chunk."""
    pad = b'X-Pad: %s\r\n' % (b'p' * 300)
    short = body(30000, 6)
    requests = [
        post('/1', body(65536, 1)),
        post('/2', body(65536, 2)),
        post('/3-longer', body(65536, 3), pad),
        post('/4', body(40000, 4)),
        post('/4', body(40000, 5)),
        (b'POST /5 HTTP/1.1\r\nHost:a\r\nContent-Length:30000\r\n\r\n' + short,
         ('/5', short, 1, True)),
        get('/6'),
        post('/7', body(20, 7)),
        post('/8', body(70000, 8)),
        chunked('/9', body(100_000, 9)),
        post('/10', body(150_000, 10)),
        post('/11', body(16384, 11)),
        post('/11', body(16384, 12)),
    ]
    seen, answers = [], []
    server = collect_bodies(seen, len(requests))
    listen(server, lambda: one_at_a_time(server, wire(requests), answers))
    run_loop(20)
    assert seen == wanted(requests)
    assert answers[0].count(b'HTTP/1.1 200 OK') == len(requests)


def test_a_pipelined_batch_after_a_large_body_is_answered_in_order(run_loop):
    """After two large uploads, one write carries a large upload, a GET, a
    small upload and another large one: the head read takes part of that
    batch, the rest follows, in order."""
    first = [post('/a', body(65536, 20)), post('/b', body(65536, 21))]
    batch = [post('/c', body(65536, 22)), get('/d'), post('/e', body(100, 23)),
             post('/f', body(65536, 24))]
    seen, answers = [], []
    server = collect_bodies(seen, len(first) + len(batch))
    listen(server, lambda: one_at_a_time(server, [*wire(first), b''.join(wire(batch))], answers))
    run_loop(20)
    assert seen == wanted(first + batch)
    assert answers[0].count(b'\r\n\r\nok') == len(first) + len(batch)


def test_a_head_trickling_in_after_a_large_body_is_parsed_whole(run_loop):
    """The head after a large body comes a few bytes at a time, its body
    in two pieces: the reads the head's guess asks for come short."""
    first, first_seen = post('/first', body(65536, 30))
    second, second_seen = post('/second', body(65536, 31))
    head_end = second.index(b'\r\n\r\n') + 4
    pieces = [first] + [second[i:min(i + 7, head_end)] for i in range(0, head_end, 7)] + [
        second[head_end:head_end + 1000], second[head_end + 1000:]]
    seen = []
    server = collect_bodies(seen, 2)
    listen(server, lambda: raw_client(server, pieces, delay=3))
    run_loop(20)
    assert seen == [first_seen, second_seen]


def test_a_client_reads_large_answers_around_a_head_answer_intact(run_loop):
    """A keep-alive client's parser guesses too: large answers, the answer
    to a HEAD (a Content-Length and no body), then large answers again."""
    payloads = [body(80_000, 40), body(65536, 41), body(65536, 42)]
    got = []

    def app(req, res):
        data = payloads[int(req.url[1:])]
        res.writeHead(200, {'Content-Length': len(data)})
        res.end(None if req.method == 'HEAD' else data)
    server = http.createServer(app)
    agent = http.Agent({'keepAlive': True, 'maxSockets': 1})
    plan = [('GET', 0), ('GET', 1), ('HEAD', 2), ('GET', 2), ('GET', 1)]

    def ask(index=0):
        if index == len(plan):
            agent.destroy()
            server.close()
            return
        method, which = plan[index]

        def on_response(res):
            chunks = []
            res.on('data', chunks.append)
            res.on('end', lambda: (got.append((method, b''.join(chunks))), ask(index + 1)))
        http.request({'port': server.address().port, 'host': '127.0.0.1', 'path': f'/{which}',
                      'method': method, 'agent': agent}, on_response).end()
    listen(server, ask)
    run_loop(20)
    assert got == [(method, b'' if method == 'HEAD' else payloads[which])
                   for method, which in plan]
