"""An OutgoingMessage's Writable answers, as Node 20's (issue 68): a legacy
Stream whose few fields (ended, destroyed, errored, the corks and writes
made before its socket) and its socket's make them.  Each expectation was
run under /usr/bin/node (v20.20) first; the Node file is named in each
test, or "pinned" when the program was written for this file."""
import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen


def code(error):
    return None if error is None else error.code


def serve(run_loop, app, method='GET', body=None):
    """One request to a server running ``app``; the server closes at the
    request's answer."""
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': method},
                           lambda res: (res.resume(), res.on('end', server.close)))
        req.on('error', lambda error: server.close())
        req.end(body)
    listen(server, go)
    run_loop()


def test_a_bare_message_destroyed_refuses_a_write_by_its_callback_alone(run_loop):
    """test-http-outgoing-destroy.js: destroyed at once; write() calls back
    with ERR_STREAM_DESTROYED and emits no 'error'."""
    message = http.OutgoingMessage()
    log = []
    assert message.destroyed is False
    message.destroy()
    assert message.destroyed is True
    message.on('error', lambda error: log.append(('error', code(error))))
    assert message.write('asd', lambda error=None: log.append(code(error))) is False
    run_loop()
    assert log == ['ERR_STREAM_DESTROYED']


def test_end_after_end_fails_as_node_20s(run_loop):
    """test-http-outgoing-end-multiple.js, as Node 20 runs it: end() again
    with no chunk, once every byte left, calls back at once with
    ERR_STREAM_ALREADY_FINISHED; end(chunk) and write() after end() call
    back with ERR_STREAM_WRITE_AFTER_END, each followed by 'error'; after
    'close', end() still answers ALREADY_FINISHED and write() WRITE_AFTER_END
    (by its callback only: the response is destroyed)."""
    log = []

    def app(req, res):
        res.end('testing ended state', lambda error=None: log.append(('end1', code(error))))
        log.append(('corked', res.writableCorked))
        res.end(lambda error=None: log.append(('end2', code(error))))
        res.end('end', lambda error=None: log.append(('end3', code(error))))
        res.write('w', lambda error=None: log.append(('write', code(error))))
        res.on('error', lambda error: log.append(('error', code(error))))
        res.on('finish', lambda: log.append('finish'))

        def on_close():
            log.append(('close', res.destroyed, res.closed))
            res.end(lambda error=None: log.append(('end4', code(error))))
            res.write('z', lambda error=None: log.append(('write4', code(error))))
        res.on('close', on_close)
    serve(run_loop, app)
    assert log[0] == ('corked', 0)
    # When the socket still holds the answer (its write not taken yet),
    # end() waits for 'finish' instead, as Node's: only that may differ.
    assert log[1:] in ([
        ('end2', 'ERR_STREAM_ALREADY_FINISHED'), ('end1', None), 'finish',
        ('end3', 'ERR_STREAM_WRITE_AFTER_END'), ('error', 'ERR_STREAM_WRITE_AFTER_END'),
        ('write', 'ERR_STREAM_WRITE_AFTER_END'), ('error', 'ERR_STREAM_WRITE_AFTER_END'),
        ('close', True, True), ('end4', 'ERR_STREAM_ALREADY_FINISHED'),
        ('write4', 'ERR_STREAM_WRITE_AFTER_END')], [
        ('end3', 'ERR_STREAM_WRITE_AFTER_END'), ('error', 'ERR_STREAM_WRITE_AFTER_END'),
        ('write', 'ERR_STREAM_WRITE_AFTER_END'), ('error', 'ERR_STREAM_WRITE_AFTER_END'),
        ('end1', None), 'finish', ('end2', None),
        ('close', True, True), ('end4', 'ERR_STREAM_ALREADY_FINISHED'),
        ('write4', 'ERR_STREAM_WRITE_AFTER_END')])


def test_write_after_end_calls_back_then_emits_error_on_the_next_tick(run_loop):
    """Pinned: Node's onError, the callback first, then 'error', in one
    tick after the write; write() answers False at once."""
    log = []

    def app(req, res):
        res.end('b')
        res.on('error', lambda error: log.append(('error', code(error))))
        assert res.write('c', lambda error=None: log.append(('callback', code(error)))) is False
        log.append('returned')
        net.nextTick(lambda: log.append('tick'))
    serve(run_loop, app)
    assert log == ['returned', ('callback', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('error', 'ERR_STREAM_WRITE_AFTER_END'), 'tick']


def test_write_none_is_refused_with_null_values_at_once(run_loop):
    """Pinned: write(null) throws ERR_STREAM_NULL_VALUES, even once ended."""
    seen = []

    def app(req, res):
        res.end()
        try:
            res.write(None)
        except TypeError as error:
            seen.append(code(error))
    serve(run_loop, app)
    assert seen == ['ERR_STREAM_NULL_VALUES']


def test_a_destroyed_response_keeps_its_error_and_never_finishes(run_loop):
    """test-http-outgoing-destroyed.js (its second half) and pinned:
    destroy(err) makes the response destroyed with ``errored`` err (a
    second destroy() changes nothing); a write then calls back with
    ERR_STREAM_DESTROYED and emits no 'error'; end(cb) never calls back
    and 'finish' never comes; 'close' does, the error still kept."""
    log = []
    error = Exception('Destroy test')

    def app(req, res):
        log.append(('closed', res.closed))
        for event in ('finish', 'error'):
            res.on(event, lambda *args, event=event: log.append(event))
        res.destroy(error)
        log.append((res.errored is error, res.destroyed, res.closed, res.writableEnded))
        res.destroy(Exception('second'))
        log.append(res.errored is error)
        assert res.write('x', lambda err=None: log.append(('write', code(err)))) is False
        res.end(lambda err=None: log.append(('end', err)))
        res.on('close', lambda: log.append(('close', res.errored is error)))
    serve(run_loop, app, 'PUT', b'asd')
    assert log == [('closed', False), (True, True, False, False), True,
                   ('write', 'ERR_STREAM_DESTROYED'), ('close', True)]


def test_destroy_after_close_leaves_the_kept_alive_connection_alone(run_loop):
    """Pinned: Node's destroy() of a response already closed does nothing;
    the keep-alive connection answers the next request."""
    answers = []
    responses = []

    def app(req, res):
        responses.append(res)
        res.on('close', res.destroy)
        res.end(req.url)
    server = http.createServer(app)
    agent = http.Agent({'keepAlive': True, 'maxSockets': 1})

    def get(path, then):
        def on_response(res):
            chunks = []
            res.on('data', chunks.append)
            res.on('end', lambda: (answers.append((b''.join(chunks), res.socket)), then()))
        http.get({'port': server.address().port, 'host': '127.0.0.1', 'path': path,
                  'agent': agent}, on_response)

    def done():
        agent.destroy()
        server.close()
    listen(server, lambda: get('/a', lambda: get('/b', done)))
    run_loop()
    assert [body for body, _ in answers] == [b'/a', b'/b']
    assert answers[0][1] is answers[1][1]
    assert [res.errored for res in responses] == [None, None]


def test_cork_is_the_sockets_and_end_uncorks_it_all(run_loop):
    """test-http-response-cork.js, and its pinned sequence: a response's
    writableCorked is its socket's; cork() nests, uncork() past zero stays
    at zero; writes made while corked reach the socket, which holds them;
    end() uncorks it all; the body arrives whole."""
    seen = []
    got = []

    def app(req, res):
        res.cork()
        res.cork()
        seen.append((res.writableCorked, res.socket.writableCorked))
        res.writeHead(200, {'a-header': 'v'})
        res.write('a')
        seen.append(res.writableLength > 0)
        res.uncork()
        seen.append((res.writableCorked, res.socket.writableCorked))
        res.write('b')
        res.uncork()
        res.uncork()
        seen.append((res.writableCorked, res.socket.writableCorked))
        res.cork()
        res.end('c')
        seen.append((res.writableCorked, res.socket.writableCorked))
    server = http.createServer(app)

    def go():
        def on_response(res):
            res.on('data', got.append)
            res.on('end', server.close)
        http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
    listen(server, go)
    run_loop()
    assert seen == [(2, 2), True, (1, 1), (0, 0), (0, 0)]
    assert b''.join(got) == b'abc'


def test_prefinish_comes_at_end_before_finish(run_loop):
    """Pinned: a response's 'prefinish' is emitted inside end(), once its
    bytes are all the socket's; 'finish' follows, then 'close'."""
    log = []

    def app(req, res):
        for event in ('prefinish', 'finish', 'close'):
            res.on(event, lambda event=event: log.append(event))
        res.end('ok')
        log.append('ended')
    serve(run_loop, app)
    assert log == ['prefinish', 'ended', 'finish', 'close']


def test_writable_finished_is_true_once_every_byte_left(run_loop):
    """test-http-outgoing-writableFinished.js (its Node 20 part): False
    before end(), True at 'finish', for a response and a request."""
    seen = []

    def app(req, res):
        seen.append(res.writableFinished)
        res.on('finish', lambda: seen.append(res.writableFinished))
        res.end()
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1'},
                           lambda res: (res.resume(), res.on('end', server.close)))
        seen.append(req.writableFinished)
        req.on('finish', lambda: seen.append(req.writableFinished))
        req.end()
        seen.append(req.writableFinished)
    listen(server, go)
    run_loop()
    assert seen[:2] == [False, False]
    assert sorted(seen[2:]) == [False, True, True]


def test_a_client_request_counts_its_corked_writes_and_refuses_one_after_end(run_loop):
    """Pinned: a request's writableCorked follows cork()/uncork(); what it
    writes while corked counts in writableLength; end() makes it ended,
    not finished; a write after it calls back with
    ERR_STREAM_WRITE_AFTER_END, then 'error', and 'finish' still comes."""
    log = []
    server = http.createServer(lambda req, res: (req.resume(), res.end()))

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST'},
                           lambda res: (res.resume(), res.on('end', server.close)))
        req.on('error', lambda error: log.append(('error', code(error))))
        req.on('finish', lambda: log.append(('finish', req.writableFinished)))
        req.cork()
        log.append(req.writableCorked)
        req.write('x')
        log.append(req.writableLength > 0)
        req.uncork()
        log.append(req.writableCorked)
        req.end()
        log.append((req.writableEnded, req.writableFinished))
        req.write('y', lambda error=None: log.append(('callback', code(error))))
    listen(server, go)
    run_loop()
    assert log == [1, True, 0, (True, False), ('callback', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('error', 'ERR_STREAM_WRITE_AFTER_END'), ('finish', True)]
