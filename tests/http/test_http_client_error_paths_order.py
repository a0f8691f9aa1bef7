"""Node 20's order of a client's events on its error paths, pinned with
/usr/bin/node (the audit t16_http_client.py runs them side by side):

- a parse error after a complete answer: the request's 'error' comes at
  once, before that answer's 'end';
- a reset during a body: the request's 'error', then at the socket's
  'close' the response's 'aborted', the request's 'close', and the
  response's 'error' (ECONNRESET 'aborted') and 'close';
- destroy() inside 'timeout' with a body begun: 'aborted', the request's
  'close', then the response's 'error' and 'close'."""
import pyuvnet as net
import pyuvnet.http as http
from http_client_script_support import OK, run, watch


def test_a_parse_error_after_a_complete_answer_comes_before_its_end(run_loop):
    log = []
    run(run_loop, lambda sock, data, n: sock.write(
        b'HTTP/1.1 204 No Content\r\n\r\nhello'),
        lambda port: watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False}), log))
    assert log == ['socket reused=False', 'response 204', 'req-error HPE_INVALID_CONSTANT',
                   'end ', 'res-close', 'req-close']


def test_data_after_connection_close_is_an_error_before_the_end(run_loop):
    log = []
    run(run_loop, lambda sock, data, n: sock.end(
        OK + b'Connection: close\r\nContent-Length: 2\r\n\r\nokGARBAGE'),
        lambda port: watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False}), log))
    assert log == ['socket reused=False', 'response 200', 'req-error HPE_CLOSED_CONNECTION',
                   'end ok', 'res-close', 'req-close']


def test_a_reset_during_a_body(run_loop):
    log = []

    def answer(sock, data, n):
        sock.write(OK + b'Content-Length: 100\r\n\r\n0123456789')
        net.setTimeout(lambda: sock.resetAndDestroy(), 50)
    run(run_loop, answer,
        lambda port: watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False}), log))
    assert log == ['socket reused=False', 'response 200', 'req-error ECONNRESET',
                   'aborted 0123456789', 'req-close', 'res-error ECONNRESET', 'res-close']


def destroyed_at_timeout(run_loop, answer):
    """The events of a request (timeout 200 ms) that destroy()s itself in
    'timeout', to a server answering ``answer`` (or nothing)."""
    log = []

    def start(port):
        req = watch(http.get({'port': port, 'host': '127.0.0.1', 'agent': False,
                              'timeout': 200}), log)
        req.on('timeout', lambda: (log.append('timeout'), req.destroy()))
    run(run_loop, lambda sock, data, n: answer and sock.write(answer), start)
    return log


def test_destroy_inside_timeout_with_a_body_begun(run_loop):
    log = destroyed_at_timeout(run_loop, OK + b'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')
    assert log == ['socket reused=False', 'response 200', 'timeout', 'aborted hello',
                   'req-close', 'res-error ECONNRESET', 'res-close']


def test_destroy_inside_timeout_before_an_answer(run_loop):
    log = destroyed_at_timeout(run_loop, None)
    assert log == ['socket reused=False', 'timeout', 'req-error ECONNRESET', 'req-close']
