"""The app the proxies' tests (tests/serve/test_serve_proxies.py) put
behind nginx and HAProxy."""
import hashlib

STREAM_SIZE = 5 * 1024 * 1024
CHUNK = 65536


def stream_chunk(index):
    """The ``index``-th 64 KiB of /stream: bytes that differ chunk by chunk,
    so that a lost, doubled or reordered chunk shows."""
    seed = hashlib.sha256(b'%d' % index).digest()
    return (seed * (CHUNK // len(seed) + 1))[:CHUNK]


def stream_bytes():
    return b''.join(stream_chunk(i) for i in range(STREAM_SIZE // CHUNK))


async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    if scope['path'] == '/stream':
        # Chunked (no Content-Length), as a StreamingResponse sends it.
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        for index in range(STREAM_SIZE // CHUNK):
            await send({'type': 'http.response.body', 'body': stream_chunk(index),
                        'more_body': True})
        await send({'type': 'http.response.body', 'body': b''})
        return
    if scope['path'] == '/upload':
        # The body's SHA-256, read whole.
        digest = hashlib.sha256()
        more = True
        while more:
            message = await receive()
            digest.update(message.get('body', b''))
            more = message.get('more_body', False)
        body = digest.hexdigest().encode()
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'%d' % len(body))]})
        await send({'type': 'http.response.body', 'body': body})
        return
    client = scope.get('client') or ('', 0)
    body = ('%s %s %s %s' % (client[0], client[1], scope['scheme'], scope['path'])).encode()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})


def wsgi_app(environ, start_response):
    """The WSGI twin of ``app``'s answer to any path: what the environ says
    of the client, the scheme and the path."""
    body = ('%s %s %s %s' % (environ.get('REMOTE_ADDR', ''), environ.get('REMOTE_PORT', ''),
                             environ['wsgi.url_scheme'], environ['PATH_INFO'])).encode()
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]
