"""A fuzz over real sockets (run under ASan by `make asan`; more cases
with PYUVNET_FUZZ_EXAMPLES): mutated answers to pyuvnet's http client,
and mutated requests to pyuvnet's http server, over loopback.  Whatever
comes, each request ends with exactly one 'response' or one 'error', then
one 'close', and nothing after it; each server connection is answered or
refused and closed, and the server still answers a valid request after.
Seeded: a failure is the same on the next run."""
import os
import random

import pyuvnet as net
import pyuvnet.http as http

CASES = int(os.environ.get('PYUVNET_FUZZ_EXAMPLES', 60))

RESPONSES = [
    b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    b'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nT: 1\r\n\r\n',
    b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    b'HTTP/1.0 200 OK\r\nX: y\r\n\r\nuntil close',
    b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nraw',
]
REQUESTS = [
    b'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n',
    b'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
    b'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\n\r\n',
    b'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    b'POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz',
]
SPECIAL = [b'\r', b'\n', b'\r\n', b':', b' ', b'\t', b'\x00', b'\x7f', b'\xff', b';', b'0',
           b'Content-Length: 3\r\n', b'Transfer-Encoding: chunked\r\n', b'\r\n\r\n']


def mutate(rng, message):
    data = bytearray(message)
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(data))
        kind = rng.randrange(4)
        if kind == 0 and data:
            data[min(where, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            data[where:where] = rng.choice(SPECIAL)
        elif kind == 2:
            del data[where:where + rng.randint(1, 8)]
        else:
            data = data[:where]
    return bytes(data)


def test_mutated_answers_give_each_request_one_outcome_then_close(run_loop):
    rng = random.Random(26)
    answers = [mutate(rng, rng.choice(RESPONSES)) for _ in range(CASES)]
    served = []

    def answer(conn):
        # The connections come one at a time, in the order of ``answers``.
        data = answers[len(served)]
        served.append(conn)
        conn.on('error', lambda error: None)
        conn.once('data', lambda request: conn.end(data))
    server = net.createServer(answer)
    records = []

    def one(index):
        if index == len(answers):
            server.close()
            return
        events = []
        records.append(events)

        def on_response(res):
            events.append('response')
            res.on('data', lambda data: None)
            res.on('error', lambda error: None)

        def on_close():
            events.append('close')
            net.setImmediate(one, index + 1)
        req = http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': False},
                       on_response)
        req.on('error', lambda error: events.append(('error', getattr(error, 'code', None))))
        req.on('upgrade', lambda res, socket, head: (events.append('upgrade'), socket.destroy()))
        req.on('close', on_close)
    server.listen(0, '127.0.0.1', lambda: one(0))
    run_loop(30)
    assert len(records) == len(answers)
    for answer, events in zip(answers, records):
        # As Node's: an answer cut or broken after its head is a 'response'
        # and then the request's 'error'.
        heads = [e for e in events if e in ('response', 'upgrade')]
        failures = [e for e in events if isinstance(e, tuple)]
        assert len(heads) <= 1 and len(failures) <= 1 and heads + failures, (answer, events)
        assert events[-1] == 'close' and events.count('close') == 1, (answer, events)


def test_mutated_requests_are_answered_or_refused_and_the_server_lives(run_loop):
    rng = random.Random(62)
    requests = [mutate(rng, rng.choice(REQUESTS)) for _ in range(CASES)]
    errors = []

    def app(req, res):
        req.on('data', lambda data: None)
        req.on('end', lambda: res.end('ok'))
    server = http.createServer({'headersTimeout': 500, 'requestTimeout': 1000,
                                'connectionsCheckingInterval': 100}, app)
    server.on('clientError', lambda error, socket: (errors.append(error.code),
                                                    socket.destroy()))
    closed = []
    final = []

    def one(index):
        if index == len(requests):
            http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': False},
                     lambda res: (final.append(res.statusCode), res.resume(),
                                  res.on('end', server.close)))
            return
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.on('error', lambda error: None)
        sock.on('data', lambda data: None)
        sock.on('close', lambda had_error: (closed.append(index), net.setImmediate(one, index + 1)))
        sock.end(requests[index])
    server.listen(0, '127.0.0.1', lambda: one(0))
    run_loop(60)
    assert closed == list(range(len(requests)))
    assert final == [200]
    assert all(code and code.startswith(('HPE_', 'ERR_', 'ECONNRESET')) for code in errors)
