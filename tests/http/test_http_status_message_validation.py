"""The reason phrase is checked on every path, as Node 20's writeHead()
checks it (checkInvalidHeaderChar: anything but HTAB, SP-~ and 0x80-0xff
is ERR_INVALID_CHAR 'Invalid character in statusMessage').

Pinned with Node 20: ``res.statusMessage = 'OK\\r\\nSet-Cookie: x=1'`` then
``res.end('x')`` raises ERR_INVALID_CHAR and sends nothing;
``writeHead(200, 'OK\\0')`` raises the same; the reason stays what was set;
an empty statusMessage is the status's own reason."""
import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import listen, raw_client

BAD_REASONS = ['OK\r\nSet-Cookie: x=1', 'OK\0', 'OK\x01', 'OK\x7f', 'OK\n', 'OK\r', 'Ok \u0100']


def answer_with(run_loop, handler):
    """One GET to a server whose 'request' is ``handler``; returns what it
    answered (bytes) once the connection is closed by the server or idle."""
    got = []
    server = http.createServer()

    def on_request(req, res):
        try:
            handler(req, res)
        finally:
            net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 100)
    server.on('request', on_request)
    listen(server, lambda: got.append(raw_client(server)))
    run_loop()
    return b''.join(got[0][0])


@pytest.mark.parametrize('reason', BAD_REASONS)
def test_write_head_refuses_a_reason_with_a_control_character(run_loop, reason):
    codes = []

    def handler(req, res):
        with pytest.raises(http.ERR_INVALID_CHAR) as caught:
            res.writeHead(200, reason)
        codes.append((caught.value.code, str(caught.value), res.headersSent))
    assert answer_with(run_loop, handler) == b''
    assert codes == [('ERR_INVALID_CHAR', 'Invalid character in statusMessage', False)]


@pytest.mark.parametrize('reason', BAD_REASONS)
def test_a_status_message_property_is_checked_when_the_head_is_made(run_loop, reason):
    got = []

    def handler(req, res):
        res.statusMessage = reason
        for call in (lambda: res.end('x'), lambda: res.write('x'), res.flushHeaders):
            with pytest.raises(http.ERR_INVALID_CHAR):
                call()
        got.append((res.statusMessage, res.headersSent))
    assert answer_with(run_loop, handler) == b''
    assert got == [(reason, False)]


def test_a_bad_status_message_does_not_stop_a_valid_one_after_it(run_loop):
    def handler(req, res):
        res.statusMessage = 'Fine\0'
        with pytest.raises(http.ERR_INVALID_CHAR):
            res.end('x')
        res.statusMessage = 'Fine'
        res.end('x')
    assert answer_with(run_loop, handler).startswith(b'HTTP/1.1 200 Fine\r\n')


def test_the_header_errors_come_before_the_reason_error_as_node(run_loop):
    codes = []

    def handler(req, res):
        res.setHeader('X-A', '1')
        try:
            res.writeHead(200, 'OK\0', {'X B': '1'})
        except Exception as error:  # noqa: BLE001
            codes.append(error.code)
        res.statusMessage = None
        res.end()
    answer_with(run_loop, handler)
    assert codes == ['ERR_INVALID_HTTP_TOKEN']


def test_tab_and_latin1_reasons_are_sent_and_an_empty_one_is_the_status_own(run_loop):
    def tab(req, res):
        res.writeHead(201, 'Made\there caf\u00e9')
        res.end()
    assert answer_with(run_loop, tab).startswith(b'HTTP/1.1 201 Made\there caf\xe9\r\n')

    def empty(req, res):
        res.statusCode = 404
        res.statusMessage = ''
        res.end()
    assert answer_with(run_loop, empty).startswith(b'HTTP/1.1 404 Not Found\r\n')
