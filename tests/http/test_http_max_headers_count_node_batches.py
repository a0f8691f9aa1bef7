"""maxHeadersCount limits ``headers``, not ``rawHeaders``, as Node 20's.

Node's default is 1000 (its parser's maxHeaderPairs 2000 names and
values), 0 is no limit, and its binding hands a long head to JavaScript
31 pairs at a time, each batch kept while fewer than maxHeadersCount pairs
were: rawHeaders ends at a batch's end.  Pinned with /usr/bin/node
(Host first, then N headers; 'headers keys, rawHeaders pairs'):

  default: 1001 -> 1000 1001, 1023 -> 1000 1023, 1501 -> 1000 1023
  10:      21 -> 10 21,  31 -> 10 31,  32 -> 10 31,  101 -> 10 31
  40:      42 -> 40 42,  63 -> 40 62,  201 -> 40 62
  0:       1401 -> 1401 1401

A Host past the limit is not in ``headers``: an HTTP/1.1 request is 400."""
import json

import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import listen, raw_client


def head_with(count, first=b'Host: a\r\n'):
    return (b'GET /x HTTP/1.1\r\n' + first
            + b''.join(b'X%d: v\r\n' % i for i in range(count)) + b'\r\n')


def counts_on_server(run_loop, count, limit='unset', first=b'Host: a\r\n'):
    """(status, headers keys, rawHeaders pairs) of a request with Host
    and ``count`` more headers, to a server with maxHeadersCount ``limit``."""
    server = http.createServer(
        lambda req, res: res.end(json.dumps([len(req.headers), len(req.rawHeaders) // 2])))
    server.maxHeaderSize = 1 << 20
    if limit != 'unset':
        server.maxHeadersCount = limit
    got = []

    def start():
        got.append(raw_client(server, [head_with(count, first)]))
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 300)
    listen(server, start)
    run_loop()
    raw = b''.join(got[0][0])
    status = int(raw.split(b' ', 2)[1])
    return (status, *json.loads(raw.split(b'\r\n\r\n', 1)[1])) if status == 200 else (status,)


@pytest.mark.parametrize('limit, count, headers, raw', [
    ('unset', 1000, 1000, 1001), ('unset', 1022, 1000, 1023), ('unset', 1500, 1000, 1023),
    (None, 1500, 1000, 1023),
    (10, 20, 10, 21), (10, 30, 10, 31), (10, 31, 10, 31), (10, 100, 10, 31),
    (40, 41, 40, 42), (40, 62, 40, 62), (40, 200, 40, 62),
    (0, 1400, 1401, 1401),
])
def test_the_server_limits_headers_and_keeps_node_raw_headers(run_loop, limit, count, headers, raw):
    assert counts_on_server(run_loop, count, limit) == (200, headers, raw)


def test_a_host_past_the_limit_is_missing(run_loop):
    assert counts_on_server(run_loop, 3, 2, first=b'') == (400,)


def test_the_client_limits_the_answer_headers_as_node(run_loop):
    """The client's default is Node's 1000 too; maxHeadersCount set on the
    request applies the same way."""
    lines = b''.join(b'X%d: v\r\n' % i for i in range(1500))
    server = net.createServer(lambda sock: sock.on('data', lambda data: sock.end(
        b'HTTP/1.1 200 OK\r\n' + lines + b'Content-Length: 2\r\n\r\nok')))
    got = []

    def ask(limit):
        req = http.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': False,
                        'maxHeaderSize': 1 << 20},
                       lambda res: (got.append((len(res.headers), len(res.rawHeaders) // 2,
                                                len(res.headersDistinct))), res.resume()))
        if limit != 'unset':
            req.maxHeadersCount = limit
        return req

    def start():
        ask('unset')
        ask(10)
        ask(0)
        net.setTimeout(server.close, 300)
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert sorted(got) == sorted([(1000, 1023, 1000), (10, 31, 10), (1501, 1501, 1501)])
