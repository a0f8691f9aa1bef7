"""A pipelined response waiting for its turn (the ones before it not
ended yet) has no socket; Node 20's ServerResponse gets it by
assignSocket(), which emits 'socket', and OutgoingMessage.setTimeout()
called before that arms the socket's timeout then (pinned with
/usr/bin/node)."""
import time

import pyuvnet as net
import pyuvnet.http as http

TWO_REQUESTS = b'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'


def test_set_timeout_on_a_queued_response_is_armed_when_its_turn_comes(run_loop):
    """/1 is answered after 100 ms; /2 calls res.setTimeout(50, cb) at
    once, without a socket yet, and is never answered: /2's 'socket' at
    its turn, then its 'timeout' callback (given the socket, whose timeout
    is 50) 50 ms later, then the server's 'timeout', as in Node."""
    log = []
    start = []

    def app(req, res):
        log.append(('request', req.url, res.socket is not None))
        if req.url == '/1':
            net.setTimeout(lambda: (start.append(time.monotonic()), res.end('one')), 100)
            return
        res.on('socket', lambda socket: log.append(('socket', req.url, socket is req.socket)))
        returned = res.setTimeout(50, lambda socket: (
            log.append(('res timeout', socket is req.socket, socket.timeout,
                        time.monotonic() - start[0] >= 0.045)),
            net.setTimeout(socket.destroy, 10)))
        log.append(('returns res', returned is res))
    server = http.createServer(app)
    server.on('timeout', lambda socket: (log.append('server timeout'), server.close()))

    def connect():
        client = net.connect(server.address().port, '127.0.0.1')
        client.write(TWO_REQUESTS)
        client.on('data', lambda data: log.append(('client got', data[-3:])))
        client.on('error', lambda err: None)
    server.listen(0, '127.0.0.1', connect)
    run_loop()
    assert log == [('request', '/1', True), ('request', '/2', False), ('returns res', True),
                   ('socket', '/2', True), ('client got', b'one'),
                   ('res timeout', True, 50, True), 'server timeout']


def test_one_reads_answers_finish_before_the_turns_immediates_as_in_node(run_loop):
    """Two pipelined requests in one read, each answered at once: both
    responses' 'finish' come before the immediates their listeners set,
    as in Node 20 (its write leaves at once).  pyuvnet sends a read's
    answers when the read's requests are done, not before the next poll,
    so that their messages are done and freed before the next read."""
    log = []

    def app(req, res):
        res.on('finish', lambda: log.append('finish ' + req.url))
        net.setImmediate(lambda: log.append('immediate ' + req.url))
        res.end('ok')
        if req.url == '/2':
            net.setTimeout(lambda: (server.close(), clients[0].destroy()), 50)
    server = http.createServer(app)
    clients = []

    def listening():
        client = net.connect(server.address().port, '127.0.0.1',
                             lambda: client.write(TWO_REQUESTS))
        client.resume()
        clients.append(client)
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert log == ['finish /1', 'finish /2', 'immediate /1', 'immediate /2']
