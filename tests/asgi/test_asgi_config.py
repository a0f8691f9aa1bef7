"""What a pyuvnet.asgi server does with its Config's settings, each pinned
against uvicorn 0.54's behaviour: the access log (uvicorn's logger and
line), X-Forwarded-* from trusted peers only, --limit-concurrency's 503,
the default response headers (Server, --header, Date), the keep-alive
timeout, and uvicorn's ways with a failing app (a second
http.response.start, a failed lifespan startup)."""
import asyncio
import logging

import pytest

from pyuvnet import asgi
from pyuvnet.serve import Config

from asgi_support import (
    GET, LateEvent, connect, exchange, header, read_all, read_response, serve, text_app,
)

pytestmark = pytest.mark.timeout(30)


def request(path=b'/', headers=b''):
    return b'GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n' % (path, headers)


def scope_app(seen):
    async def app(scope, receive, send):
        if scope['type'] == 'http':
            seen.append((scope['client'], scope['scheme']))
            await text_app(b'ok')(scope, receive, send)
    return app


# -- the access log ---------------------------------------------------------------

class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def access_records():
    logger = logging.getLogger('uvicorn.access')
    handler = Lines()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_the_access_log_is_uvicorns_line_on_uvicorns_logger(access_records):
    from pyuvnet._internal.app_config import AccessFormatter
    ports = []

    async def client(server):
        reader, writer = await connect(server)
        ports.append(writer.get_extra_info('sockname')[1])
        writer.write(request(b'/a%20b?x=1'))
        status = (await read_response(reader))[0]
        writer.close()
        return status
    assert serve(text_app(b'ok'), client) == 200
    record, = access_records
    assert record.msg == '%s - "%s %s HTTP/%s" %d'
    assert record.args == ('127.0.0.1:%d' % ports[0], 'GET', '/a%20b?x=1', '1.1', 200)
    line = AccessFormatter('%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
                           use_colors=False).format(record)
    assert line == 'INFO:     127.0.0.1:%d - "GET /a%%20b?x=1 HTTP/1.1" 200 OK' % ports[0]


def test_no_access_log_makes_no_line(access_records):
    async def client(server):
        return (await exchange(server, GET))[0][0][0]
    assert serve(text_app(b'ok'), client, accessLog=False) == 200
    assert access_records == []


# -- proxy headers ------------------------------------------------------------------

FORWARDED = b'X-Forwarded-For: 203.0.113.7, 10.1.2.3\r\nX-Forwarded-Proto: https\r\n'


@pytest.mark.parametrize('allowed, expected', [
    # uvicorn's default trusts 127.0.0.1: the client is the nearest
    # untrusted address, the scheme the proxy's.
    (None, (('10.1.2.3', 0), 'https')),
    ('127.0.0.1, 10.0.0.0/8', (('203.0.113.7', 0), 'https')),
    ('*', (('203.0.113.7', 0), 'https')),
])
def test_forwarded_headers_from_a_trusted_peer_set_client_and_scheme(allowed, expected):
    seen = []
    options = {} if allowed is None else {'forwardedAllowIps': allowed}

    async def client(server):
        return (await exchange(server, request(headers=FORWARDED)))[0][0][0]
    assert serve(scope_app(seen), client, **options) == 200
    assert seen == [expected]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored():
    seen = []

    async def client(server):
        await exchange(server, request(headers=FORWARDED))
        return server.address().port
    port = serve(scope_app(seen), client, forwardedAllowIps='10.9.9.9')
    (host, _), scheme = seen[0]
    assert (host, scheme) == ('127.0.0.1', 'http')
    assert port


def test_no_proxy_headers_ignores_them_from_anyone():
    seen = []

    async def client(server):
        await exchange(server, request(headers=FORWARDED))
    serve(scope_app(seen), client, proxyHeaders=False, forwardedAllowIps='*')
    assert seen[0][0][0] == '127.0.0.1'


def test_the_forwarded_reading_is_uvicorns():
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
    cases = [
        ('127.0.0.1', '1.2.3.4', 'https'),
        ('127.0.0.1', '1.2.3.4:5678, 127.0.0.1', 'http'),
        ('127.0.0.1', '[2001:db8::1]:443', 'wss'),
        ('127.0.0.1', 'not-an-ip', 'gopher'),
        ('10.0.0.5', '1.2.3.4', 'https'),
        ('127.0.0.1', '1.2.3.4, 10.0.0.1, 10.0.0.2', None),
    ]
    for trusted in ('127.0.0.1', '127.0.0.1,10.0.0.0/8', '*'):
        trust = Config(forwarded_allow_ips=trusted).trusted_proxies()
        for peer, fors, proto in cases:
            headers = [(b'x-forwarded-for', fors.encode())]
            if proto is not None:
                headers.append((b'x-forwarded-proto', proto.encode()))
            theirs = {'type': 'http', 'client': (peer, 1), 'scheme': 'http', 'headers': headers}
            ours = dict(theirs)

            async def app(scope, receive, send):
                pass
            asyncio.run(ProxyHeadersMiddleware(app, trusted)(theirs, None, None))
            trust.apply(ours, False)
            assert (ours['client'], ours['scheme']) == (theirs['client'], theirs['scheme']), (
                trusted, peer, fors, proto)


# -- limits and default headers ---------------------------------------------------------

def test_past_limit_concurrency_the_answer_is_uvicorns_503():
    # uvicorn counts the request's own connection: with a limit of 2, a
    # second connection is one too many while the first one's request runs
    # (and a limit of 1 answers every request 503, as uvicorn does).
    release = LateEvent()

    async def app(scope, receive, send):
        if scope['type'] == 'http':
            if scope['path'] == '/hold':
                await release.wait()
            await text_app(b'ok')(scope, receive, send)

    async def client(server):
        held_reader, held_writer = await connect(server)
        held_writer.write(request(b'/hold'))
        await asyncio.sleep(0.2)
        (status, headers, body, _), = (await exchange(server, request()))[0][:1]
        release.set()
        held = await read_response(held_reader)
        held_writer.close()
        return status, header(headers, b'connection'), body, held[0]
    assert serve(app, client, limitConcurrency=2) == (503, [b'close'], b'Service Unavailable',
                                                       200)


def test_server_header_and_header_flags_come_before_the_apps_headers():
    async def client(server):
        (status, headers, _, _), = (await exchange(server, GET))[0]
        return [name for name, _ in headers if name in (b'server', b'x-team', b'content-type')], \
            header(headers, b'server'), header(headers, b'x-team')
    names, server_values, team = serve(text_app(b'ok'), client, serverHeader=True,
                                       headers=['X-Team: web'])
    assert names == [b'server', b'x-team', b'content-type']
    assert (server_values, team) == ([b'pyuvnet'], [b'web'])


def test_a_programs_server_sends_no_server_header_and_a_date():
    async def client(server):
        (_, headers, _, _), = (await exchange(server, GET))[0]
        return header(headers, b'server'), len(header(headers, b'date'))
    assert serve(text_app(b'ok'), client) == ([], 1)


def test_no_date_header():
    async def client(server):
        (_, headers, _, _), = (await exchange(server, GET))[0]
        return header(headers, b'date')
    assert serve(text_app(b'ok'), client, dateHeader=False) == []


def test_a_config_is_taken_whole():
    config = Config(access_log=False, server_header=True, headers=[('x-a', '1')],
                    root_path='/api/', timeout_keep_alive=7)
    server = asgi.createServer(text_app(b'ok'), {'config': config})
    assert server.config is config
    assert server.keepAliveTimeout == 7000
    assert server._asgi.config is config


# -- uvicorn's ways with a failing app -----------------------------------------------------

def test_a_second_response_start_sends_the_first_head_then_closes():
    async def app(scope, receive, send):
        if scope['type'] == 'http':
            await send({'type': 'http.response.start', 'status': 200, 'headers': []})
            await send({'type': 'http.response.start', 'status': 404, 'headers': []})

    async def client(server):
        return await read_all(server, GET)
    data = serve(app, client)
    assert data.startswith(b'HTTP/1.1 200 OK\r\n'), data
    assert b'404' not in data


def test_a_failed_startup_carries_the_apps_exception(caplog):
    caplog.set_level(logging.INFO, logger='uvicorn.error')

    async def app(scope, receive, send):
        if scope['type'] == 'lifespan':
            await receive()
            raise ValueError('no database')

    async def main():
        from pyuvnet import aio
        async with aio.attach():
            server = asgi.createServer(app, lifespan='on')
            failed = asyncio.get_running_loop().create_future()
            server.on('error', failed.set_result)
            server.listen(0, '127.0.0.1')
            return await asyncio.wait_for(failed, 10)
    error = asyncio.run(main())
    assert isinstance(error, asgi.LifespanFailure)
    assert isinstance(error.__cause__, ValueError)
    assert str(error) == 'ASGI application startup failed: ValueError: no database'
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == 'Waiting for application startup.'
    assert 'Application startup failed. Exiting.' in messages


H2C = (b'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n'
       b'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n')


def test_an_h2c_upgrade_is_answered_as_a_plain_request_and_the_connection_kept():
    # curl --http2 on http://: uvicorn answers it as HTTP/1.1.
    async def client(server):
        reader, writer = await connect(server)
        writer.write(H2C)
        first = await read_response(reader)
        writer.write(GET)
        second = await read_response(reader)
        writer.close()
        return first[0], first[2], second[0]
    assert serve(text_app(b'plain'), client) == (200, b'plain', 200)


def test_an_h2c_upgrade_with_a_body_is_a_plain_request_with_that_body():
    # uvicorn 0.54 --http h11 (audit t27): the body is the request's, and a
    # request pipelined after it in the same read is answered too (Node's
    # http leaves that unparsed); only a WebSocket upgrade makes what
    # follows the head the upgrade's.
    bodies = []

    async def app(scope, receive, send):
        message = await receive()
        bodies.append((scope['path'], message['body']))
        await text_app(b'plain')(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(H2C.replace(b'GET /', b'POST /a').replace(
            b'\r\n\r\n', b'\r\nContent-Length: 5\r\n\r\nhello') + GET)
        first = await read_response(reader)
        second = await read_response(reader)
        writer.close()
        return first[0], second[0]
    assert serve(app, client) == (200, 200)
    assert bodies == [('/a', b'hello'), ('/', b'')]


# -- the same settings on pyuvnet.wsgi ---------------------------------------------

def environ_app(environ, start_response):
    body = ('%s %s' % (environ['REMOTE_ADDR'], environ['wsgi.url_scheme'])).encode()
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


@pytest.mark.parametrize('allowed, expected', [
    (None, b'10.1.2.3 https'), ('10.9.9.9', b'127.0.0.1 http'), ('*', b'203.0.113.7 https')])
def test_wsgi_forwarded_headers(allowed, expected):
    from pyuvnet import wsgi
    options = {} if allowed is None else {'forwardedAllowIps': allowed}

    async def client(server):
        return (await exchange(server, request(headers=FORWARDED)))[0][0][2]
    assert serve(environ_app, client, module=wsgi, **options) == expected


def test_wsgi_access_log_and_default_headers(access_records):
    from pyuvnet import wsgi

    async def client(server):
        (_, headers, _, _), = (await exchange(server, request(b'/w?q=1')))[0]
        return [name for name, _ in headers if name in (b'server', b'x-team', b'content-length')], \
            header(headers, b'date')
    names, date = serve(environ_app, client, module=wsgi, serverHeader=True,
                        headers=['X-Team: web'], dateHeader=False)
    assert (names, date) == ([b'server', b'x-team', b'content-length'], [])
    record, = access_records
    assert record.args[1:] == ('GET', '/w?q=1', '1.1', 200)
