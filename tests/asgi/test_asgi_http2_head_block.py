"""The ASGI cycle's heads over HTTP/2 made in C (uv/http2/head_block.pyx,
through pyuvnet/asgi/_http2.py): the request's scope parts of its received
block (h2_request_head), and the response's block of the app's header
pairs (h2_pairs_block): the same block as the longer way, the pairs made
a headers object and that object to_block(), or None to take that way;
and the server's last block made again only when the pairs differ."""
import asyncio

import pytest

from pyuvnet import http2
from pyuvnet._internal.app_http2 import RESPONSE_PSEUDO, pairs_block, response_headers, to_block
from pyuvnet._uv import h2_request_head
from asgi_support import serve

DEFAULTS = (('server', 'pyuvnet'), ('x-default', 'd'))
DATE = 'Sat, 28 Nov 2026 05:00:00 GMT'

CASES = {
    'plain': [(b'content-type', b'text/plain'), (b'content-length', b'14')],
    'none': [],
    'an app server header': [(b'server', b'mine'), (b'content-length', b'2')],
    'an app date': [(b'date', b'Thu, 01 Jan 2026 00:00:00 GMT')],
    'a latin-1 value': [(b'x-note', 'caf\xe9'.encode('latin-1'))],
    'upper case': [(b'Content-Type', b'text/plain')],
    'a repeat': [(b'x-a', b'1'), (b'x-b', b'2'), (b'x-a', b'3')],
    'set-cookies': [(b'set-cookie', b'a=1'), (b'set-cookie', b'b=2')],
    'a connection header': [(b'connection', b'keep-alive'), (b'x-a', b'1')],
    'a cookie': [(b'cookie', b'a=1')],
    'str values': [(b'x-a', '1')],
    'a pseudo-header': [(b':status', b'201')],
}


def longer_way(pairs, status, defaults, date):
    headers = response_headers(status, pairs, defaults)
    if date is not None and 'date' not in headers:
        headers['date'] = date
    return to_block(headers, RESPONSE_PSEUDO)


@pytest.mark.parametrize('pairs', CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize('date', [DATE, None], ids=['date', 'no date'])
def test_the_c_block_is_the_longer_ways_or_none(pairs, date):
    extra = to_block(dict(DEFAULTS), RESPONSE_PSEUDO)
    longer = longer_way(pairs, 200, DEFAULTS, date)
    # Twice: the second time the names are known (to_block learned them).
    for _ in range(2):
        block = pairs_block(pairs, 200, extra, None if date is None else date.encode())
        assert block is None or block == longer


@pytest.mark.parametrize('case', ['plain', 'none', 'an app server header', 'an app date',
                                  'a latin-1 value'])
def test_the_common_heads_take_the_c_way(case):
    extra = to_block(dict(DEFAULTS), RESPONSE_PSEUDO)
    longer_way(CASES[case], 200, DEFAULTS, DATE)      # the names learned
    assert pairs_block(CASES[case], 200, extra, DATE.encode()) is not None


def test_the_request_head_of_a_received_block():
    block = [b':method', b'POST', b':scheme', b'http', b':authority', b'example.com:8080',
             b':path', b'/a?b=1', b'x-forwarded-for', b'10.0.0.1', b'accept', b'caf\xe9']
    assert h2_request_head(block) == (
        'POST', '/a?b=1', 'example.com:8080',
        [(b'host', b'example.com:8080'), (b'x-forwarded-for', b'10.0.0.1'),
         (b'accept', b'caf\xe9')], True)


def test_a_host_header_stands_and_names_the_authority_when_none_came():
    assert h2_request_head([b':path', b'/', b'host', b'h', b'host', b'i']) == (
        'GET', '/', 'h', [(b'host', b'h'), (b'host', b'i')], False)
    assert h2_request_head([b':authority', b'a', b'host', b'h']) == (
        'GET', '/', 'a', [(b'host', b'h')], False)
    assert h2_request_head([]) == ('GET', '/', None, [], False)


def test_a_head_is_made_again_unless_its_pairs_status_and_date_are_the_last():
    # The cycle keeps the last block (uv/asgi/h2_cycle.pyx, H2Sink.head_block):
    # the same tuples with another status, equal bytes anew, a pair that is
    # a list (changed in place between two answers) each get their own head.
    same = [(b'x-a', b'1')]
    in_place = [b'x-a', b'3']
    answers = [(200, same), (201, same), (200, [(b'x-a', b'2')]), (200, [in_place]),
               (200, [in_place]), (200, [(b'x-a', b'5'), (b'x-b', b'6')])]

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        n = int(scope['path'][1:])
        if n == 4:
            in_place[1] = b'4'
        status, pairs = answers[n]
        await send({'type': 'http.response.start', 'status': status, 'headers': pairs})
        await send({'type': 'http.response.body', 'body': b''})

    async def client(server):
        session = http2.connect('http://127.0.0.1:%d' % server.address().port)
        heads = []
        try:
            for n in range(len(answers)):
                req = session.request({':path': '/%d' % n})
                head = asyncio.get_running_loop().create_future()
                req.on('response', lambda headers, *_: head.set_result(headers))
                req.resume()
                headers = await head
                heads.append((headers[':status'], headers['x-a'], headers.get('x-b')))
        finally:
            session.close()
        return heads
    assert serve(app, client) == [(200, '1', None), (201, '1', None), (200, '2', None),
                                  (200, '3', None), (200, '4', None), (200, '5', '6')]
