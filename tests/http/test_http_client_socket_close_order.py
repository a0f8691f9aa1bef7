"""A ClientRequest whose socket ends or closes: Node's socketOnEnd,
socketCloseListener and socketErrorListener are the socket's first
listeners, and emit the request's 'error' and 'close' (and a response's
'aborted') as the socket's events come, before the program's listeners of
the same socket events.  pyuvnet emitted them on ticks after the socket's
own 'close'.  Each order was run under Node 20.20.2 first (abort1.js,
close2.js, destroy4.js; the log is in each test's docstring)."""
import pytest

import pyuvnet as net
import pyuvnet.http as http

from http_server_support import listen


def code_of(args):
    return ' ' + args[0].code if args and hasattr(args[0], 'code') else ''


def record(log, prefix, emitter, events, ticks=False):
    """Logs each of ``events`` (an error by its code); with ``ticks`` also a
    tick queued by each listener."""
    for event in events:
        def heard(*args, event=event):
            log.append('%s %s%s' % (prefix, event, code_of(args)))
            if ticks:
                net.nextTick(lambda: log.append('tick after %s %s' % (prefix, event)))
        emitter.on(event, heard)


def run_exchange(run_loop, answer, act=None, on_socket=None):
    """A GET (agent False) to a server that runs ``answer(req, res)`` and
    never ends the response; ``act(req, log)`` runs where the client's
    ``on_socket(socket, req, log)`` or its 'data' listener says.  The
    request's, its socket's and its response's events, in order."""
    log = []
    server = http.createServer(answer)

    def go():
        req = http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': False})

        def socket_came(socket):
            record(log, 'socket', socket, ['end', 'close', 'error'], ticks=True)
            if on_socket is not None:
                on_socket(socket, req, log)

        def response_came(res):
            record(log, 'res', res, ['aborted', 'error', 'close', 'end'])
            res.on('data', lambda chunk: (log.append('res data'), act and act(req, log)))
        req.on('socket', socket_came)
        req.on('response', response_came)
        record(log, 'req', req, ['abort', 'error', 'close'])
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 200)
    listen(server, go)
    run_loop()
    return log


def later(act):
    """``on_socket``: ``act`` 30 ms after the socket's 'connect' (the GET
    sent, no answer yet)."""
    return lambda socket, req, log: socket.on(
        'connect', lambda: net.setTimeout(lambda: act(req, log), 30))


def abort(req, log):
    log.append('abort()')
    req.abort()
    net.nextTick(lambda: log.append('tick'))


def destroy_with_an_error(req, log):
    log.append('destroy()')
    req.destroy(Exception('boom'))
    net.nextTick(lambda: log.append('tick'))


def part_of_an_answer(req, res):
    res.writeHead(200)
    res.write('part')


def test_aborted_before_the_answer_errors_and_closes_before_its_sockets_close(run_loop):
    """abort1.js before: abort() once connected, no answer yet.

        abort() / req abort / tick after abort / immediate after abort /
        req error ECONNRESET / req close / socket close
    """
    log = run_exchange(run_loop, lambda req, res: None, on_socket=later(abort))
    assert log == ['abort()', 'req abort', 'tick', 'req error ECONNRESET', 'req close',
                   'socket close', 'tick after socket close']


def test_aborted_mid_answer_closes_before_its_socket_and_the_response_after(run_loop):
    """abort1.js after: abort() in the response's first 'data'.

        res data / abort() / req abort / tick after abort / immediate after
        abort / res aborted / req close / socket close / res error
        ECONNRESET / res close
    """
    log = run_exchange(run_loop, part_of_an_answer, act=abort)
    assert log == ['res data', 'abort()', 'req abort', 'tick', 'res aborted', 'req close',
                   'socket close', 'tick after socket close', 'res error ECONNRESET',
                   'res close']


@pytest.mark.parametrize('answered', [False, True], ids=['before-the-answer', 'mid-answer'])
def test_destroyed_with_an_error_it_comes_through_the_sockets_error(run_loop, answered):
    """destroy4.js: req.destroy(err) destroys the socket with err; the
    request's 'error' is the socket's, emitted by its first 'error'
    listener (before the program's), and 'close' comes with the socket's.

        nores (destroy4.js): destroy() / req error boom / socket error boom
        / tick after destroy / tick after socket error / immediate / req
        close / socket close / tick after socket close
        res: res data / destroy() / req error boom / socket error boom /
        tick after destroy / tick after socket error / immediate / res
        aborted / req close / socket close / tick after socket close / res
        error aborted / res close
    """
    if answered:
        log = run_exchange(run_loop, part_of_an_answer, act=destroy_with_an_error)
        assert log == ['res data', 'destroy()', 'req error', 'socket error', 'tick',
                       'tick after socket error', 'res aborted', 'req close',
                       'socket close', 'tick after socket close', 'res error ECONNRESET',
                       'res close']
    else:
        log = run_exchange(run_loop, lambda req, res: None,
                           on_socket=later(destroy_with_an_error))
        assert log == ['destroy()', 'req error', 'socket error', 'tick',
                       'tick after socket error', 'req close', 'socket close',
                       'tick after socket close']


@pytest.mark.parametrize('how', ['destroy', 'end'])
def test_a_server_that_hangs_up_errors_before_the_sockets_own_end_listeners(run_loop, how):
    """close2.js destroy, end: the server destroys (or ends) the connection
    without an answer.  The hang up is emitted by socketOnEnd, before the
    program's 'end' listener; the request's 'close' by socketCloseListener.

        req error ECONNRESET socket hang up / socket end / tick after req
        error / tick after socket end / req close / socket close / tick
        after socket close
    """
    log = run_exchange(run_loop, lambda req, res: getattr(req.socket, how)())
    assert log == ['req error ECONNRESET', 'socket end', 'tick after socket end', 'req close',
                   'socket close', 'tick after socket close']


def test_a_server_that_hangs_up_mid_answer_aborts_the_response_before_the_request_closes(
        run_loop):
    """close2.js partial: a head and part of the body, then the server
    destroys the connection.

        res data / socket end / tick after socket end / res aborted / req
        close / socket close / tick after socket close / res error
        ECONNRESET / res close
    """
    def answer(req, res):
        part_of_an_answer(req, res)
        net.setTimeout(req.socket.destroy, 30)
    log = run_exchange(run_loop, answer)
    assert log == ['res data', 'socket end', 'tick after socket end', 'res aborted',
                   'req close', 'socket close', 'tick after socket close',
                   'res error ECONNRESET', 'res close']


def test_both_ends_sockets_have_nodes_end_listener_first(run_loop):
    """end2.js: an HTTP connection's socket has the socket's own 'end'
    listener first, then the server's (or the client's) socketOnEnd.

        client socket 2 [ 'onReadableStreamEnd', 'socketOnEnd' ]
        http server socket 2 [ 'onReadableStreamEnd', 'bound socketOnEnd' ]
    """
    counts = []

    def answer(req, res):
        counts.append(('server', req.socket.listenerCount('end'),
                       req.socket.listeners('end')[0].__name__))
        res.end('hi')
    server = http.createServer(answer)

    def go():
        req = http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': False},
                       lambda res: (res.resume(), server.close()))
        req.on('socket', lambda socket: counts.append(
            ('client', socket.listenerCount('end'), socket.listeners('end')[0].__name__)))
    listen(server, go)
    run_loop()
    assert counts == [('client', 2, 'onReadableStreamEnd'), ('server', 2, 'onReadableStreamEnd')]
