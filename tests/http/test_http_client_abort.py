"""ClientRequest.abort(), Node's deprecated destroy(): ``aborted`` True,
'abort' on the next tick, then the request destroyed.  Each order was run
under Node 20.20.2 first (abort4.js, abort4d.js; the log is in each
test's docstring)."""
import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen


def recorder(log, prefix, emitter, events):
    for event in events:
        emitter.on(event, lambda *args, event=event: log.append(
            '%s %s%s' % (prefix, event, ' ' + args[0].code if args and hasattr(args[0], 'code')
                         else '')))


def run_with_server(run_loop, client, answer=lambda req, res: res.end('ok')):
    server = http.createServer(answer)

    def go():
        client(server.address().port)
        net.setTimeout(server.close, 100)
    listen(server, go)
    run_loop()


def test_aborted_before_it_has_a_socket_closes_without_an_error(run_loop):
    """test-http-abort-before-end.js (abort() then end(): 'abort', no
    'error'), and abort4.js's first request: with the global agent,
    abort() at once.  Node 20: aborted True and destroyed True at once,
    no socket; then 'close' (the agent's socket comes and goes back),
    'abort', a tick queued after abort(); no 'error'."""
    log = []

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1'})
        recorder(log, 'A', req, ['abort', 'close', 'error', 'socket', 'response', 'finish'])
        req.abort()
        log.append((req.aborted, req.destroyed, req.socket))
        net.nextTick(lambda: log.append('tick'))
        req.end()
    run_with_server(run_loop, client)
    assert log == [(True, True, None), 'A close', 'A abort', 'tick']


def test_aborted_once_connected_is_abort_then_a_socket_hang_up(run_loop):
    """abort4.js's second request (agent False): abort() at the socket's
    'connect'.  Node 20: 'finish' (the GET was sent), 'abort', the tick
    queued after abort(), then 'error' ECONNRESET (socket hang up: no
    answer came) and 'close'."""
    log = []

    def client(port):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False})
        recorder(log, 'B', req, ['abort', 'close', 'error', 'response'])

        def connected():
            req.abort()
            net.nextTick(lambda: log.append('tick'))
        req.on('socket', lambda socket: socket.on('connect', connected))
    run_with_server(run_loop, client, lambda req, res: None)
    assert log == ['B abort', 'tick', 'B error ECONNRESET', 'B close']


def test_abort_is_emitted_once_and_abort_after_destroy_still_emits_it(run_loop):
    """test-http-client-abort-event.js (abort() twice: one 'abort', no
    response), and abort4d.js: destroy() leaves ``aborted`` False; abort()
    after it sets it and emits 'abort' (after 'close', which the agent's
    socket brought first), and no 'error'."""
    log = []

    def client(port):
        twice = http.request({'port': port, 'host': '127.0.0.1'},
                             lambda res: log.append('response'))
        twice.on('abort', lambda: log.append('twice abort'))
        twice.end()
        twice.abort()
        twice.abort()
        late = http.get({'port': port, 'host': '127.0.0.1'})
        late.on('error', lambda err: log.append('late error'))
        late.on('close', lambda: log.append(('late close', late.aborted, late.destroyed)))
        late.destroy()
        log.append(('destroyed', late.aborted, late.destroyed))
        late.abort()
        log.append(('aborted', late.aborted))
        late.on('abort', lambda: log.append('late abort'))
    run_with_server(run_loop, client)
    assert log == [('destroyed', False, True), ('aborted', True),
                   'twice abort', ('late close', True, True), 'late abort']


def test_aborted_with_a_connection_of_its_own_closes_after_it(run_loop):
    """abort4.js's last request: createConnection and no agent, aborted at
    once.  Node 20 destroys that connection and closes the request once it
    has closed: 'abort', then 'close', no 'error'."""
    log = []

    def client(port):
        # (Node's test hands the request's options on whole; net refuses
        # options it does not know, so the address goes on alone.)
        req = http.request({'port': port, 'host': '127.0.0.1',
                            'createConnection': lambda options: net.createConnection(
                                {'port': options['port'], 'host': options['host']})})
        recorder(log, 'F', req, ['abort', 'close', 'error'])
        req.abort()
    run_with_server(run_loop, client)
    assert log == ['F abort', 'F close']


def test_aborted_in_its_socket_listener_sends_nothing_and_never_prefinishes(run_loop):
    """finish1.js atsocket: end('body') at once, abort() in the 'socket'
    listener.  Node's _flush() finds the socket destroyed: no
    'prefinish', no 'finish', nothing sent; 'abort', the tick, then the
    hang up and 'close'.

        req socket / abort() / req abort / tick / immediate / req error
        ECONNRESET / req close
    """
    log = []
    requests = []

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1', 'agent': False,
                            'method': 'POST'})
        recorder(log, 'A', req, ['abort', 'close', 'error', 'prefinish', 'finish', 'socket'])

        def aborting(socket):
            log.append('abort()')
            req.abort()
            net.nextTick(lambda: log.append('tick'))
        req.end('body')
        req.on('socket', aborting)
    run_with_server(run_loop, client, lambda req, res: requests.append(req.method))
    assert log == ['A socket', 'abort()', 'A abort', 'tick', 'A error ECONNRESET', 'A close']
    assert requests == []


def test_aborted_before_its_own_agents_socket_closes_before_abort(run_loop):
    """finish1.js sync: agent False is an Agent of the request's own
    (Node's `new Agent()`), so a request aborted before its socket came
    gives the socket back and closes in onSocketNT, before the 'abort'
    tick, as with the global agent.

        abort() / req close / req abort / tick / immediate
    """
    log = []

    def client(port):
        req = http.request({'port': port, 'host': '127.0.0.1', 'agent': False,
                            'method': 'POST'})
        recorder(log, 'A', req, ['abort', 'close', 'error', 'prefinish', 'finish', 'socket'])
        req.end('body')
        req.abort()
        net.nextTick(lambda: log.append('tick'))
    run_with_server(run_loop, client)
    assert log == ['A close', 'A abort', 'tick']
