"""In which turn an OutgoingMessage's writes, 'prefinish' and end() again
happen, as Node 20's (issue 68).  Each expectation was run under
/usr/bin/node (v20.20) first; the Node file is named in each test, or
"pinned" when the program was written for this file."""
import pyuvnet as net
import pyuvnet.http as http

import pytest

from http_server_support import listen


def code(error):
    return None if error is None else error.code


def test_a_client_requests_prefinish_comes_in_the_tick_that_gives_it_its_socket(run_loop):
    """Pinned: a request ended at once emits 'prefinish' after 'socket', in
    the tick that hands it its socket (Node's onSocketNT), before a tick
    queued after end(); a request ended once it has its socket emits it
    inside end()."""
    log = []
    server = http.createServer(lambda req, res: (req.resume(), res.end()))

    def second():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST'})
        req.on('prefinish', lambda: log.append('prefinish 2'))

        def on_socket(socket):
            log.append('socket 2')
            net.setImmediate(lambda: (req.end('y'), log.append('ended 2')))
        req.on('socket', on_socket)
        req.on('response', lambda res: (res.resume(), res.on('end', server.close)))

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': 'POST'})
        for event in ('socket', 'prefinish', 'finish'):
            req.on(event, lambda *args, event=event: log.append(event))
        req.end('x')
        log.append('ended')
        net.nextTick(lambda: log.append('tick'))
        req.on('response', lambda res: (res.resume(), res.on('end', second)))
    listen(server, go)
    run_loop()
    assert log == ['ended', 'socket', 'prefinish', 'tick', 'finish',
                   'socket 2', 'prefinish 2', 'ended 2']


def test_a_write_waits_corked_for_the_tick_and_end_hands_all_to_the_kernel(run_loop):
    """Pinned: write() corks the socket until the next tick, so what it
    wrote counts in writableLength (the head and the chunk, the socket's
    own); end() uncorks, and the bytes leave at once: writableLength 0 and
    writableFinished True, so end() again calls back with
    ERR_STREAM_ALREADY_FINISHED before 'finish'."""
    log = []

    def app(req, res):
        res.on('finish', lambda: (log.append('finish'), server.close()))
        res.writeHead(200, {'content-length': 4})
        res.write('ab')
        log.append((res.writableLength > 2, res.writableLength == res.socket.writableLength,
                    res.writableCorked))

        def later():
            res.write('cd')
            log.append(('later', res.writableLength, res.writableCorked))
            res.end()
            log.append(('ended', res.writableLength, res.writableFinished))
            res.end(lambda error=None: log.append(('end again', code(error))))
        net.setTimeout(later, 10)
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1'},
                                    lambda res: res.resume()))
    run_loop()
    assert log == [(True, True, 1), ('later', 2, 1), ('ended', 0, True),
                   ('end again', 'ERR_STREAM_ALREADY_FINISHED'), 'finish']


def test_a_response_ended_twice_leaves_its_socket_uncorked_for_the_next(run_loop):
    """test-http-outgoing-end-cork.js: end(chunk, encoding, callback) then
    end() leaves the socket uncorked; the next answer on that kept-alive
    socket writes past the high-water mark (False), and ends at 'drain'.
    (pyuvnet's mark is 64 KiB, SPEC section 5; Node's 16 KiB.)"""
    log = []
    sockets = []
    agent = http.Agent({'keepAlive': True})

    def app(req, res):
        if res.socket in sockets:
            log.append(('reused write', res.write(bytes(res.socket.writableHighWaterMark + 100))))
            res.once('drain', lambda: (log.append('drain'), res.end()))
        else:
            sockets.append(res.socket)
            res.end('regular end of request', 'utf8', lambda *args: log.append('end callback'))
            log.append(('corked', res.writableCorked))
            res.end()
    server = http.createServer(app)

    def get(done):
        if done == 2:
            agent.destroy()
            server.close()
            return

        def on_response(res):
            got = []
            res.on('data', got.append)
            res.on('end', lambda: (log.append(('got', len(b''.join(got)))), get(done + 1)))
        http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent},
                 on_response)
    listen(server, lambda: get(0))
    run_loop()
    mark = sockets[0].writableHighWaterMark
    assert log == [('corked', 0), 'end callback', ('got', 22), ('reused write', False),
                   'drain', ('got', mark + 100)]


def test_a_message_stays_writable_after_end_as_node_20s(run_loop):
    """test-http-outgoing-finish-writable.js, as Node 20 runs it: end()
    makes a response finished and writableEnded, and leaves ``writable``
    True (later Node releases make it False); a request's too."""
    log = []

    def app(req, res):
        log.append((res.writable, res.finished, res.writableEnded))
        res.end()
        log.append((res.writable, res.finished, res.writableEnded))
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'path': '/'})
        log.append(('client', req.writable))
        req.end()
        log.append(('client', req.writable))
        req.on('response', lambda res: (res.resume(), res.on('end', server.close)))
    listen(server, go)
    run_loop()
    assert log == [('client', True), ('client', True), (True, False, False), (True, True, True)]


def test_end_with_a_chunk_after_the_responses_close_does_nothing(run_loop):
    """test-http-server-write-end-after-end.js, as Node 20 runs it: write(),
    end(), then in a later turn (the response closed by then) end(chunk,
    callback): Node's onError does nothing for a destroyed message, so
    neither the callback nor 'error' comes."""
    log = []

    def app(req, res):
        res.on('error', lambda error: log.append(('error', code(error))))
        res.on('close', lambda: log.append('close'))
        res.write('hello')
        res.end()

        def later():
            res.end('world', lambda error=None: log.append(('callback', code(error))))
            log.append('ended again')
            net.setTimeout(server.close, 50)
        net.setImmediate(later)
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': False}, lambda res: res.resume()))
    run_loop()
    assert log == ['close', 'ended again']


@pytest.mark.parametrize('agent', [None, False])
def test_a_requests_socket_is_none_until_the_tick_that_emits_socket(run_loop, agent):
    """Pinned (Node's onSocketNT, with the global agent and with none):
    req.socket is None after http.request() and after a write(); the
    tick that makes the socket the request's emits 'socket' before what
    was written leaves (bytesWritten and writableLength 0 there), and
    comes before a tick queued after the request was made."""
    log = []
    server = http.createServer(lambda req, res: (req.resume(), res.end('ok')))

    def go():
        options = {'port': server.address().port, 'host': '127.0.0.1', 'method': 'POST'}
        if agent is False:
            options['agent'] = False
        req = http.request(options)
        log.append(('made', req.socket))
        req.write('hello')
        log.append(('written', req.socket))
        net.nextTick(lambda: log.append(('tick', req.socket is not None)))

        def on_socket(socket):
            log.append(('socket', socket is req.socket, socket.bytesWritten,
                        socket.writableLength, socket.connecting))
        req.on('socket', on_socket)
        req.end('world')
        req.on('response', lambda res: (res.resume(), res.on('end', server.close)))
    listen(server, go)
    run_loop()
    assert log == [('made', None), ('written', None), ('socket', True, 0, 0, True),
                   ('tick', True)]


def test_a_reused_socket_gets_no_connect_listener_from_a_request_timeout(run_loop):
    """test-http-client-timeout-connect-listener.js: a keep-alive socket
    given to a request with setTimeout() has no 'connect' listener at the
    request's 'socket'."""
    server = http.createServer(lambda req, res: res.end())
    agent = http.Agent({'keepAlive': True, 'maxSockets': 1})
    counts = []

    def ask(callback):
        req = http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent},
                       lambda res: (res.on('end', callback), res.resume()))
        req.setTimeout(2 ** 31 - 1)
        return req

    def first_done():
        req = ask(lambda: (agent.destroy(), server.close()))
        req.on('socket', lambda socket: counts.append(socket.listenerCount('connect')))
    listen(server, lambda: ask(first_done))
    run_loop()
    assert counts == [0]


def test_a_request_destroyed_before_its_socket_tick_destroys_its_own_connection(run_loop):
    """Pinned under Node 20: a request with ``createConnection`` (no agent)
    destroyed at once gets 'error' ECONNRESET and 'close', and the
    connection it made is destroyed, not freed to an agent: its connect
    to a closed port raises nothing uncaught."""
    log, made = [], []
    probe = net.createServer()

    def closed():
        def connect(options, *rest):
            made.append(net.connect(port, '127.0.0.1'))
            return made[0]
        req = http.request({'port': port, 'host': '127.0.0.1', 'createConnection': connect})
        req.on('error', lambda err: log.append('req error ' + err.code))
        req.on('close', lambda: log.append('req close'))
        req.destroy()
    probe.listen(0, '127.0.0.1')
    port = probe.address().port
    probe.close(closed)
    run_loop()
    assert log == ['req error ECONNRESET', 'req close']
    assert made[0].destroyed
