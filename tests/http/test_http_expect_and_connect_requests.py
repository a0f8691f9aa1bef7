"""Requests Node 20's server treats specially (its parserOnIncoming and
onParserExecuteCommon), pinned with /usr/bin/node:

- Expect is looked at in HTTP/1.1 requests only: an HTTP/1.0 request with
  ``Expect: foo`` or ``Expect: 100-continue`` goes to 'request', no 417
  and no 100 Continue;
- an Expect holding the token ``100-continue`` anywhere (``foo,
  100-continue``, ``100-continue;a``, any case) is 100-continue;
  ``100-continuex`` is not (417);
- a final answer to a 100-continue request whose body was not asked for
  (a 'checkContinue' refusal) says ``Connection: close`` and closes;
- a CONNECT with no 'connect' listener never reaches 'request': the
  socket is destroyed, nothing is answered;
- an Upgrade request with no 'upgrade' listener is an ordinary request,
  but the rest of the read it came in is not parsed (later reads are);
- the socket 'upgrade' hands over flows as soon as a 'data' listener is
  added (readableFlowing is None, as Node sets it back to null)."""
import re
import time

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import listen, raw_client


def exchange(run_loop, chunks, setup=None, delay=50, wait=300):
    """``chunks`` written to a new server ``delay`` ms apart; returns (what
    'request' saw, the bytes answered without Date, whether the server
    closed the connection within ``wait`` ms)."""
    seen = []
    got = []
    ended = []
    server = http.createServer()

    def on_request(req, res):
        seen.append((req.method, req.url))
        req.resume()
        res.end('ok')
    server.on('request', on_request)
    if setup is not None:
        setup(server, seen)

    def stop():
        ended.append(time.monotonic())
        server.closeAllConnections()
        server.close()

    def start():
        got.append(raw_client(server, chunks, delay))
        net.setTimeout(stop, wait)
    listen(server, start)
    run_loop()
    out, closed, _ = got[0]
    return (seen, re.sub(rb'Date: [^\r]*\r\n', b'', b''.join(out)),
            bool(closed) and closed[0] < ended[0])


OK_KEPT = (b'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n'
           b'Content-Length: 2\r\n\r\nok')
CONTINUE = b'HTTP/1.1 100 Continue\r\n\r\n'


def test_expect_is_ignored_in_http_1_0_requests(run_loop):
    for expect in (b'foo', b'100-continue'):
        seen, raw, closed = exchange(run_loop, [
            b'POST /old HTTP/1.0\r\nExpect: ' + expect + b'\r\nContent-Length: 0\r\n\r\n'])
        assert seen == [('POST', '/old')]
        assert raw == b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok'
        assert closed


def test_an_expect_holding_the_100_continue_token_is_100_continue(run_loop):
    for expect in (b'foo, 100-continue', b'100-continue;a', b'100-Continue'):
        seen, raw, _ = exchange(run_loop, [
            b'POST /x HTTP/1.1\r\nHost: a\r\nExpect: ' + expect + b'\r\nContent-Length: 0\r\n\r\n'])
        assert (seen, raw) == ([('POST', '/x')], CONTINUE + OK_KEPT)
    for expect in (b'100-continuex', b'x100-continue'):
        seen, raw, _ = exchange(run_loop, [
            b'POST /x HTTP/1.1\r\nHost: a\r\nExpect: ' + expect + b'\r\nContent-Length: 0\r\n\r\n'])
        assert seen == []
        assert raw.startswith(b'HTTP/1.1 417 Expectation Failed\r\nConnection: keep-alive\r\n')


def test_a_check_continue_refusal_closes_the_connection(run_loop):
    def refuse(server, seen):
        def check(req, res):
            seen.append('checkContinue')
            res.writeHead(417)
            res.end()
        server.on('checkContinue', check)
    seen, raw, closed = exchange(run_loop, [
        b'POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n'], refuse)
    assert seen == ['checkContinue']
    assert raw == (b'HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\n'
                   b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
    assert closed


def test_a_check_continue_that_asked_for_the_body_keeps_the_connection(run_loop):
    def accept(server, seen):
        def check(req, res):
            seen.append('checkContinue')
            res.writeContinue()
            req.resume()
            res.end('x')
        server.on('checkContinue', check)
    seen, raw, closed = exchange(run_loop, [
        b'POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello'],
        accept)
    assert seen == ['checkContinue']
    assert raw == CONTINUE + (b'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n'
                              b'Keep-Alive: timeout=5\r\nContent-Length: 1\r\n\r\nx')
    assert not closed


def test_connect_with_no_connect_listener_is_dropped_unanswered(run_loop):
    seen, raw, closed = exchange(run_loop, [
        b'CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\nGET /tail HTTP/1.1\r\nHost: a\r\n\r\n'])
    assert (seen, raw, closed) == ([], b'', True)


def test_an_upgrade_nobody_takes_is_a_request_and_the_rest_of_its_read_is_not_parsed(run_loop):
    upgrade = b'GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'
    seen, raw, closed = exchange(run_loop, [upgrade + b'GET /tail HTTP/1.1\r\nHost: a\r\n\r\n'])
    assert (seen, raw, closed) == ([('GET', '/x')], OK_KEPT, False)
    # A later read is parsed again.
    seen, raw, closed = exchange(run_loop, [upgrade, b'GET /later HTTP/1.1\r\nHost: a\r\n\r\n'],
                                 delay=100)
    assert (seen, raw, closed) == ([('GET', '/x'), ('GET', '/later')], OK_KEPT * 2, False)


def test_the_upgraded_socket_flows_when_a_data_listener_is_added(run_loop):
    def take(server, seen):
        def on_upgrade(req, socket, head):
            seen.append(('upgrade', socket.readableFlowing, head))
            socket.on('data', lambda chunk: seen.append(('data', chunk, socket.readableFlowing)))
            socket.write(b'HTTP/1.1 101 Switching Protocols\r\n\r\n')
            net.setTimeout(socket.destroy, 200)     # the server no longer holds it
        server.on('upgrade', on_upgrade)
    seen, raw, _ = exchange(run_loop, [
        b'GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nHELLO',
        b'MORE'], take)
    assert seen == [('upgrade', None, b'HELLO'), ('data', b'MORE', True)]
    assert raw == b'HTTP/1.1 101 Switching Protocols\r\n\r\n'
