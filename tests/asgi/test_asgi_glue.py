"""The per-request ASGI glue in C (pyuvnet/uv/asgi/handler.pyx and
cycle.pyx): what it keeps from one request to the next (request targets,
header pairs, response heads) never leaks into another request's scope or
answer, and receive()'s and send()'s awaitables done at once behave as
coroutines."""
import asyncio

import pytest

from asgi_support import exchange, header, read_all, serve

pytestmark = pytest.mark.timeout(30)


def request(target, *lines):
    return (b'GET %s HTTP/1.1\r\nHost: example.org\r\n' % target
            + b''.join(line + b'\r\n' for line in lines) + b'\r\n')


def scopes_of(requests, together):
    """The scopes an app saw for ``requests``, sent on one connection (in
    one write when ``together``, else each after the last answer)."""
    seen = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        seen.append(scope)
        # An app may change its scope: the next request's is its own.
        scope['headers'].append((b'x-added', b'1'))
        scope['state']['touched'] = True
        body = scope['path'].encode('latin-1')
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'%d' % len(body))]})
        await send({'type': 'http.response.body', 'body': body})

    async def client(server):
        if together:
            got, _ = await exchange(server, b''.join(requests), responses=len(requests))
            return [body for _, _, body, _ in got]
        bodies = []
        for data in requests:
            got, _ = await exchange(server, data)
            bodies.append(got[0][2])
        return bodies
    bodies = serve(app, client)
    return seen, bodies


@pytest.mark.parametrize('together', [True, False], ids=['pipelined', 'one-by-one'])
def test_each_request_has_its_own_target_and_headers(together):
    requests = [
        request(b'/a?x=1', b'X-V: 1', b'Accept: */*'),
        request(b'/a?x=1', b'X-V: 2', b'Accept: */*'),
        request(b'/a?x=1', b'Accept: */*', b'X-V: 2'),
        request(b'/b%20c'),
        request(b'/a?x=1', b'X-V: 2', b'Accept: */*', b'X-More: m'),
        request(b'/a?x=2', b'x-v: 2', b'Accept: */*'),
    ]
    seen, bodies = scopes_of(requests, together)
    assert [(s['path'], s['raw_path'], s['query_string']) for s in seen] == [
        ('/a', b'/a', b'x=1'), ('/a', b'/a', b'x=1'), ('/a', b'/a', b'x=1'),
        ('/b c', b'/b%20c', b''), ('/a', b'/a', b'x=1'), ('/a', b'/a', b'x=2')]
    assert bodies == [b'/a', b'/a', b'/a', b'/b c', b'/a', b'/a']
    host = (b'host', b'example.org')
    assert [s['headers'] for s in seen] == [
        [host, (b'x-v', b'1'), (b'accept', b'*/*'), (b'x-added', b'1')],
        [host, (b'x-v', b'2'), (b'accept', b'*/*'), (b'x-added', b'1')],
        [host, (b'accept', b'*/*'), (b'x-v', b'2'), (b'x-added', b'1')],
        [host, (b'x-added', b'1')],
        [host, (b'x-v', b'2'), (b'accept', b'*/*'), (b'x-more', b'm'), (b'x-added', b'1')],
        [host, (b'x-v', b'2'), (b'accept', b'*/*'), (b'x-added', b'1')],
    ]
    # Each scope's state is a copy: one request's change is not the next's.
    assert all(s['state'] == {'touched': True} for s in seen)
    assert len({id(s['state']) for s in seen}) == len(seen)


def test_response_heads_kept_per_headers_not_shared_across_values():
    """The same headers list with another Content-Length (or status) is
    another head."""
    bodies = [b'one', b'three', b'one', b'']

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        body = bodies[int(scope['path'][1:])]
        await send({'type': 'http.response.start', 'status': 200 if body else 204,
                    'headers': [(b'content-type', b'text/plain'),
                                (b'content-length', b'%d' % len(body))]})
        await send({'type': 'http.response.body', 'body': body})

    async def client(server):
        data = b''.join(request(b'/%d' % i) for i in range(len(bodies)))
        got, _ = await exchange(server, data, responses=len(bodies))
        return got
    got = serve(app, client)
    assert [(status, body) for status, _, body, _ in got] == [
        (200, b'one'), (200, b'three'), (200, b'one'), (204, b'')]
    assert [header(headers, b'content-length') for _, headers, _, _ in got[:3]] == [
        [b'3'], [b'5'], [b'3']]


def x_headers_answered(head_of, count):
    """The X-A and X-B values of ``count`` pipelined answers whose headers
    are ``head_of(i)``."""
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        head = head_of(int(scope['path'][1:]))
        await send({'type': 'http.response.start', 'status': 200, 'headers': head})
        await send({'type': 'http.response.body', 'body': b''})

    async def client(server):
        data = b''.join(request(b'/%d' % i) for i in range(count))
        got, _ = await exchange(server, data, responses=count)
        return [(header(headers, b'x-a'), header(headers, b'x-b')) for _, headers, _, _ in got]
    return serve(app, client)


def test_response_heads_follow_each_requests_headers_whatever_came_before():
    """Headers compared with the last ones pair by pair: a pair that is a
    list, a longer or shorter list, a tuple of pairs, one value changed."""
    heads = [[(b'x-a', b'1')], [[b'x-a', b'2']], [(b'x-a', b'1')],
             ((b'x-a', b'1'), (b'x-b', b'2')), [(b'x-a', b'1')], [(b'x-a', b'3')]]
    assert x_headers_answered(heads.__getitem__, len(heads)) == [
        ([b'1'], []), ([b'2'], []), ([b'1'], []), ([b'1'], [b'2']), ([b'1'], []), ([b'3'], [])]


def test_response_heads_follow_pairs_made_anew_for_each_response():
    """Pairs made afresh per response (as Starlette makes them) are
    compared by their bytes: a name or a value of the same length that
    differs in one byte is another head."""
    pairs = [(b'x-a', b'12'), (b'x-a', b'12'), (b'x-b', b'12'), (b'x-b', b'13'),
             (b'x-b', b'13'), (b'x-a', b'12')]

    def head_of(i):
        # New bytes objects each time: never the last response's own.
        name, value = pairs[i]
        return [(bytes(bytearray(b'content-length')), b'0'),
                (bytes(bytearray(name)), bytes(bytearray(value)))]
    assert x_headers_answered(head_of, len(pairs)) == [
        ([b'12'], []), ([b'12'], []), ([], [b'12']), ([], [b'13']), ([], [b'13']), ([b'12'], [])]


def test_receive_and_send_awaitables_are_coroutines():
    """What receive() and send() return can be awaited, wrapped by
    ensure_future() and given to create_task(), as uvicorn's coroutines."""
    results = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        results.append(await asyncio.create_task(receive()))
        awaitable = send({'type': 'http.response.start', 'status': 200,
                          'headers': [(b'content-length', b'2')]})
        results.append(asyncio.iscoroutine(awaitable))
        results.append(await asyncio.ensure_future(awaitable))
        await asyncio.gather(send({'type': 'http.response.body', 'body': b'ok'}))
        # After the answer: the client's leaving is all there is to receive.
        results.append(await receive())

    async def client(server):
        data = (b'POST / HTTP/1.1\r\nHost: example.org\r\nContent-Length: 3\r\n\r\nabc')
        got, _ = await exchange(server, data)
        return got[0]
    status, _, body, _ = serve(app, client)
    assert (status, body) == (200, b'ok')
    assert results == [{'type': 'http.request', 'body': b'abc', 'more_body': False},
                       True, None, {'type': 'http.disconnect'}]


def test_send_errors_are_raised_where_the_app_calls_send():
    """A message out of order is a RuntimeError (uvicorn's words) that
    changes nothing; a bad header name is Node's error, and the app that
    swallows it ends with its connection closed (the response had begun)."""
    caught = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        if scope['path'] == '/bad':
            try:
                await send({'type': 'http.response.start', 'status': 200,
                            'headers': [(b'bad name', b'x')]})
            except Exception as exc:
                caught.append(getattr(exc, 'code', None))
            return
        try:
            await send({'type': 'http.response.body', 'body': b'x'})
        except RuntimeError as exc:
            caught.append(str(exc))
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'2')]})
        await send({'type': 'http.response.body', 'body': b'ok'})

    async def client(server):
        got, _ = await exchange(server, request(b'/'))
        return got[0], await read_all(server, request(b'/bad'))
    (status, _, body, _), bad = serve(app, client)
    assert (status, body) == (200, b'ok')
    assert bad == b''
    assert caught == ["Expected ASGI message 'http.response.start', but got "
                      "'http.response.body'.", 'ERR_INVALID_HTTP_TOKEN']


def test_message_types_are_compared_by_their_text():
    """A type of the right length that differs in one character, in
    another width, or as bytes is refused; the right text in a str made
    at run time (not the server's own object) is taken."""
    refused = []
    start, body = ''.join(['http.response.', 'start']), ''.join(['http.response.', 'body'])

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        for kind in ('http.response.stArt', 'http.response.star\u0100', b'http.response.start'):
            try:
                await send({'type': kind, 'status': 200})
            except RuntimeError:
                refused.append(kind)
        await send({'type': start, 'status': 200, 'headers': [(b'content-length', b'2')]})
        try:
            await send({'type': 'http.response.bodY', 'body': b'no'})
        except RuntimeError:
            refused.append('bodY')
        await send({'type': body, 'body': b'ok'})

    async def client(server):
        got, _ = await exchange(server, request(b'/'))
        return got[0]
    status, _, answer, _ = serve(app, client)
    assert (status, answer) == (200, b'ok')
    assert refused == ['http.response.stArt', 'http.response.star\u0100',
                       b'http.response.start', 'bodY']


def test_a_connections_scopes_follow_each_requests_method_version_and_target():
    """The scope's request parts are kept per connection and set again when
    they change: each request on one keep-alive connection has its own
    method, HTTP version and target, and every one the connection's ends."""
    seen = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        seen.append((scope['method'], scope['http_version'], scope['path'],
                     scope['query_string'], scope['client'], scope['server']))
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'2')]})
        await send({'type': 'http.response.body', 'body': b'ok'})

    heads = [b'GET /a?q=1 HTTP/1.1', b'POST /a?q=1 HTTP/1.1', b'GET /a?q=1 HTTP/1.0',
             b'GET /a?q=1 HTTP/1.1', b'DELETE /b HTTP/1.1', b'GET /a?q=1 HTTP/1.1']
    data = b''.join(head + b'\r\nHost: example.org\r\nConnection: keep-alive\r\n'
                    b'Content-Length: 0\r\n\r\n' for head in heads)

    async def client(server):
        got, _ = await exchange(server, data, responses=len(heads))
        return [status for status, _, _, _ in got], server.address()['port']
    statuses, port = serve(app, client)
    assert statuses == [200] * len(heads)
    assert [s[:4] for s in seen] == [
        ('GET', '1.1', '/a', b'q=1'), ('POST', '1.1', '/a', b'q=1'), ('GET', '1.0', '/a', b'q=1'),
        ('GET', '1.1', '/a', b'q=1'), ('DELETE', '1.1', '/b', b''), ('GET', '1.1', '/a', b'q=1')]
    assert len({s[4] for s in seen}) == 1 and seen[0][4][0] == '127.0.0.1'
    assert {s[5] for s in seen} == {('127.0.0.1', port)}

