"""Node 20's http tests of a response's framing, ported (each docstring
names the file): HTTP/1.0, 204/304, Connection: close, trailers, empty
writes, write after end, bad reasons and header values, the incoming
duplicates' rules, pipelining.  The expected bytes are Node 20's answers
to the same raw requests (the head's Date masked)."""
import json

import pyuvnet.http as http
from http_node_ports_support import answers, get


def head(status='200 OK', *lines):
    return ('HTTP/1.1 %s\r\n%s\r\n' % (status, ''.join(line + '\r\n' for line in lines))
            ).encode('latin-1')


def test_an_http_1_0_request_gets_an_unchunked_answer_and_a_close(run_loop):
    """test-http-1.0.js: with or without 'Connection: keep-alive', an
    HTTP/1.0 request's answer of unknown length is not chunked and ends
    with the connection."""
    def app(req, res):
        res.write('a')
        res.end('b')
    assert answers(run_loop, app, [b'GET / HTTP/1.0\r\n\r\n',
                                   b'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']) == [
        head('200 OK', 'Date: X', 'Connection: close') + b'ab'] * 2


def test_304_and_204_answers_drop_the_body_written(run_loop):
    """test-http-chunked-304.js: no body and no Transfer-Encoding, whatever
    write() and end() were given."""
    def app(req, res):
        if req.url == '/304':
            res.writeHead(304)
            res.write('x')
            res.end('y')
        else:
            res.statusCode = 204
            res.end('y')
    assert answers(run_loop, app, [get('/304'), get('/204')]) == [
        head('304 Not Modified', 'Date: X', 'Connection: close'),
        head('204 No Content', 'Date: X', 'Connection: close')]


def test_a_connection_close_header_set_by_the_app_closes_a_keep_alive_request(run_loop):
    """test-http-keep-alive-close-on-header.js"""
    def app(req, res):
        res.setHeader('Connection', 'close')
        res.end('x')
    assert answers(run_loop, app, [b'GET / HTTP/1.1\r\nHost: a\r\n\r\n']) == [
        head('200 OK', 'Connection: close', 'Date: X', 'Content-Length: 1') + b'x']


def test_a_write_after_end_is_an_error_event_and_returns_false(run_loop):
    """test-http-res-write-after-end.js"""
    seen = []

    def app(req, res):
        res.end('x')
        res.on('error', lambda error: seen.append(error.code))
        seen.append(res.write('y'))
    assert answers(run_loop, app, [get('/')]) == [
        head('200 OK', 'Date: X', 'Connection: close', 'Content-Length: 1') + b'x']
    assert seen == [False, 'ERR_STREAM_WRITE_AFTER_END']


def test_empty_writes_send_no_chunk(run_loop):
    """test-http-write-empty-string.js"""
    def app(req, res):
        res.write('')
        res.write(b'')
        res.end()
    assert answers(run_loop, app, [get('/')]) == [
        head('200 OK', 'Date: X', 'Connection: close', 'Transfer-Encoding: chunked') + b'0\r\n\r\n']


def test_trailers_follow_a_chunked_body_and_a_content_length_drops_them(run_loop):
    """test-http-set-trailers.js: announced by a Trailer header, the body is
    chunked (even when end() knows its length) and the trailers follow it;
    addTrailers() without the header leaves Content-Length and no trailers."""
    def app(req, res):
        if req.url == '/announced':
            res.setHeader('Trailer', 'x-t')
        res.addTrailers({'x-t': 'v'})
        res.end('ab')
    assert answers(run_loop, app, [get('/announced'), get('/silent')]) == [
        head('200 OK', 'Trailer: x-t', 'Date: X', 'Connection: close',
             'Transfer-Encoding: chunked') + b'2\r\nab\r\n0\r\nx-t: v\r\n\r\n',
        head('200 OK', 'Date: X', 'Connection: close', 'Content-Length: 2') + b'ab']


def test_a_trailer_header_on_an_unchunked_answer_raises_trailer_invalid(run_loop):
    """test-http-server-de-chunked-trailer.js: HTTP/1.0, a 204 or a set
    Content-Length cannot carry trailers: ERR_HTTP_TRAILER_INVALID, with the
    head not sent."""
    seen = []

    def app(req, res):
        res.setHeader('Trailer', 'x-t')
        if req.url == '/204':
            res.statusCode = 204
        elif req.url == '/cl':
            res.setHeader('Content-Length', 2)
        try:
            res.end('ab')
        except http.ERR_HTTP_TRAILER_INVALID as error:
            seen.append((req.url, error.code, res.headersSent))
            res.destroy()
    assert answers(run_loop, app, [b'GET /10 HTTP/1.0\r\n\r\n', get('/204'), get('/cl')]) == [
        b''] * 3
    assert seen == [(url, 'ERR_HTTP_TRAILER_INVALID', False) for url in ('/10', '/204', '/cl')]


def test_a_reason_with_a_line_break_is_refused_and_kept(run_loop):
    """test-http-status-reason-invalid-chars.js: ERR_INVALID_CHAR; as Node,
    statusMessage keeps the value refused."""
    seen = []

    def app(req, res):
        try:
            res.writeHead(200, 'OK\r\nX: y')
        except http.ERR_INVALID_CHAR as error:
            seen.append((error.code, res.statusMessage))
        res.destroy()
    answers(run_loop, app, [get('/')])
    assert seen == [('ERR_INVALID_CHAR', 'OK\r\nX: y')]


def test_bad_header_names_and_values_raise_and_latin_1_passes(run_loop):
    """test-http-invalidheaderfield.js and test-http-server-non-utf8-header.js:
    a name that is not a token is ERR_INVALID_HTTP_TOKEN, a control
    character or a character over U+00FF ERR_INVALID_CHAR; 'é' is sent as
    its latin-1 byte."""
    seen = []

    def app(req, res):
        for name, value in [('x y', 'a'), ('x', 'a\nb'), ('x', '\xe9'), ('x', '\u0100'), ('', 'a')]:
            try:
                res.setHeader(name, value)
                seen.append('ok')
            except (http.ERR_INVALID_HTTP_TOKEN, http.ERR_INVALID_CHAR) as error:
                seen.append(error.code)
        res.end()
    assert answers(run_loop, app, [get('/')]) == [
        head('200 OK', 'x: \xe9', 'Date: X', 'Connection: close', 'Content-Length: 0')]
    assert seen == ['ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', 'ok', 'ERR_INVALID_CHAR',
                    'ERR_INVALID_HTTP_TOKEN']


def test_incoming_duplicates_follow_nodes_rules(run_loop):
    """test-http-server-multiheaders.js: Set-Cookie is a list, a
    single-valued header (Content-Type, User-Agent) keeps its first value,
    Cookie joins with '; ', the others with ', '; headersDistinct keeps all."""
    got = []

    def app(req, res):
        got.append((req.headers, req.headersDistinct))
        res.end()
    answers(run_loop, app, [
        b'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n'
        b'Content-Type: t1\r\nContent-Type: t2\r\nX-A: 1\r\nx-a: 2\r\nCookie: c1\r\nCookie: c2\r\n'
        b'User-Agent: u1\r\nUser-Agent: u2\r\nAccept: a1\r\nAccept: a2\r\n\r\n'])
    [(headers, distinct)] = got
    assert json.dumps(headers) == json.dumps({
        'host': 'a', 'connection': 'close', 'set-cookie': ['a', 'b'], 'content-type': 't1',
        'x-a': '1, 2', 'cookie': 'c1; c2', 'user-agent': 'u1', 'accept': 'a1, a2'})
    assert dict(distinct) == {
        'host': ['a'], 'connection': ['close'], 'set-cookie': ['a', 'b'],
        'content-type': ['t1', 't2'], 'x-a': ['1', '2'], 'cookie': ['c1', 'c2'],
        'user-agent': ['u1', 'u2'], 'accept': ['a1', 'a2']}


def test_pipelined_requests_in_one_write_are_answered_in_order(run_loop):
    """test-http-pipeline-socket-parser-typeerror.js (three requests in one
    write, the last says close): each answer framed as Node frames it."""
    def app(req, res):
        if req.url == '/chunked':
            res.write('a')
            res.end('b')
        elif req.url == '/204':
            res.statusCode = 204
            res.end('y')
        else:
            res.writeHead(200, {'Content-Length': '0'})
            res.end()
    keep = 'Connection: keep-alive', 'Keep-Alive: timeout=5'
    assert answers(run_loop, app, [
        b'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\n'
        b'GET /cl0 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']) == [
        head('200 OK', 'Date: X', *keep, 'Transfer-Encoding: chunked')
        + b'1\r\na\r\n1\r\nb\r\n0\r\n\r\n'
        + head('204 No Content', 'Date: X', *keep)
        + head('200 OK', 'Content-Length: 0', 'Date: X', 'Connection: close')]
