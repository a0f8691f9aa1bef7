"""When a server request's 'close' comes, against its 'end' and its
response's 'finish'/'close' (issue 68; test-http-req-res-close.js pins
the request closing once ended).  Each order was run under Node 20
first: a request closes after its 'end'; when its response ended before
that 'end', after the response's 'close' too."""
import pyuvnet as net
import pyuvnet.http as http

import pytest

from http_server_support import listen


def close_order(run_loop, method, reads, answer):
    log = []

    def app(req, res):
        req.on('end', lambda: log.append('req end'))
        req.on('close', lambda: log.append(('req close', req.closed,
                                            req._readableState.ended
                                            if req._readableState else req.complete)))
        res.on('finish', lambda: log.append('res finish'))
        res.on('close', lambda: log.append(('res close', res.closed)))
        if reads:
            req.on('data', lambda chunk: None)
        if answer == 'at end':
            req.on('end', lambda: res.end('ok'))
        elif answer == 'later':
            net.setTimeout(lambda: res.end('ok'), 30)
        else:
            res.end('ok')
    server = http.createServer(app)

    def go():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1',
                            'method': method},
                           lambda res: (res.resume(), res.on('end', server.close)))
        req.end(b'hello' if method == 'POST' else None)
    listen(server, go)
    run_loop()
    return [entry[0] if isinstance(entry, tuple) else entry for entry in log], \
        [entry[1:] for entry in log if isinstance(entry, tuple)]


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('answer', ['at once', 'later'])
def test_request_never_read_ends_after_its_response_closes(run_loop, method, answer):
    # test-http-req-res-close.js (res.end() at once on a GET: both close,
    # closed true, the request's body ended), and Node 20's full order
    # for a request nobody reads: dumped at 'finish', its 'end' comes
    # after the response's 'close', then its own 'close'.
    order, flags = close_order(run_loop, method, False, answer)
    assert order == ['res finish', 'res close', 'req end', 'req close']
    assert flags == [(True,), (True, True)]


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_request_read_before_its_response_closes_right_after_end(run_loop, method):
    # Node 20: the body read, the response ended later: the request's
    # 'close' follows its 'end' (autoDestroy), before 'finish'.
    order, _ = close_order(run_loop, method, True, 'later')
    assert order == ['req end', 'req close', 'res finish', 'res close']


def test_request_answered_in_its_end_closes_after_the_response(run_loop):
    # Node 20: res.end() in the request's 'end': the response's 'close'
    # comes before the request's.
    order, _ = close_order(run_loop, 'POST', True, 'at end')
    assert order == ['req end', 'res finish', 'res close', 'req close']


@pytest.mark.parametrize('agent', [None, False])
@pytest.mark.parametrize('reads', ['data', 'resume'])
def test_request_read_and_answered_at_once_ends_after_its_response_finishes(run_loop, reads,
                                                                           agent):
    # Node 20 (pinned, a GET read with a 'data' listener or resume() and
    # answered in the same call, kept alive or the connection's last):
    # the answer leaves in end() and 'finish' comes on the next tick,
    # after a tick the handler queued; the request's resume_ tick finds
    # the end and queues its 'end', which comes after that 'finish' and
    # before the response's 'close'.
    log = []

    def app(req, res):
        req.on('end', lambda: log.append('req end'))
        req.on('close', lambda: log.append('req close'))
        res.on('finish', lambda: log.append('res finish'))
        res.on('close', lambda: log.append('res close'))
        if reads == 'data':
            req.on('data', lambda chunk: None)
        else:
            req.resume()
        net.nextTick(lambda: log.append('tick'))
        res.end('ok')
        log.append('ended')
    server = http.createServer(app)
    listen(server, lambda: http.get({'port': server.address().port, 'host': '127.0.0.1',
                                     'agent': agent},
                                    lambda res: (res.resume(), res.on('end', server.close))))
    run_loop()
    assert log == ['ended', 'tick', 'res finish', 'req end', 'res close', 'req close']


def test_request_with_its_body_read_and_answered_at_once_ends_after_the_response(run_loop):
    # Node 20 (pinned): a POST whose body came with its head, read and
    # answered at once: Node completes such a message in a later callback
    # of the read, so its 'end' comes after the response's 'close'.
    order, _ = close_order(run_loop, 'POST', True, 'at once')
    assert order == ['res finish', 'res close', 'req end', 'req close']
