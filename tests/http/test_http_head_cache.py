"""The response head is serialised in C from cached pieces (the status
line, the header block, the keep-alive lines, the Date line): the caches
never give one response another's head.  Expected bytes are Node 20's, for
the same app (only the Date value differs)."""
import re
import socket

from pyuvnet import http

from http_server_support import serve_client

REQUEST = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
LAST = b'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'


def _answers(run_loop, on_request, count, dates=None):
    """``count`` pipelined requests (the last says Connection: close) to a
    server calling ``on_request(i, server, req, res)``; the bytes answered,
    Date values replaced by 'D' (and added to the list ``dates``)."""
    server = http.createServer()
    seen = []

    def request(req, res):
        seen.append(req)
        on_request(len(seen) - 1, server, req, res)
        if len(seen) == count:
            server.close()
    server.on('request', request)
    received = []

    def client(port):
        with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
            conn.sendall(REQUEST * (count - 1) + LAST)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received.append(chunk)
    serve_client(run_loop, server, client)
    data = b''.join(received)
    if dates is not None:
        dates.extend(re.findall(rb'\r\nDate: ([^\r]*)\r\n', data))
    return re.sub(rb'Date: [^\r]*', b'Date: D', data)


def _header_lines(data):
    """Each '200 OK' response's header lines up to its Date, from what
    _answers() returned."""
    return [re.sub(rb'\r\nDate: D.*', b'', head, flags=re.S)
            for head in data.split(b'HTTP/1.1 200 OK\r\n')[1:]]


def test_equal_header_values_of_other_types_are_not_mixed_up(run_loop):
    """{'X-A': 1}, then True, 1.5 and 'x' (equal keys for a dict: 1 == True)
    are sent as '1', 'true', '1.5' and 'x'; a reason phrase and a
    keepAliveTimeout changed between requests show in the next heads
    (Node: the Keep-Alive value is the server's when the response is made)."""
    values = [1, True, 1.5, 'x']

    def on_request(i, server, req, res):
        if i == 1:
            server.keepAliveTimeout = 7000
        res.writeHead(200, 'Fine' if i == 2 else None, {'X-A': values[i], 'Content-Length': 0})
        res.end()
    assert _answers(run_loop, on_request, 4) == (
        b'HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 0\r\nDate: D\r\nConnection: keep-alive\r\n'
        b'Keep-Alive: timeout=5\r\n\r\n'
        b'HTTP/1.1 200 OK\r\nX-A: true\r\nContent-Length: 0\r\nDate: D\r\n'
        b'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n'
        b'HTTP/1.1 200 Fine\r\nX-A: 1.5\r\nContent-Length: 0\r\nDate: D\r\n'
        b'Connection: keep-alive\r\nKeep-Alive: timeout=7\r\n\r\n'
        b'HTTP/1.1 200 OK\r\nX-A: x\r\nContent-Length: 0\r\nDate: D\r\nConnection: close\r\n\r\n')


def test_a_date_line_per_response_in_nodes_format(run_loop):
    """Each response has one Date header, in RFC 7231's format."""
    dates = []
    data = _answers(run_loop, lambda i, server, req, res: res.end(b'x'), 2, dates)
    assert data.count(b'\r\nDate: D\r\n') == 2
    assert len(dates) == 2
    for date in dates:
        assert re.fullmatch(rb'(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|'
                            rb'Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT', date)


def test_a_reason_phrase_outside_latin_1_is_refused(run_loop):
    """A status message that latin-1 cannot carry raises ERR_INVALID_CHAR
    from writeHead() (it is not cached as a line either: the next response
    with a good reason is sent)."""
    errors = []

    def on_request(i, server, req, res):
        if i == 0:
            try:
                res.writeHead(200, 'b\u20ac', {'Content-Length': 0})
            except Exception as exc:
                errors.append(exc)
            res.writeHead(201, 'Created', {'Content-Length': 0})
        else:
            res.writeHead(200, 'Good', {'Content-Length': 0})
        res.end()
    data = _answers(run_loop, on_request, 2)
    assert [getattr(e, 'code', None) for e in errors] == ['ERR_INVALID_CHAR']
    assert data.startswith(b'HTTP/1.1 201 Created\r\n')
    assert b'HTTP/1.1 200 Good\r\n' in data


def test_status_lines_follow_each_response(run_loop):
    """200, 404, 200 with statusMessage set, 200, a non-int 200.0: each
    status line is the response's own (the last line made is reused only
    for the same status with Node's reason)."""
    def on_request(i, server, req, res):
        res.statusCode = [200, 404, 200, 200, 200.0][i]
        if i == 2:
            res.statusMessage = 'Yes'
        res.end()
    data = _answers(run_loop, on_request, 5)
    assert re.findall(rb'HTTP/1.1 [^\r]*', data) == [
        b'HTTP/1.1 200 OK', b'HTTP/1.1 404 Not Found', b'HTTP/1.1 200 Yes', b'HTTP/1.1 200 OK',
        b'HTTP/1.1 200 OK']


def test_one_headers_dict_changed_between_responses(run_loop):
    """The same dict given to writeHead() each time, changed in between: a
    value replaced by an equal one of another type, a key moved to the end
    (deleted and set again), a key added: each head has the dict's items
    of the moment, in order."""
    headers = {'X-A': 1, 'X-B': 'b', 'Content-Length': 0}

    def on_request(i, server, req, res):
        if i == 1:
            headers['X-A'] = True
        elif i == 2:
            value = headers.pop('X-A')
            headers['X-A'] = value
        elif i == 3:
            headers['X-C'] = 'c'
        res.writeHead(200, headers)
        res.end()
    assert _header_lines(_answers(run_loop, on_request, 4)) == [
        b'X-A: 1\r\nX-B: b\r\nContent-Length: 0',
        b'X-A: true\r\nX-B: b\r\nContent-Length: 0',
        b'X-B: b\r\nContent-Length: 0\r\nX-A: true',
        b'X-B: b\r\nContent-Length: 0\r\nX-A: true\r\nX-C: c']


def test_a_new_headers_dict_per_response_gets_its_own_items(run_loop):
    """A dict made per response (as an app answering a body's length
    does): the same names and values again, another length, the same
    items in another order, one item fewer; each head has its own."""
    def on_request(i, server, req, res):
        length = [6, 6, 300, 6, 6][i]
        if i == 3:
            headers = {'Content-Length': length, 'Content-Type': 'text/plain'}
        elif i == 4:
            headers = {'Content-Type': 'text/plain'}
        else:
            headers = {'Content-Type': 'text/plain', 'Content-Length': length}
        res.writeHead(200, headers)
        res.end()
    assert _header_lines(_answers(run_loop, on_request, 5)) == [
        b'Content-Type: text/plain\r\nContent-Length: 6',
        b'Content-Type: text/plain\r\nContent-Length: 6',
        b'Content-Type: text/plain\r\nContent-Length: 300',
        b'Content-Length: 6\r\nContent-Type: text/plain',
        b'Content-Type: text/plain']


def test_a_list_value_changed_in_place_between_responses(run_loop):
    """The same dict each time, its Set-Cookie list appended to between two
    responses: the second head has both cookies (Node 20's bytes), not the
    first head's block again."""
    cookies = ['a=1']
    headers = {'Set-Cookie': cookies, 'Content-Length': 0}

    def on_request(i, server, req, res):
        if i == 1:
            cookies.append('b=2')
        res.writeHead(200, headers)
        res.end()
    assert _answers(run_loop, on_request, 2) == (
        b'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Length: 0\r\nDate: D\r\n'
        b'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n'
        b'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\nDate: D\r\n'
        b'Connection: close\r\n\r\n')
