"""Members the reference had no description for (issue 42), each doing
what its description now says, pinned against Node 20: the server's
rejectNonStandardBodyWrites and its ERR_HTTP_BODY_NOT_ALLOWED, and
ClientRequest.setNoDelay()/setSocketKeepAlive() called before the request
has its socket (Node defers them to the socket)."""
import pytest

import pyuvnet as net
from pyuvnet import http
from http_server_support import listen, raw_client

HEAD = b'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n'
GET = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'


def _answer(options, status, write, request=GET):
    """What ``write(res)`` raised (its code, or 'ok'), and the answer's bytes."""
    outcome = []

    def on_request(req, res):
        res.writeHead(status)
        try:
            write(res)
            outcome.append('ok')
        except Exception as exc:
            outcome.append(getattr(exc, 'code', repr(exc)))
        if not res.writableEnded:
            res.end()
        server.close()
    server = http.createServer(options, on_request)
    # server.close() waits for the raw client's kept-alive connection, as
    # Node's does: its idle timeout (5 s by default) is shortened.
    server.keepAliveTimeout = 50
    received = []
    listen(server, lambda: received.append(raw_client(server, (request,))))
    net.run()
    return outcome[0], b''.join(received[0][0])


# Node 20: `node -e` with rejectNonStandardBodyWrites, each call below:
# write('x') and write('') throw ERR_HTTP_BODY_NOT_ALLOWED on a 204 or 304
# answer and on any answer to HEAD; end('x') throws it too, end('') not.
@pytest.mark.parametrize('status, request_bytes, write, expected', [
    (204, GET, lambda res: res.write('x'), 'ERR_HTTP_BODY_NOT_ALLOWED'),
    (304, GET, lambda res: res.write(''), 'ERR_HTTP_BODY_NOT_ALLOWED'),
    (200, HEAD, lambda res: res.write(b'x'), 'ERR_HTTP_BODY_NOT_ALLOWED'),
    (204, GET, lambda res: res.end('x'), 'ERR_HTTP_BODY_NOT_ALLOWED'),
    (204, GET, lambda res: res.end(b'x'), 'ERR_HTTP_BODY_NOT_ALLOWED'),
    (304, GET, lambda res: res.end(''), 'ok'),
    (200, GET, lambda res: res.end(b'x'), 'ok'),
])
def test_reject_non_standard_body_writes(status, request_bytes, write, expected):
    outcome, answer = _answer({'rejectNonStandardBodyWrites': True}, status, write,
                              request_bytes)
    assert outcome == expected
    assert answer.startswith(b'HTTP/1.1 %d ' % status)


def test_without_the_option_a_body_on_a_204_is_dropped():
    outcome, answer = _answer({}, 204, lambda res: res.end(b'dropped'))
    assert outcome == 'ok'
    assert answer.startswith(b'HTTP/1.1 204 ') and not answer.endswith(b'dropped')


def test_the_error_is_nodes():
    error = http.ERR_HTTP_BODY_NOT_ALLOWED()
    assert error.code == 'ERR_HTTP_BODY_NOT_ALLOWED'
    assert str(error).endswith(
        'Adding content for this request method or response status is not allowed.')


def test_set_no_delay_and_keep_alive_before_the_socket_reach_it():
    """Called while the request waits in its agent's queue for a socket,
    they are applied when it comes, as Node's _deferToConnect."""
    calls = []
    server = http.createServer(lambda req, res: res.end('ok'))

    class Recording(net.Socket):
        def setNoDelay(self, noDelay=True):
            calls.append(('setNoDelay', noDelay))
            return super().setNoDelay(noDelay)

        def setKeepAlive(self, enable=False, initialDelay=0):
            calls.append(('setKeepAlive', enable, initialDelay))
            return super().setKeepAlive(enable, initialDelay)

    agent = http.Agent({'maxSockets': 1})
    agent.createConnection = lambda options, *rest: Recording().connect(
        server.address().port, '127.0.0.1')
    done = []

    def get():
        return http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent},
                        lambda res: (res.resume(), res.on('end', lambda: answered(res))))

    def answered(res):
        done.append(res.statusCode)
        if len(done) == 2:
            agent.destroy()
            server.close()

    def start():
        get()
        waiting = get()
        assert waiting.socket is None           # queued: maxSockets is 1
        waiting.setNoDelay(False)
        waiting.setSocketKeepAlive(True, 2000)
        assert ('setNoDelay', False) not in calls
    listen(server, start)
    net.run()
    assert done == [200, 200]
    assert ('setNoDelay', False) in calls and ('setKeepAlive', True, 2000) in calls
