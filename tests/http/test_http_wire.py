"""pyuvnet.http's server answers raw requests with the bytes Node 20's
http server answers (only the Date header's value differs): one Node
process runs tests/http/http_routes_support.py's app, pyuvnet.http runs its twin, and
each case's bytes go to both.  The cases pin Node's response heads (header
order, Date, Connection, Keep-Alive, Content-Length or chunked), HTTP/1.0,
HEAD/204/304, pipelining, 100-continue, the missing Host 400 and the
answers to refused requests (smuggling, bad bytes, 431).  Cases ported
from Node's own tests name them."""
import re
import socket

import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_routes_support import NODE_APP, node_server, pyuvnet_app
from support import NODE

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')

H = 'Host: a\r\n'
CLOSE = 'GET /close HTTP/1.1\r\n' + H + '\r\n'
ROUTES = ['/', '/chunk', '/sethdr', '/cl', '/te', '/204', '/304', '/empty', '/msg',
          '/cont', '/hints', '/nodate', '/missing']

CASES = {
    'one request, Connection: close': 'GET / HTTP/1.1\r\n' + H + 'Connection: close\r\n\r\n',
    'every route pipelined': ''.join('GET %s HTTP/1.1\r\n%s\r\n' % (r, H) for r in ROUTES)
    + 'HEAD / HTTP/1.1\r\n' + H + '\r\n' + CLOSE,
    'HTTP/1.0 closes': 'GET / HTTP/1.0\r\n\r\n',
    'HTTP/1.0 chunked body ends at close': 'GET /chunk HTTP/1.0\r\n\r\n',
    'HTTP/1.0 keep-alive asked': 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    'HTTP/1.0 with TE: chunked': 'GET /chunk HTTP/1.0\r\nTE: chunked\r\n\r\n',
    'HTTP/1.1 without Host': 'GET / HTTP/1.1\r\n\r\n',
    'a body with Content-Length': 'POST /echo HTTP/1.1\r\n' + H + 'Content-Length: 5\r\n'
    'Connection: close\r\n\r\nhello',
    'a chunked body with trailers': 'POST /echo?x=1 HTTP/1.1\r\n' + H + 'Transfer-Encoding: chunked\r\n'
    'Connection: close\r\n\r\n3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n',
    'duplicate headers merged': 'POST /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-M: 1\r\nx-m: 2\r\n'
    'Cookie: a=1\r\ncookie: b=2\r\nSet-Cookie: s=1\r\nset-cookie: t=2\r\nContent-Length: 0\r\n'
    'Connection: close\r\n\r\n',
    'Expect: 100-continue': 'POST /echo HTTP/1.1\r\n' + H + 'Expect: 100-continue\r\n'
    'Content-Length: 2\r\nConnection: close\r\n\r\nok',
    'an unknown expectation is 417': 'GET / HTTP/1.1\r\n' + H + 'Expect: teapot\r\n\r\n' + CLOSE,
    'Transfer-Encoding with Content-Length': 'POST /echo HTTP/1.1\r\n' + H
    + 'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
    'a bad chunk size': 'POST /echo HTTP/1.1\r\n' + H + 'Transfer-Encoding: chunked\r\n\r\nzz\r\n',
    'obs-fold': 'GET / HTTP/1.1\r\n' + H + 'X: a\r\n b\r\n\r\n',
    'a control byte in a value': 'GET / HTTP/1.1\r\n' + H + 'X: a\x01b\r\n\r\n',
    'a space in a name': 'GET / HTTP/1.1\r\n' + H + 'X Y: a\r\n\r\n',
    'not HTTP': 'HELLO\r\n\r\n',
    'headers over 16 KiB': 'GET / HTTP/1.1\r\n' + H + 'X: ' + 'a' * 17000 + '\r\n\r\n',
    # Node's test-http-1.0-keep-alive.js: an HTTP/1.0 keep-alive request
    # stays open only when the answer's length is known.
    'HTTP/1.0 keep-alive, answer of unknown length': 'POST /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
    'POST /ka HTTP/1.0\r\n\r\n',
    'HTTP/1.0 keep-alive with TE: chunked': 'POST /ka HTTP/1.0\r\nConnection: keep-alive\r\nTE: chunked\r\n'
    '\r\nPOST /ka HTTP/1.0\r\n\r\n',
    'HTTP/1.0 keep-alive, Transfer-Encoding set': 'POST /ka-te HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
    'POST / HTTP/1.0\r\n\r\n',
    'HTTP/1.0 keep-alive, Content-Length set': 'POST /ka-cl HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
    'POST / HTTP/1.0\r\n\r\n',
    'HTTP/1.0 keep-alive, Content-Length set, no Connection header': 'GET /cl HTTP/1.0\r\n'
    'Connection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n',
    # Node's test-http-server-multiheaders.js: which duplicates join, which keep the first.
    'duplicates of the joined and the single fields': 'POST /echo HTTP/1.1\r\naccept: abc\r\naccept: def\r\n'
    'Accept: ghi\r\nhost: foo\r\nHost: bar\r\nwww-authenticate: foo\r\nWWW-Authenticate: bar\r\n'
    'x-bar: banjo\r\nx-bar: bango\r\nsec-websocket-protocol: chat\r\nsec-websocket-protocol: share\r\n'
    'Content-Length: 0\r\nConnection: close\r\n\r\n',
    # Node's test-http-server-reject-cr-no-lf.js, test-http-missing-header-separator-cr.js
    'a CR without LF': 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n',
    'lines ended by LF alone': 'GET / HTTP/1.1\nHost: a\n\n',
    # Node's test-http-request-smuggling-content-length.js
    'two different Content-Lengths': 'POST /echo HTTP/1.1\r\n' + H + 'Content-Length: 1\r\n'
    'Content-Length: 2\r\n\r\nab',
    # Node's test-http-transfer-encoding-smuggling.js
    'chunked not last in Transfer-Encoding': 'POST /echo HTTP/1.1\r\n' + H
    + 'Transfer-Encoding: chunked, identity\r\n\r\n1\r\na\r\n0\r\n\r\n',
    'a space before the colon': 'GET / HTTP/1.1\r\n' + H + 'Transfer-Encoding : chunked\r\n\r\n',
    'a request after Connection: close': 'GET / HTTP/1.1\r\n' + H + 'Connection: close\r\n\r\n'
    'GET / HTTP/1.1\r\n' + H + '\r\n',
}


@pytest.fixture(scope='module')
def node_port():
    with node_server(NODE, NODE_APP) as port:
        yield port


def node_answer(port, data):
    with socket.create_connection(('127.0.0.1', port), timeout=5) as sock:
        sock.sendall(data)
        out = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b''.join(out)
            out.append(chunk)


@pytest.fixture(scope='module')
def node_insecure_port():
    with node_server(NODE, NODE_APP, 'insecure') as port:
        yield port


def pyuvnet_answer(data, run_loop, **options):
    server = http.createServer(options, pyuvnet_app)
    out = []

    def connect():
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.on('data', out.append)
        sock.on('close', lambda had_error: server.close())
        sock.write(data)
    server.listen(0, '127.0.0.1', connect)
    run_loop(5)
    return b''.join(out)


def normal(answer):
    return re.sub(rb'Date: [^\r]*GMT', b'Date: D', answer)


@pytest.mark.parametrize('case', sorted(CASES))
def test_the_answer_is_nodes(case, node_port, run_loop):
    data = CASES[case].encode('latin-1')
    expected = normal(node_answer(node_port, data))
    assert expected, 'Node answered nothing'
    assert normal(pyuvnet_answer(data, run_loop)) == expected


# With insecureHTTPParser, Node (and pyuvnet) sets llhttp's lenient flags:
# what the default refuses is then read as Node reads it.
INSECURE_CASES = {
    'obs-fold joined': 'POST /echo HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\nContent-Length: 0\r\n'
    'Connection: close\r\n\r\n',
    'lines ended by LF alone': 'POST /echo HTTP/1.1\nHost: a\nContent-Length: 0\nConnection: close\n\n',
    'Transfer-Encoding with Content-Length': 'POST /echo HTTP/1.1\r\n' + H
    + 'Transfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: close\r\n\r\n'
    '1\r\na\r\n0\r\n\r\n',
}


@pytest.mark.parametrize('case', sorted(INSECURE_CASES))
def test_the_insecure_parsers_answer_is_nodes(case, node_insecure_port, run_loop):
    data = INSECURE_CASES[case].encode('latin-1')
    expected = normal(node_answer(node_insecure_port, data))
    assert expected.startswith(b'HTTP/1.1 200 OK')
    assert normal(pyuvnet_answer(data, run_loop, insecureHTTPParser=True)) == expected


def after_close_events(port, run_loop, then=lambda: None):
    """A client that keeps its side open (allowHalfOpen) asks with
    Connection: close and, once the answer has ended, writes again twice
    (a closed peer answers the first with RST, which fails the second);
    ``then`` runs at its 'close'."""
    events = []
    request = CASES['one request, Connection: close'].encode()
    sock = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    sock.on('data', lambda chunk: None)

    def write_twice():
        sock.write(request)
        net.setTimeout(sock.write, 50, request)
    sock.on('end', lambda: (events.append('end'), net.setTimeout(write_twice, 20)))
    sock.on('error', lambda err: events.append(err.code))
    sock.on('close', lambda had_error: (events.append('close'), then()))
    sock.write(request)
    run_loop(5)
    return events


def test_a_connection_close_answer_closes_the_socket_without_waiting_for_the_client(
        node_port, run_loop):
    """Node's resOnFinish calls destroySoon(): the server's socket closes
    once its FIN has left, so what the client writes afterwards is
    refused (RST, then EPIPE) rather than read by a half-open server."""
    server = http.createServer(pyuvnet_app)
    server.listen(0, '127.0.0.1')
    events = after_close_events(server.address().port, run_loop, server.close)
    assert events == after_close_events(node_port, run_loop) == ['end', 'EPIPE', 'close']
