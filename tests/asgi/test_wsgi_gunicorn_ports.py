"""gunicorn's WSGI tests (tests/test_http.py) that apply to a server, ported:
each runs through a real pyuvnet.wsgi server, with gunicorn's inputs and
gunicorn's expectations.

- Body.readline / read (test_readline_*, test_length_reader_read*): on
  ``wsgi.input`` both when the body came with the head (a BytesIO) and
  when it comes after (streamed to the app's thread);
- the response's head (test_http_header_encoding,
  test_http_invalid_response_header): latin-1 values pass; a value
  outside latin-1, CR/LF in a value or a name is refused in
  start_response(), so the app fails and the client gets a 500;
- FileWrapper (test_file_wrapper_iterable) as ``wsgi.file_wrapper``;
- no-body answers (test_no_body_response_*, test_normal_response_unaffected):
  204 loses its Content-Length, 304 and HEAD keep it, a body given to one
  is dropped and the connection goes on.

Not ported, as gunicorn's own machinery: the request parser's cases
(tests/requests/, llhttp here, tested in tests/http), Unreader and
EOFReader (a request body is never close-delimited), finish_body's caps
and deadlines, sendfile, the method token regex, InvalidHTTPVersion's text.
"""
import asyncio
import io

import pytest

from pyuvnet import wsgi
from asgi_support import GET, HEAD, connect, header, read_response, serve

pytestmark = pytest.mark.timeout(30)


def post_head(length):
    return (b'POST / HTTP/1.1\r\nHost: example.org\r\nContent-Length: %d\r\n\r\n' % length)


def input_results(operations, pieces, streamed):
    """What the app got from each ``(method, *args)`` of ``operations`` on
    wsgi.input (a value, or the exception's type name), for a body sent as
    ``pieces``: with the head, or after it, a piece at a time."""
    seen = []

    def app(environ, start_response):
        body = environ['wsgi.input']
        for name, *args in operations:
            try:
                seen.append(getattr(body, name)(*args))
            except Exception as exc:
                seen.append(type(exc).__name__)
        start_response('200 OK', [('Content-Length', '0')])
        return []

    async def client(server):
        reader, writer = await connect(server)
        head = post_head(sum(map(len, pieces)))
        if streamed:
            writer.write(head)
            for piece in pieces:
                await asyncio.sleep(0.05)
                writer.write(piece)
        else:
            writer.write(head + b''.join(pieces))
        response = await read_response(reader)
        writer.close()
        return response
    status = serve(app, client, module=wsgi, threads=1)[0]
    assert status == 200
    return seen


@pytest.fixture(params=[False, True], ids=['with-head', 'streamed'])
def streamed(request):
    return request.param


def test_readline_empty_body():
    assert input_results([('readline',), ('readline', 1)], [], False) == [b'', b'']


def test_readline_zero_size(streamed):
    assert input_results([('readline', 0)], [b'abc'], streamed) == [b'']
    assert input_results([('readline', 0)], [b'\n'], streamed) == [b'']


def test_readline_new_line_before_size(streamed):
    assert input_results([('readline', 4), ('readline',)], [b'abc\ndef'], streamed) == \
        [b'abc\n', b'def']


def test_readline_new_line_after_size(streamed):
    assert input_results([('readline', 2), ('readline',)], [b'abc\ndef'], streamed) == \
        [b'ab', b'c\n']


def test_readline_no_new_line(streamed):
    assert input_results([('readline',)], [b'abcdef'], streamed) == [b'abcdef']
    assert input_results([('readline', 2)] * 3, [b'abcdef'], streamed) == [b'ab', b'cd', b'ef']


def test_readline_buffer_loaded(streamed):
    # gunicorn loads its buffer with read(1), then more arrives: lines span it.
    assert input_results([('read', 1), ('readline',), ('readline',), ('readline',)],
                         [b'abc\ndef', b'g\nhi'], streamed) == [b'a', b'bc\n', b'defg\n', b'hi']


def test_readline_buffer_loaded_with_size(streamed):
    assert input_results([('read', 1)] + [('readline', 2)] * 4, [b'abc\ndef'], streamed) == \
        [b'a', b'bc', b'\n', b'de', b'f']


def test_length_reader_read(streamed):
    # Content-Length 13 of gunicorn's five chunks: reads stop at the length.
    operations = [('read', 0), ('read', 5), ('read', 6), ('read', 4), ('read', 100)]
    assert input_results(operations, [b'Lorem', b'ipsum', b'dol'], streamed) == \
        [b'', b'Lorem', b'ipsumd', b'ol', b'']


def test_read_invalid_size(streamed):
    # gunicorn's Body: a size that is not an int is a TypeError; a negative
    # one reads to the end (its readers' ValueError is behind Body's getsize).
    operations = [('read', '100'), ('read', [100]), ('read', -100)]
    assert input_results(operations, [b'Lorem', b'ipsum'], streamed) == \
        ['TypeError', 'TypeError', b'Loremipsum']


def answers(app, data=GET + GET, count=2, threads=1, head_request=False):
    """The ``count`` responses to ``data`` over one connection."""
    async def client(server):
        reader, writer = await connect(server)
        writer.write(data)
        got = [await read_response(reader, head_request=head_request and i == 0)
               for i in range(count)]
        writer.close()
        return got
    return serve(app, client, module=wsgi, threads=threads)


def app_with(status, headers, body=(b'hello',)):
    def app(environ, start_response):
        start_response(status, headers)
        return list(body)
    return app


@pytest.fixture(params=[1, 0], ids=['threads=1', 'threads=0'])
def threads(request):
    return request.param


def test_http_header_encoding(threads, caplog):
    (status, headers, body, raw), _ = answers(app_with('200 OK', [('foo', 'häder')]),
                                              threads=threads)
    assert status == 200 and b'\r\nfoo: h\xe4der\r\n' in raw
    (status, headers, body, raw), = answers(app_with('200 OK', [('apple', 'măr')]), GET, 1,
                                            threads)
    assert status == 500 and b'apple' not in raw
    assert 'ERR_INVALID_CHAR' in caplog.text


@pytest.mark.parametrize('bad, code', [(('foo', 'essai\r\n'), 'ERR_INVALID_CHAR'),
                                       (('foo\r\n', 'essai'), 'ERR_INVALID_HTTP_TOKEN')])
def test_http_invalid_response_header(threads, caplog, bad, code):
    refused = []

    def app(environ, start_response):
        try:
            start_response('200 OK', [bad])
        except Exception as exc:
            refused.append(exc.code)
            raise
        return [b'never']
    (status, headers, body, raw), = answers(app, GET, 1, threads)
    assert refused == [code]
    assert status == 500 and b'essai' not in raw


def test_file_wrapper_iterable(threads):
    steps = []

    def app(environ, start_response):
        wrapper = environ['wsgi.file_wrapper'](io.BytesIO(b'hello world'), blksize=5)
        steps.append(iter(wrapper) is wrapper)
        steps.append(next(wrapper))
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return wrapper
    (status, headers, body, raw), _ = answers(app, threads=threads)
    assert steps[:2] == [True, b'hello']
    assert body == b' world'


def test_file_wrapper_is_closed_with_the_response(threads):
    files = []

    def app(environ, start_response):
        files.append(io.BytesIO(b'abc'))
        start_response('200 OK', [('Content-Length', '3')])
        return environ['wsgi.file_wrapper'](files[-1], 2)
    (status, headers, body, raw), = answers(app, GET, 1, threads)
    assert body == b'abc' and files[0].closed


@pytest.mark.parametrize('status, method, keeps_length', [
    ('204 No Content', 'GET', False),
    ('304 Not Modified', 'GET', True),
    ('200 OK', 'HEAD', True),
])
def test_no_body_response_strips_framing(threads, status, method, keeps_length):
    app = app_with(status, [('Content-Type', 'text/plain'), ('Content-Length', '10')],
                   (b'hello', b'again'))
    request = GET.replace(b'GET', method.encode())
    first, second = answers(app, request + GET, threads=threads, head_request=True)
    assert first[0] == int(status[:3])
    assert header(first[1], b'content-length') == ([b'10'] if keeps_length else [])
    assert header(first[1], b'transfer-encoding') == []
    # The body given to a no-body answer is dropped: the next answer is whole.
    assert b'hello' not in first[3]
    assert second[0] == int(status[:3])
    assert second[2] == (b'helloagain' if method == 'HEAD' else b'')


def test_normal_response_unaffected(threads):
    app = app_with('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
    (status, headers, body, raw), _ = answers(app, threads=threads)
    assert status == 200 and body == b'hello'
    assert header(headers, b'content-length') == [b'5']


def test_head_keeps_the_apps_length_and_sends_no_body(threads):
    app = app_with('200 OK', [('Content-Length', '5')])
    first, second = answers(app, HEAD + GET, threads=threads, head_request=True)
    assert header(first[1], b'content-length') == [b'5'] and first[2] == b''
    assert second[2] == b'hello'
