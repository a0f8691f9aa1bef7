"""pyuvnet.wsgi's C glue (pyuvnet/uv/wsgi/): wsgi.input of a body all in
answers as io.BytesIO over the same bytes does; the environ of a
keep-alive connection's requests, copied whole while they repeat, follows
each request's own line and headers and never shows what an app changed
or kept; start_response is also write()."""
import io

import pytest

from pyuvnet import wsgi
from pyuvnet.wsgi._exchange import Input
from asgi_support import exchange, serve

pytestmark = pytest.mark.timeout(30)

BODY = b'first line\nsecond\n\nlast without newline'
OPERATIONS = [
    [('read',)], [('read', None)], [('read', -1)], [('read', 0)], [('read', 5), ('read', 100)],
    [('read', 3), ('read',), ('read',)], [('read1', 4), ('read1',)],
    [('readline',)] * 6, [('readline', 4), ('readline', 100), ('readline', 0), ('readline', None)],
    [('readlines',)], [('readlines', 1)], [('readlines', 12)], [('readlines', 0)],
    [('read', 2), ('readlines', -1)], [('tell',), ('read', 7), ('tell',), ('read',), ('tell',)],
    [('readable',)], [('read', 'x')], [('readline', 1.5)],
]


def outcomes(file, operations):
    seen = []
    for name, *args in operations:
        try:
            seen.append(getattr(file, name)(*args))
        except Exception as exc:
            seen.append(type(exc).__name__)
    return seen


@pytest.mark.parametrize('data', [BODY, b'', b'\n', b'no newline'])
@pytest.mark.parametrize('operations', OPERATIONS)
def test_input_answers_as_bytesio(data, operations):
    assert outcomes(Input(data), operations) == outcomes(io.BytesIO(data), operations)


@pytest.mark.parametrize('data', [BODY, b''])
def test_input_iterates_and_reads_into_as_bytesio(data):
    assert list(Input(data)) == list(io.BytesIO(data))
    for size in (0, 4, 100):
        mine, theirs = Input(data), io.BytesIO(data)
        a, b = bytearray(size), bytearray(size)
        assert (mine.readinto(a), a) == (theirs.readinto(b), b)
        assert mine.read() == theirs.read()


def test_input_whole_read_is_the_body_itself():
    data = b'x' * 1000
    assert Input(data).read() is data


def test_input_closed():
    body = Input(BODY)
    with body:
        assert body.read(5) == b'first' and not body.closed
    assert body.closed
    for name in ('read', 'readline', 'readlines', 'tell', '__iter__'):
        with pytest.raises(ValueError):
            getattr(body, name)()


def test_input_refuses_a_read_only_buffer():
    for file in (Input(BODY), io.BytesIO(BODY)):
        with pytest.raises(TypeError):
            file.readinto(b'immutable')


def keep_alive_environs(requests, **options):
    """The environ each of ``requests`` (raw bytes, sent on one keep-alive
    connection, each answered before the next) met, as copies; the app
    also changes each environ it gets, which the next must not see."""
    seen = []

    def app(environ, start_response):
        seen.append(dict(environ, **{'wsgi.input': environ['wsgi.input'].read()}))
        environ['HTTP_HOST'] = 'changed by the app'
        environ.pop('PATH_INFO')
        write = start_response('200 OK', [('Content-Length', '2')])
        write(b'ok')
        return []

    async def client(server):
        return [await exchange(server, b''.join(requests), len(requests))]
    responses, closed = serve(app, client, module=wsgi, **options)[0]
    assert [response[0] for response in responses] == [200] * len(requests)
    assert [response[2] for response in responses] == [b'ok'] * len(requests)
    assert not closed
    return seen


def test_keep_alive_environ_follows_each_request():
    get = b'GET /a?q=1 HTTP/1.1\r\nHost: one\r\nX-Tag: t\r\n\r\n'
    requests = [get, get, b'GET /a?q=1 HTTP/1.1\r\nHost: two\r\nX-Tag: t\r\n\r\n',
                b'GET /b HTTP/1.1\r\nHost: two\r\nX-Tag: t\r\n\r\n',
                b'POST /b HTTP/1.1\r\nHost: two\r\nX-Tag: t\r\nContent-Length: 3\r\n\r\nabc',
                b'GET /b HTTP/1.1\r\nHost: two\r\nX-Tag: t\r\nX-Tag: u\r\n\r\n',
                b'GET /b HTTP/1.0\r\nHost: two\r\nX-Tag: t\r\nConnection: keep-alive\r\n\r\n',
                get]
    seen = keep_alive_environs(requests, threads=0)
    assert [(e['REQUEST_METHOD'], e['PATH_INFO'], e['QUERY_STRING'], e['HTTP_HOST'],
             e['HTTP_X_TAG'], e['SERVER_PROTOCOL'], e['wsgi.input']) for e in seen] == [
        ('GET', '/a', 'q=1', 'one', 't', 'HTTP/1.1', b''),
        ('GET', '/a', 'q=1', 'one', 't', 'HTTP/1.1', b''),
        ('GET', '/a', 'q=1', 'two', 't', 'HTTP/1.1', b''),
        ('GET', '/b', '', 'two', 't', 'HTTP/1.1', b''),
        ('POST', '/b', '', 'two', 't', 'HTTP/1.1', b'abc'),
        ('GET', '/b', '', 'two', 't,u', 'HTTP/1.1', b''),
        ('GET', '/b', '', 'two', 't', 'HTTP/1.0', b''),
        ('GET', '/a', 'q=1', 'one', 't', 'HTTP/1.1', b''),
    ]
    assert 'CONTENT_LENGTH' in seen[4] and 'CONTENT_LENGTH' not in seen[5]
    assert 'HTTP_CONNECTION' in seen[6] and 'HTTP_CONNECTION' not in seen[7]
    assert seen[0] == seen[1] == seen[7]


def repeated_environs(app, times=8):
    """The answers to ``times`` equal GETs sent on one keep-alive
    connection to ``app`` (threads: 0), which sees them all."""
    get = b'GET /same?x=1 HTTP/1.1\r\nHost: h\r\nX-Tag: t\r\n\r\n'

    async def client(server):
        return await exchange(server, get * times, times)
    responses, closed = serve(app, client, module=wsgi, threads=0)
    assert [response[0] for response in responses] == [200] * times and not closed


def answer(start_response):
    start_response('200 OK', [('Content-Length', '0')])
    return []


def test_a_repeated_request_never_meets_what_the_app_changed():
    # Every way of changing the environ, each followed by requests that
    # change nothing (whose environ the server may hand out again).
    changes = [
        lambda e: e.update(EXTRA='x'),
        lambda e: None,
        lambda e: e.__setitem__('PATH_INFO', '/other'),
        lambda e: None,
        lambda e: e.__setitem__('PATH_INFO', e.pop('PATH_INFO')),   # same value, re-added
        lambda e: None,
        lambda e: e.pop('HTTP_X_TAG'),
        lambda e: None,
        lambda e: e.clear(),
        lambda e: None,
        lambda e: e.__setitem__('wsgi.input', None),
        lambda e: None,
        lambda e: None,
    ]
    seen = []

    def app(environ, start_response):
        seen.append(dict(environ))
        changes[len(seen) - 1](environ)
        return answer(start_response)
    repeated_environs(app, len(changes))
    assert seen[0]['PATH_INFO'] == '/same' and seen[0]['HTTP_X_TAG'] == 't'
    assert 'EXTRA' not in seen[0]
    assert all(environ == seen[0] for environ in seen)


def test_an_environ_the_app_keeps_is_never_handed_out_again():
    kept, copies = [], []

    def app(environ, start_response):
        if len(copies) % 2 == 0:
            kept.append(environ)
        copies.append(dict(environ))
        return answer(start_response)
    repeated_environs(app)
    assert len(set(map(id, kept))) == len(kept) == 4
    assert [dict(environ) for environ in kept] == copies[0::2]
    assert all(environ == copies[0] for environ in copies)


def test_start_response_is_also_write():
    got = []

    def app(environ, start_response):
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        got.append(write)
        write(b'one ')
        return [b'two']

    async def client(server):
        return await exchange(server, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    responses, _ = serve(app, client, module=wsgi, threads=0)
    assert responses[0][2] == b'one two'
    assert callable(got[0])


def test_bodiless_requests_share_an_input_that_stays_open():
    from pyuvnet.wsgi._exchange import input_for
    assert input_for(b'') is input_for(bytearray())
    assert input_for(b'x') is not input_for(b'x')
    empty = input_for(b'')
    empty.close()
    assert not empty.closed and empty.read() == b'' and empty.readline() == b''
    assert list(empty) == [] and empty.tell() == 0
    seen = []

    def app(environ, start_response):
        body = environ['wsgi.input']
        seen.append(body.read())
        body.close()
        start_response('200 OK', [('Content-Length', '0')])
        return []

    async def client(server):
        post = b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody'
        get = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
        return await exchange(server, get + post + get + post, 4)
    responses, closed = serve(app, client, module=wsgi, threads=0)
    assert [response[0] for response in responses] == [200] * 4 and not closed
    assert seen == [b'', b'body', b'', b'body']


def test_start_response_by_keywords_and_bad_counts():
    errors = []

    def app(environ, start_response):
        for args, kwargs in (((), {}), (('200 OK', [], None, 'extra'), {}),
                             (('200 OK',), {'nonsense': 1})):
            try:
                start_response(*args, **kwargs)
            except TypeError as exc:
                errors.append(str(exc))
        write = start_response('200 OK', headers=[('Content-Length', '3')], exc_info=None)
        write(b'abc')
        return []

    async def client(server):
        return await exchange(server, b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    responses, _ = serve(app, client, module=wsgi, threads=0)
    assert responses[0][0] == 200 and responses[0][2] == b'abc'
    assert len(errors) == 3
