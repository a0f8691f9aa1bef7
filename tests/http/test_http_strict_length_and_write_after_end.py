"""What leaves on the wire when a response is misused, as with Node 20
(pinned with /usr/bin/node; the audit t15_http_server.py, section C):

- strictContentLength: ``write()`` of 8 bytes under Content-Length: 2 (the
  head made by it), then ``end()`` raising ERR_HTTP_CONTENT_LENGTH_MISMATCH
  and ``destroy()``: nothing was sent (Node's write() corks the socket
  until the next tick); an ``end('abc')`` under Content-Length: 10 raises
  and sends nothing either;
- ``write()`` after ``end()`` with no 'error' listener: the error is
  uncaught (Node's process dies of it), and the answer ended before it has
  left by then."""
import socket as pysocket

import pytest

import pyuvnet as net
import pyuvnet.http as http
from pyuvnet.errors import ERR_STREAM_WRITE_AFTER_END
from http_server_support import listen, raw_client


def strict_exchange(run_loop, handler):
    got = []
    codes = []
    server = http.createServer()

    def on_request(req, res):
        res.strictContentLength = True
        try:
            handler(res)
        except http.ERR_HTTP_CONTENT_LENGTH_MISMATCH as error:
            codes.append(error.code)
            res.destroy()
        net.setTimeout(server.close, 100)
    server.on('request', on_request)
    listen(server, lambda: got.append(raw_client(server)))
    run_loop()
    return codes, b''.join(got[0][0])


def test_a_strict_length_mismatch_at_end_after_a_write_sends_nothing(run_loop):
    def handler(res):
        res.setHeader('Content-Length', '2')
        res.write('abcdefgh')       # the head is made here: no check yet, as Node
        res.end()
    assert strict_exchange(run_loop, handler) == (['ERR_HTTP_CONTENT_LENGTH_MISMATCH'], b'')


def test_a_strict_write_past_the_length_sends_nothing_of_the_turn(run_loop):
    def handler(res):
        res.setHeader('Content-Length', '2')
        res.write('a')
        res.write('bcd')
    assert strict_exchange(run_loop, handler) == (['ERR_HTTP_CONTENT_LENGTH_MISMATCH'], b'')


def test_a_strict_end_with_too_few_bytes_sends_nothing(run_loop):
    def handler(res):
        res.setHeader('Content-Length', '10')
        res.end('abc')
    assert strict_exchange(run_loop, handler) == (['ERR_HTTP_CONTENT_LENGTH_MISMATCH'], b'')


def test_a_mismatch_not_destroyed_sends_what_was_written_on_the_next_tick(run_loop):
    got = []
    server = http.createServer()

    def on_request(req, res):
        res.strictContentLength = True
        res.setHeader('Content-Length', '2')
        res.write('ab')
        with pytest.raises(http.ERR_HTTP_CONTENT_LENGTH_MISMATCH):
            res.write('c')
        res.end()
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 100)
    server.on('request', on_request)
    listen(server, lambda: got.append(raw_client(server)))
    run_loop()
    assert b''.join(got[0][0]).endswith(b'\r\n\r\nab')


def test_write_after_end_without_an_error_listener_is_uncaught_after_the_answer_left(run_loop):
    server = http.createServer(lambda req, res: (res.end('first'), res.write('second')))
    server.listen(0, '127.0.0.1')
    client = pysocket.create_connection(('127.0.0.1', server.address().port))
    try:
        client.sendall(b'GET / HTTP/1.1\r\nHost: a\r\n\r\n')
        with pytest.raises(ERR_STREAM_WRITE_AFTER_END):
            run_loop()
        # Nothing of pyuvnet's runs now: what the client reads had left
        # before the error came out of run().
        client.settimeout(2)
        data = b''
        while not data.endswith(b'first'):
            chunk = client.recv(4096)
            if not chunk:
                break
            data += chunk
        assert data.startswith(b'HTTP/1.1 200 OK\r\n') and data.endswith(b'\r\n\r\nfirst')
    finally:
        client.close()
        server.closeAllConnections()
        server.close()
        run_loop()
