"""A server that answers one request twice, or out of turn: the client
destroys the socket at the second answer's head, as Node 20's
parserOnIncomingClient does, so no request sees another's answer and the
Agent never hands one socket out twice.  1xx answers but 101 are all
'information', 100 Continue too.  The event lists are Node 20's, pinned by
running the same exchanges with /usr/bin/node (the audit t16_http_client.py
does it side by side)."""
import pyuvnet as net
import pyuvnet.http as http
from http_client_script_support import OK, run, scripted_server, watch


def test_two_answers_in_one_packet_destroy_the_socket(run_loop):
    log = []
    run(run_loop, lambda sock, data, n: sock.write(
        OK + b'Content-Length: 5\r\n\r\nfirst' + OK + b'Content-Length: 6\r\n\r\nsecond'),
        lambda port: watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False}), log))
    assert log == ['socket reused=False', 'response 200', 'end first', 'res-close', 'req-close']


def test_a_keep_alive_agent_does_not_reuse_a_socket_answered_twice(run_loop):
    log = []
    agent = http.Agent(keepAlive=True)

    def start(port):
        first = watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': agent}), log, 'r1')
        first.on('response', lambda res: res.on('end', lambda: net.setTimeout(
            lambda: watch(http.get({'port': port, 'host': '127.0.0.1', 'path': '/second',
                                    'agent': agent}), log, 'r2'), 200)))
        net.setTimeout(agent.destroy, 550)
    conns = run(run_loop, lambda sock, data, n: sock.write(
        OK + b'Content-Length: 5\r\n\r\nfirst' + OK + b'Content-Length: 6\r\n\r\nsecond'), start)
    assert log == ['r1:socket reused=False', 'r1:response 200', 'r1:end first', 'r1:req-close',
                   'r1:res-close', 'r2:socket reused=False', 'r2:response 200', 'r2:end first',
                   'r2:req-close', 'r2:res-close']
    assert len(conns) == 2


def test_a_duplicated_answer_never_reaches_another_request(run_loop):
    """One request answered twice, then two at once on the same keep-alive
    agent: each gets its own answer, on new connections (Node: 3)."""
    log = []
    agent = http.Agent(keepAlive=True)

    def answer(sock, data, n):
        for head in data.split(b'\r\n\r\n')[:-1]:
            path = head.split(b' ')[1]
            body = b'for ' + path
            reply = OK + b'Content-Length: %d\r\n\r\n%s' % (len(body), body)
            sock.write(reply * 2 if path == b'/r1' else reply)

    def r(port, n):
        watch(http.get({'port': port, 'host': '127.0.0.1', 'path': '/r%d' % n, 'agent': agent}),
              log, 'r%d' % n)

    def start(port):
        r(port, 1)
        net.setTimeout(lambda: (r(port, 2), r(port, 3)), 300)
        net.setTimeout(agent.destroy, 550)
    conns = run(run_loop, answer, start)
    assert sorted(log) == sorted(
        ['r%d:%s' % (n, e) for n in (1, 2, 3) for e in (
            'socket reused=False', 'response 200', 'end for /r%d' % n, 'req-close', 'res-close')])
    assert len(conns) == 3


def test_an_answer_before_the_request_is_the_only_one(run_loop):
    log = []

    def answer(sock, data, n):
        sock.write(OK + b'Content-Length: 4\r\n\r\nLATE')
    server_conns = []

    def start(port):
        watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False}), log)

    def early(sock, data, n):
        answer(sock, data, n)

    def on_connection_early(server):
        server.prependListener('connection', lambda sock: (
            server_conns.append(sock), sock.write(OK + b'Content-Length: 5\r\n\r\nEARLY')))
    server, conns = scripted_server(early)
    on_connection_early(server)

    def go():
        start(server.address().port)
        net.setTimeout(lambda: (server.close(), [c.destroy() for c in conns]), 500)
    server.listen(0, '127.0.0.1', go)
    run_loop()
    assert log == ['socket reused=False', 'response 200', 'end EARLY', 'res-close', 'req-close']


def test_every_1xx_but_101_is_information_100_continue_too(run_loop):
    got = []

    def start(port):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False},
                       lambda res: (got.append(('response', res.statusCode)), res.resume()))
        req.on('continue', lambda: got.append('continue'))
        req.on('information', lambda info: got.append(
            ('information', info['statusCode'], info['statusMessage'], info['headers'])))
    run(run_loop, lambda sock, data, n: sock.write(
        b'HTTP/1.1 100 Continue\r\n\r\n' + b'HTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\n'
        + OK + b'Content-Length: 2\r\n\r\nok'), start, wait=300)
    assert got == ['continue', ('information', 100, 'Continue', {}),
                   ('information', 102, 'Processing', {'x-a': '1'}), ('response', 200)]
