"""IncomingMessage.destroy(err) and destroy(), Node 20's order (its
lib/internal/streams/destroy.js over IncomingMessage._destroy): a server's
request in its handler, before and after its 'end', and a client's
response, before and after its 'end'.  Each order was run under
/usr/bin/node (v20.20.2) first, the same program (test-http-client-
incomingmessage-destroy.js and test-http-server-destroy-socket-on-
client-error.js's destroy, with ticks, microtasks and immediates around)."""
import pytest

import pyuvnet as net
import pyuvnet.http as http


def probe(log, msg, error, hears_error):
    """Node's program: the message's state, its events, and the ticks,
    microtasks and immediates queued around destroy(error)."""
    log.append(('before', msg.closed, msg.errored, msg.destroyed))
    msg.on('aborted', lambda: log.append('aborted'))
    if hears_error:
        msg.on('error', lambda err: log.append(('error', err is error)))
    msg.on('close', lambda: log.append(('close', msg.closed)))
    net.nextTick(lambda: log.append('tick'))
    net.queueMicrotask(lambda: log.append('micro'))
    net.setImmediate(lambda: log.append('immediate'))
    msg.destroy(error)
    log.append(('after', msg.closed, msg.errored is error, msg.destroyed, msg.aborted))
    net.nextTick(lambda: log.append('tick2'))
    net.queueMicrotask(lambda: log.append('micro2'))
    net.setImmediate(lambda: log.append('immediate2'))


def run(run_loop, app, on_response):
    """A server running ``app`` and one GET whose response goes to
    ``on_response``; the loop runs until both sides are done."""
    server = http.createServer(app)

    def get():
        req = http.get({'port': server.address().port, 'host': '127.0.0.1'}, on_response)
        req.on('error', lambda err: None)
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 200)
    server.listen(0, '127.0.0.1', get)
    run_loop()


CASES = [(error, hears) for error in (None, RuntimeError('boom')) for hears in (False, True)]


def expected_order(error, hears, aborted):
    """Node 20's order: errored at once, closed a tick or two later, then
    'error' (only with an error and a listener) and 'close' in the ticks,
    before the microtasks."""
    log = [('before', False, None, False)]
    if aborted:
        log.append('aborted')
    log += [('after', False, True, True, aborted), 'tick', 'tick2']
    if error is not None and hears:
        log.append(('error', True))
    log += [('close', True), 'micro', 'micro2', 'immediate', 'immediate2']
    return log


@pytest.mark.parametrize('error, hears_error', CASES)
def test_a_request_destroyed_in_its_handler_closes_on_a_later_tick(run_loop, error,
                                                                   hears_error):
    """A request destroyed in the server's handler before its 'end':
    'aborted' at once, errored at once, closed False; 'error' (with a
    listener) and 'close' on later ticks; its socket destroyed at once."""
    log = []

    def app(req, res):
        probe(log, req, error, hears_error)
        log.append(('socket destroyed', req.socket.destroyed))
    run(run_loop, app, lambda res: None)
    order = expected_order(error, hears_error, True)
    order.insert(order.index('tick'), ('socket destroyed', True))
    assert log[:len(order)] == order


@pytest.mark.parametrize('error, hears_error', CASES)
def test_a_request_destroyed_after_its_end_is_not_aborted(run_loop, error, hears_error):
    """A request destroyed in its 'end' listener: not aborted, its socket
    kept (the response still goes out), 'error' and 'close' a tick later."""
    log = []

    def app(req, res):
        def on_end():
            probe(log, req, error, hears_error)
            res.end('ok')
        req.on('end', on_end)
        req.resume()
    answers = []

    def on_response(res):
        res.on('data', answers.append)
    run(run_loop, app, on_response)
    assert log[:9] == expected_order(error, hears_error, False)[:9]
    assert answers == [b'ok']


@pytest.mark.parametrize('error, hears_error', CASES)
def test_a_response_destroyed_before_its_end_closes_on_a_later_tick(run_loop, error,
                                                                    hears_error):
    """A client's response destroyed in the 'response' callback, its body
    still coming: 'aborted' at once, errored at once, closed False;
    'error' (with a listener) and 'close' on later ticks."""
    log = []

    def app(req, res):
        res.writeHead(200)
        res.write('part')
    run(run_loop, app, lambda res: probe(log, res, error, hears_error))
    order = expected_order(error, hears_error, True)
    assert log[:len(order)] == order


@pytest.mark.parametrize('error, hears_error', CASES)
def test_a_response_destroyed_in_its_end_closes_on_a_later_tick(run_loop, error, hears_error):
    """A client's response destroyed in its 'end' listener: not aborted,
    not closed when destroy() returns (its 'close' is destroy()'s, not the
    end's), 'error' (with a listener) and 'close' on later ticks."""
    log = []

    def app(req, res):
        res.end('hello')

    def on_response(res):
        res.on('end', lambda: probe(log, res, error, hears_error))
        res.resume()
    run(run_loop, app, on_response)
    order = expected_order(error, hears_error, False)
    assert log[:len(order)] == order
