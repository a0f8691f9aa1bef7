"""Node 20's http tests of the smaller surface, ported (each docstring
names the file): cork()/uncork(), strictContentLength,
setMaxIdleHTTPParsers, and the Agent's maxTotalSockets and scheduling.
The expected values were taken from Node 20 running the same code."""
import pytest

import pyuvnet as net
import pyuvnet.http as http
from support import assert_code
from http_node_ports_support import answers, get, outcome


def test_a_client_request_corks_too(run_loop):
    """test-http-response-cork.js's client half: the request's head and
    body held by cork() go out as one write at uncork()."""
    got = []
    server = http.createServer(lambda req, res: req.on('data', got.append).on(
        'end', lambda: res.end('ok')))

    def start():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'agent': False,
                            'method': 'POST'}, lambda res: res.resume().on('end', server.close))
        req.cork()
        req.write('ab')
        req.write('cd')
        assert req.writableCorked == 1
        req.uncork()
        req.end()
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert b''.join(got) == b'abcd'


def test_strict_content_length_raises_on_a_body_other_than_the_header(run_loop):
    """test-http-content-length-mismatch.js: with strictContentLength, a
    write() past Content-Length (once the head is made) and an end() whose
    total differs raise ERR_HTTP_CONTENT_LENGTH_MISMATCH; no header, or the
    right length, raise nothing."""
    seen = {}

    def over(req, res):
        res.strictContentLength = True
        res.setHeader('Content-Length', '5')
        res.write('abcdef')            # the head is made by this write: unchecked, as Node
        error = outcome(lambda: res.write('x'))
        seen['over'] = (error, outcome(res.end))
        res.destroy()

    def short(req, res):
        res.strictContentLength = True
        res.setHeader('Content-Length', 5)
        res.write('ab')
        try:
            res.end()
        except http.ERR_HTTP_CONTENT_LENGTH_MISMATCH as error:
            seen['short'] = str(error)
        res.destroy()

    def head_first(req, res):
        res.strictContentLength = True
        res.writeHead(200, {'Content-Length': 3})
        seen['head first'] = outcome(lambda: res.end('abcd'))
        res.destroy()

    def fine(req, res):
        res.strictContentLength = True
        if req.url == '/exact':
            res.setHeader('Content-Length', 2)
        res.write('a')
        res.end('b')
    routes = {'/over': over, '/short': short, '/head': head_first, '/exact': fine, '/none': fine}
    out = answers(run_loop, lambda req, res: routes[req.url](req, res),
                  [get(path) for path in routes])
    assert seen == {'over': ('ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'ERR_HTTP_CONTENT_LENGTH_MISMATCH'),
                    'short': "Response body's content-length of 2 byte(s) does not match the "
                             "content-length of 5 byte(s) set in header",
                    'head first': 'ERR_HTTP_CONTENT_LENGTH_MISMATCH'}
    assert out[3] == b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: X\r\nConnection: close\r\n\r\nab'
    assert out[4].endswith(b'Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n')


def test_strict_content_length_is_off_by_default_on_both_sides():
    """test-http-content-length-mismatch.js (the default)."""
    assert http.OutgoingMessage().strictContentLength is False
    assert http.OutgoingMessage().strict_content_length is False


@pytest.mark.parametrize('value, code', [
    (0, 'ERR_OUT_OF_RANGE'), (1.5, 'ERR_OUT_OF_RANGE'), ('a', 'ERR_INVALID_ARG_TYPE'),
    (None, 'ERR_INVALID_ARG_TYPE')])
def test_set_max_idle_http_parsers_validates_its_argument(value, code):
    """test-http-set-max-idle-http-parser.js"""
    assert_code(code, lambda: http.setMaxIdleHTTPParsers(value))


def test_set_max_idle_http_parsers_takes_a_positive_integer():
    """test-http-set-max-idle-http-parser.js (the accepted values)."""
    assert http.setMaxIdleHTTPParsers(1) is None
    assert http.set_max_idle_http_parsers(1000) is None


@pytest.mark.parametrize('value, code', [
    (0, 'ERR_OUT_OF_RANGE'), (-1, 'ERR_OUT_OF_RANGE'), ('a', 'ERR_INVALID_ARG_TYPE')])
def test_agent_max_total_sockets_is_a_number_of_at_least_one(value, code):
    """test-http-agent-maxtotalsockets.js (the option's validation)."""
    assert_code(code, lambda: http.Agent(maxTotalSockets=value))


def test_agent_max_total_sockets_bounds_the_sockets_of_every_origin(run_loop):
    """test-http-agent-maxtotalsockets.js: requests to two servers through
    an agent with maxTotalSockets=2 never have more than two connections
    open at once, and all are answered."""
    agent = http.Agent(keepAlive=True, maxTotalSockets=2)
    state = {'open': 0, 'most': 0, 'answers': 0}

    def on_connection(socket):
        state['open'] += 1
        state['most'] = max(state['most'], state['open'])
        socket.on('close', lambda *args: state.__setitem__('open', state['open'] - 1))
    servers = [http.createServer(lambda req, res: net.setTimeout(res.end, 5, 'x'))
               for _ in range(2)]
    for server in servers:
        server.on('connection', on_connection)

    def answered(res):
        res.resume()
        res.on('end', done)

    def done():
        state['answers'] += 1
        if state['answers'] == 6:
            agent.destroy()
            for server in servers:
                server.close()

    def start():
        state['listening'] = state.get('listening', 0) + 1
        if state['listening'] < 2:
            return
        for i in range(6):
            http.get({'port': servers[i % 2].address().port, 'host': '127.0.0.1',
                      'agent': agent}, answered)
    for server in servers:
        server.listen(0, '127.0.0.1', start)
    run_loop()
    assert state['answers'] == 6
    assert state['most'] == 2


@pytest.mark.parametrize('scheduling, reused', [('fifo', 0), ('lifo', 2)])
def test_agent_scheduling_picks_the_first_or_the_last_freed_socket(scheduling, reused, run_loop):
    """test-http-agent-scheduling.js: three sockets freed in order; the next
    request gets the first ('fifo') or the last ('lifo'), as Node 20."""
    agent = http.Agent(keepAlive=True, scheduling=scheduling)
    ports, order = [], []
    server = http.createServer(lambda req, res: res.end(str(req.socket.remotePort)))

    def fetch(then):
        def on_response(res):
            body = []
            res.on('data', body.append)
            res.on('end', lambda: then(int(b''.join(body))))
        http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent}, on_response)

    def first(port):
        ports.append(port)
        if len(ports) == 3:
            net.setImmediate(fetch, last)

    def last(port):
        order.append(port)
        agent.destroy()
        server.close()
    server.listen(0, '127.0.0.1', lambda: [fetch(first) for _ in range(3)])
    run_loop()
    assert order == [ports[reused]]
