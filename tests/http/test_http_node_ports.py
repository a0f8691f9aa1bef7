"""Node 20's own http tests (test/parallel/test-http-*.js), ported: each
test's docstring names the file whose behaviour it pins.  The expected
bytes were taken from Node 20 running the same handlers (the head's Date
is masked).  The module-level surface (cork, strictContentLength,
uniqueHeaders, setHeaders, setMaxIdleHTTPParsers) is pinned the same way."""
import math


import pyuvnet.http as http

from http_node_ports_support import answers, get, outcome


def test_write_head_overrides_set_header_and_bad_set_header_calls_raise(run_loop):
    """test-http-write-head.js (and getHeader() after writeHead(), as Node 20)."""
    seen = {}

    def app(req, res):
        res.setHeader('test', '1')
        seen['number name'] = outcome(lambda: res.setHeader(0xf00, 'bar'))
        seen['none value'] = outcome(lambda: res.setHeader('foo', None))
        res.writeHead(200, {'Test': '2'})
        seen['again'] = outcome(lambda: res.writeHead(100, {}))
        seen['after'] = res.getHeader('test')
        res.end()
    [answer] = answers(run_loop, app, [get('/')])
    assert seen == {'number name': 'ERR_INVALID_HTTP_TOKEN',
                    'none value': 'ERR_HTTP_INVALID_HEADER_VALUE',
                    'again': 'ERR_HTTP_HEADERS_SENT', 'after': '2'}
    assert answer.startswith(b'HTTP/1.1 200 OK\r\nTest: 2\r\nDate: X\r\n')


BAD_CODES = [-1, math.inf, math.nan, {}, 99, 1000, '1000', None, True, [], 'this is not valid',
             '404 this is not valid either']


def test_write_head_refuses_every_invalid_status_code_and_coerces_as_node(run_loop):
    """test-http-response-statuscode.js: each bad code raises
    ERR_HTTP_INVALID_STATUS_CODE; as Node's ``statusCode |= 0``, a numeric
    string and a fractional number are accepted ('200', 200.7)."""
    seen = []

    def app(req, res):
        for code in BAD_CODES:
            seen.append(outcome(lambda: res.writeHead(code)))
        for code in ('201', 202.7):
            other = http.ServerResponse(req)
            other.writeHead(code)
            seen.append(other.statusCode)
        res.statusCode = 99
        seen.append(outcome(res.end))
        res.statusCode = 200
        res.end()
    [answer] = answers(run_loop, app, [get('/')])
    assert seen == ['ERR_HTTP_INVALID_STATUS_CODE'] * len(BAD_CODES) + [
        201, 202, 'ERR_HTTP_INVALID_STATUS_CODE']
    assert answer.startswith(b'HTTP/1.1 200 OK\r\n')


def test_a_head_answer_carries_no_body_even_when_end_gives_one(run_loop):
    """test-http-head-response-has-no-body-end.js"""
    def app(req, res):
        res.writeHead(200)
        res.end('FAIL')
    assert answers(run_loop, app, [get('/', 'HEAD')]) == [
        b'HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n\r\n']


def test_write_callbacks_run_in_order_for_empty_chunks_too(run_loop):
    """test-http-outgoing-message-write-callback.js"""
    done = []

    def app(req, res):
        for chunk in ('a', 'b', '', b'', 'c'):
            res.write(chunk, lambda *args, chunk=chunk: done.append(chunk))
        res.end(lambda: done.append('end'))
    [answer] = answers(run_loop, app, [get('/')])
    assert done == ['a', 'b', '', b'', 'c', 'end']
    assert answer == (b'HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n'
                      b'Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n')


def test_set_header_returns_the_response_for_chaining(run_loop):
    """test-http-set-header-chain.js"""
    def app(req, res):
        res.setHeader('X-A', '1').setHeader('X-B', '2').end('ok')
    [answer] = answers(run_loop, app, [get('/')])
    assert answer.startswith(b'HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nDate: X\r\n')


def test_a_custom_status_message_is_the_reason_phrase(run_loop):
    """test-http-status-message.js"""
    def app(req, res):
        res.statusMessage = 'Custom'
        res.statusCode = 299
        res.end()
    assert answers(run_loop, app, [get('/')]) == [
        b'HTTP/1.1 299 Custom\r\nDate: X\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']


def test_a_removed_date_header_stays_removed(run_loop):
    """test-http-remove-header-stays-removed.js"""
    def app(req, res):
        res.removeHeader('Date')
        res.end('x')
    assert answers(run_loop, app, [get('/')]) == [
        b'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx']


def test_set_headers_sets_a_mapping_and_refuses_other_values(run_loop):
    """test-http-response-setheaders.js (a dict stands for Node's Map)."""
    seen = []

    def app(req, res):
        seen.append(outcome(lambda: res.setHeaders(['X-A', '1'])))
        assert res.setHeaders({'X-A': '1', 'X-B': ['2', '3']}) is res
        res.setHeaders({'x-c': '4'})
        res.end()
        seen.append(outcome(lambda: res.setHeaders({'x-d': '5'})))
    assert answers(run_loop, app, [get('/')]) == [
        b'HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nX-B: 3\r\nx-c: 4\r\nDate: X\r\n'
        b'Connection: close\r\nContent-Length: 0\r\n\r\n']
    assert seen == ['ERR_INVALID_ARG_TYPE', 'ERR_HTTP_HEADERS_SENT']


def test_unique_headers_are_joined_in_heads_and_trailers_both_ways(run_loop):
    """test-http-multiple-headers.js: the uniqueHeaders option of the server
    and of a request joins a list value with '; ' (heads and trailers); the
    other lists repeat the header; writeHead's headers are set too."""
    seen = {}

    def app(req, res):
        seen['req raw'] = req.rawHeaders
        req.on('end', lambda: reply(req, res))
        req.resume()

    def reply(req, res):
        seen['req trailers'] = req.rawTrailers
        res.setHeader('X-Res-a', 'AAA')
        res.appendHeader('x-res-a', ['BBB', 'CCC'])
        res.setHeader('X-Res-b', ['DDD', 'EEE'])
        res.appendHeader('x-res-b', ['FFF', 'GGG'])
        res.removeHeader('date')
        res.writeHead(200, {'Connection': 'close', 'x-res-c': ['HHH', 'III'],
                            'x-res-d': ['JJJ', 'KKK', 'LLL']})
        res.addTrailers({'x-res-x': ['XXX', 'YYY'], 'X-Res-Y': ['ZZZ', 'WWW']})
        res.write('BODY')
        res.end()
        seen['names'] = res.getHeaderNames()
        seen['raw names'] = res.getRawHeaderNames()
        seen['headers'] = res.getHeaders()

    def on_response(res):
        seen['res raw'] = res.rawHeaders
        res.on('end', lambda: (seen.update(res_trailers=res.rawTrailers), server.close()))
        res.resume()

    def start():
        seen['host'] = '127.0.0.1:%d' % server.address().port
        req = http.request({'host': '127.0.0.1', 'port': server.address().port, 'method': 'POST',
                            'headers': {'connection': 'close', 'x-req-a': 'aaa',
                                        'X-Req-b': ['ccc', 'ddd']},
                            'uniqueHeaders': ['x-req-b', 'x-req-y']}, on_response)
        req.setHeader('X-Req-a', ['eee', 'fff'])
        req.appendHeader('X-req-a', ['ggg', 'hhh'])
        req.setHeader('X-Req-b', ['iii', 'jjj'])
        req.appendHeader('x-req-b', ['kkk', 'lll'])
        req.addTrailers({'x-req-x': ['xxx', 'yyy'], 'X-req-Y': ['zzz', 'www']})
        req.write('BODY')
        req.end()
    server = http.createServer({'uniqueHeaders': ['x-res-b', 'x-res-d', 'x-res-y']}, app)
    server.listen(0, '127.0.0.1', start)
    run_loop()
    host = seen['host']
    assert seen['req raw'] == ['connection', 'close', 'X-Req-a', 'eee', 'X-Req-a', 'fff',
                               'X-Req-a', 'ggg', 'X-Req-a', 'hhh', 'X-Req-b', 'iii; jjj; kkk; lll',
                               'Host', host, 'Transfer-Encoding', 'chunked']
    assert seen['req trailers'] == ['x-req-x', 'xxx', 'x-req-x', 'yyy', 'X-req-Y', 'zzz; www']
    assert seen['res raw'] == ['X-Res-a', 'AAA', 'X-Res-a', 'BBB', 'X-Res-a', 'CCC',
                               'X-Res-b', 'DDD; EEE; FFF; GGG', 'Connection', 'close',
                               'x-res-c', 'HHH', 'x-res-c', 'III', 'x-res-d', 'JJJ; KKK; LLL',
                               'Transfer-Encoding', 'chunked']
    assert seen['res_trailers'] == ['x-res-x', 'XXX', 'x-res-x', 'YYY', 'X-Res-Y', 'ZZZ; WWW']
    assert seen['names'] == ['x-res-a', 'x-res-b', 'connection', 'x-res-c', 'x-res-d']
    assert seen['raw names'] == ['X-Res-a', 'X-Res-b', 'Connection', 'x-res-c', 'x-res-d']
    assert seen['headers'] == {'x-res-a': ['AAA', 'BBB', 'CCC'],
                               'x-res-b': ['DDD', 'EEE', 'FFF', 'GGG'], 'connection': 'close',
                               'x-res-c': ['HHH', 'III'], 'x-res-d': ['JJJ', 'KKK', 'LLL']}


def test_a_cookie_list_is_joined_with_semicolons_without_unique_headers(run_loop):
    """test-http-multiple-headers.js's rule for Cookie (Node's isCookieField):
    two values or more are one 'Cookie: a; b' line; other lists repeat."""
    got = {}

    def start():
        req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'agent': False,
                            'headers': {'Cookie': ['a=1', 'b=2'], 'X-L': ['1', '2']}},
                           lambda res: res.on('data', lambda d: got.update(body=d)))
        req.on('close', server.close)
        req.end()
    server = http.createServer(lambda req, res: res.end(repr(req.rawHeaders[:6])))
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert got['body'] == b"['Cookie', 'a=1; b=2', 'X-L', '1', 'X-L', '2']"
