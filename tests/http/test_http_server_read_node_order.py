"""Where a server's 'finish' and a request's 'data' and 'end' fall among
the ticks, microtasks and immediates of the read that brought the request
(issue 68).  Each order was run under Node 20.20.2 first, with the same
program in JavaScript (the log it printed is in each test's docstring).

Node's server parser gives each span of a body to 'data' as a callback of
its own, whose ticks and microtasks run before the next span and before
the message's end; its response written in end() gets 'finish' on the
next tick (afterWriteTick)."""
import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen

CHUNKED_HEAD = (b'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n'
                b'Connection: close\r\n\r\n')
THREE_CHUNKS = b'3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n'


def raw_exchange(server, *writes, gap=50):
    """A raw client writing ``writes`` ``gap`` ms apart; the server closes
    once the client's connection ends."""
    def connected(client):
        pending = list(writes)

        def send():
            client.write(pending.pop(0))
            if pending:
                net.setTimeout(send, gap)
        send()

    def go():
        client = net.connect(server.address().port, '127.0.0.1', lambda: connected(client))
        client.resume()
        client.on('end', server.close)
    listen(server, go)


def log_ticks(log, name):
    """A tick, a microtask and an immediate, each logging ``name``."""
    net.nextTick(lambda: log.append(name + ' tick'))
    net.queueMicrotask(lambda: log.append(name + ' micro'))


def test_an_answer_ended_at_once_finishes_on_the_next_tick(run_loop):
    """finish1.js: res.end('ok') in the 'request' listener, a tick, a
    microtask and an immediate queued before it, a tick (which queues
    another) and a microtask after it.  Node 20: ended, tick1, finish,
    tick2, close, tick2b, req end, micro1, micro2, immediate.  ('finish'
    came after the immediate before: the write, gathered for the turn's
    end, said it.)"""
    log = []

    def app(req, res):
        res.on('finish', lambda: log.append('finish'))
        res.on('close', lambda: log.append('close'))
        req.on('end', lambda: log.append('req end'))
        net.nextTick(lambda: log.append('tick1'))
        net.queueMicrotask(lambda: log.append('micro1'))
        net.setImmediate(lambda: log.append('immediate'))
        res.end('ok')
        net.nextTick(lambda: (log.append('tick2'),
                              net.nextTick(lambda: log.append('tick2b'))))
        net.queueMicrotask(lambda: log.append('micro2'))
        log.append('ended')
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': False},
                                    lambda res: (res.resume(), res.on('end', server.close))))
    run_loop()
    assert log == ['ended', 'tick1', 'finish', 'tick2', 'close', 'tick2b', 'req end',
                   'micro1', 'micro2', 'immediate']


def test_a_bytes_answer_with_a_finish_callback_finishes_on_the_next_tick(run_loop):
    """end(b'ok', callback) (the callback is a 'finish' listener): Node 20
    calls it on the tick after end(), before a tick queued after end()
    and before the immediate."""
    log = []

    def app(req, res):
        net.setImmediate(lambda: log.append('immediate'))
        res.end(b'ok', None, lambda *args: log.append('finished'))
        net.nextTick(lambda: log.append('tick'))
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': False},
                                    lambda res: (res.resume(), res.on('end', server.close))))
    run_loop()
    assert log == ['finished', 'tick', 'immediate']


def test_a_body_with_its_head_read_but_not_answered_ends_after_the_reads_microtasks(run_loop):
    """body2.js: a POST whose 5-byte body came with its head, read by a
    'data' listener that queues two ticks, two microtasks and an
    immediate; answered 10 ms after its 'end'.  Node 20, Content-Length
    and chunked alike: data hello, tick1, tick2, micro1, micro2, end,
    immediate."""
    for request in (b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n'
                    b'Connection: close\r\n\r\nhello',
                    CHUNKED_HEAD + b'5\r\nhello\r\n0\r\n\r\n'):
        log = []

        def app(req, res):
            def data(chunk):
                log.append('data ' + chunk.decode())
                net.nextTick(lambda: log.append('tick1'))
                net.nextTick(lambda: log.append('tick2'))
                net.queueMicrotask(lambda: log.append('micro1'))
                net.queueMicrotask(lambda: log.append('micro2'))
                net.setImmediate(lambda: log.append('immediate'))
            req.on('data', data)
            req.on('end', lambda: (log.append('end'), net.setTimeout(lambda: res.end('ok'), 10)))
        server = http.createServer(app)
        raw_exchange(server, request)
        run_loop()
        assert log == ['data hello', 'tick1', 'tick2', 'micro1', 'micro2', 'end', 'immediate']


def test_a_microtasks_tick_runs_before_the_end_of_a_body_read_with_its_head(run_loop):
    """get2.js: the 'request' listener listens to 'end' and 'data', then
    queues a tick, a microtask that queues a tick, and an immediate.
    Node 20: a GET (no body): tick1, end, micro1, tick in micro,
    immediate; a POST whose body came with its head: data, tick1,
    micro1, tick in micro, end, immediate."""
    requests = {
        'GET': b'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        'POST': b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'}
    logs = {}
    for method, request in requests.items():
        log = logs[method] = []

        def app(req, res, log=log):
            req.on('end', lambda: (log.append('end'), net.setTimeout(lambda: res.end('ok'), 10)))
            req.on('data', lambda chunk: log.append('data'))
            net.nextTick(lambda: log.append('tick1'))
            net.queueMicrotask(lambda: (log.append('micro1'),
                                        net.nextTick(lambda: log.append('tick in micro'))))
            net.setImmediate(lambda: log.append('immediate'))
        server = http.createServer(app)
        raw_exchange(server, request)
        run_loop()
    assert logs == {'GET': ['tick1', 'end', 'micro1', 'tick in micro', 'immediate'],
                    'POST': ['data', 'tick1', 'micro1', 'tick in micro', 'end', 'immediate']}


def chunked_request_log(run_loop, *writes):
    log = []

    def app(req, res):
        def data(chunk):
            log.append('data ' + chunk.decode())
            log_ticks(log, chunk.decode())
        req.on('data', data)
        req.on('end', lambda: (log.append('end'), res.end('ok')))
    server = http.createServer(app)
    raw_exchange(server, *writes)
    run_loop()
    return log


ONE_DATA_PER_CHUNK = ['data abc', 'abc tick', 'abc micro', 'data de', 'de tick', 'de micro',
                      'data f', 'f tick', 'f micro', 'end']


def test_chunks_read_with_their_head_are_one_data_each_with_their_ticks_between(run_loop):
    """chunks3s.js: a chunked request whose three chunks came in the read
    of its head.  Node 20: one 'data' per chunk, each one's tick and
    microtask before the next 'data', then 'end'."""
    assert chunked_request_log(run_loop, CHUNKED_HEAD + THREE_CHUNKS) == ONE_DATA_PER_CHUNK


def test_chunks_read_after_their_head_are_one_data_each_with_their_ticks_between(run_loop):
    """chunks3s2.js: the head, then 50 ms later the three chunks in one
    write.  Node 20: as when they came with the head."""
    assert chunked_request_log(run_loop, CHUNKED_HEAD, THREE_CHUNKS) == ONE_DATA_PER_CHUNK


def test_a_chunked_response_read_at_once_is_one_data_per_chunk(run_loop):
    """chunks3.js, the client's side: a raw server answers with three
    chunks in one write.  Node 20's client parses in the socket's 'data'
    listener, so the chunks' 'data' come together, then their ticks (the
    'end' among them) and microtasks: data abc, data de, data f, tick,
    tick, end, tick, micro, micro, micro."""
    log = []
    server = net.createServer(lambda sock: sock.once('data', lambda data: sock.end(
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
        + THREE_CHUNKS)))

    def on_response(res):
        def data(chunk):
            log.append('data ' + chunk.decode())
            net.nextTick(lambda: log.append('tick'))
            net.queueMicrotask(lambda: log.append('micro'))
        res.on('data', data)
        res.on('end', lambda: (log.append('end'), server.close()))
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': False}, on_response))
    run_loop()
    assert [entry for entry in log if entry.startswith('data')] == ['data abc', 'data de',
                                                                   'data f']
    assert log[:3] == ['data abc', 'data de', 'data f'] and log[-3:] == ['micro'] * 3
