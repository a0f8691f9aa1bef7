"""How the server's socket closes after its answer to a bad request (no
'clientError' listener), pinned with Node 20: Node writes the answer and
destroys the socket at once, reading no more.  It reads 64 KiB at a time,
so a request that went on past the chunk where the error was found leaves
bytes unread in the kernel, and the close is a reset (the client reads
the answer, then ECONNRESET); a request read whole closes with a FIN."""
import socket
import threading

import pytest

import pyuvnet.http as http
from http_routes_support import node_server
from support import NODE

NODE_SERVER = r"""
const http = require('http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""


def big_header_request(size):
    return b'GET / HTTP/1.1\r\nHost: a\r\nX-Big: ' + b'a' * size + b'\r\n\r\n'


@pytest.fixture(scope='module')
def node_port():
    with node_server(NODE, NODE_SERVER) as port:
        yield port


def raw_answer(port, request):
    """A client that sends the whole request, then reads: the answer's
    status line and how the connection ended, 'EOF' (FIN) or 'RST'."""
    with socket.create_connection(('127.0.0.1', port), timeout=5) as sock:
        sock.sendall(request)
        got = b''
        try:
            while chunk := sock.recv(65536):
                got += chunk
            ending = 'EOF'
        except ConnectionResetError:
            ending = 'RST'
    return [got.split(b'\r\n')[0].decode(), ending]


def pyuvnet_answer(request, run_loop):
    """raw_answer() from a thread, against pyuvnet.http's server."""
    server = http.createServer(lambda req, res: res.end('ok'))
    server.on('connection', lambda sock: sock.on('close', lambda _: server.close()))
    result = []
    server.listen(0, '127.0.0.1')
    client = threading.Thread(target=lambda: result.extend(raw_answer(server.address().port, request)))
    client.start()
    run_loop(5)
    client.join(5)
    return result


@pytest.mark.skipif(NODE is None, reason='needs node')
@pytest.mark.parametrize('size, ending', [
    (20_000, 'EOF'),            # one read: nothing is left unread
    (200_000, 'RST'),    # past Node's 64 KiB chunk: unread at the close
])
def test_a_431_closes_with_a_reset_when_the_request_went_on_unread(
        size, ending, node_port, run_loop):
    request = big_header_request(size)
    expected = ['HTTP/1.1 431 Request Header Fields Too Large', ending]
    assert raw_answer(node_port, request) == expected
    assert pyuvnet_answer(request, run_loop) == expected


def test_a_bad_request_read_whole_closes_with_a_fin_even_with_bytes_after_it(run_loop):
    """The bytes after the error in the chunk that found it are dropped
    (Node has read them): no reset for those."""
    request = b'GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n' + b'GET / HTTP/1.1\r\n\r\n' * 50
    assert pyuvnet_answer(request, run_loop) == ['HTTP/1.1 400 Bad Request', 'EOF']
