"""Helpers of the real-framework tests (FastAPI, Starlette, Flask,
Django): one request on its own connection, and Django configured once."""
import json

import pytest

from asgi_support import connect, read_response


async def call(server, method, path, body=None, headers=()):
    """(status, headers, body) of one request; a ``body`` that is not
    bytes is sent as JSON."""
    reader, writer = await connect(server)
    head = [b'%s %s HTTP/1.1' % (method.encode(), path.encode()), b'Host: test']
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        head.append(b'Content-Type: application/json')
    head += [b'%s: %s' % (k.encode(), v.encode()) for k, v in headers]
    if body is not None:
        head.append(b'Content-Length: %d' % len(body))
    writer.write(b'\r\n'.join(head) + b'\r\n\r\n' + (body or b''))
    status, response_headers, response_body, raw = await read_response(reader)
    writer.close()
    return status, response_headers, response_body


def django_settings():
    """Django configured once for this process, its URLconf django_urls."""
    django = pytest.importorskip('django')
    from django.conf import settings
    if not settings.configured:
        settings.configure(DEBUG=False, SECRET_KEY='pyuvnet-tests', ALLOWED_HOSTS=['*'],
                           ROOT_URLCONF='django_urls', MIDDLEWARE=[],
                           INSTALLED_APPS=[], DATABASES={})
        django.setup()
    return django


def django_round(app, **options):
    """Django's app (WSGI or ASGI) served with ``options``: its answers to
    the URLconf of django_urls, checked."""
    from asgi_support import serve
    results = {}

    async def client(server):
        results['hello'] = await call(server, 'GET', '/hello/ada/?x=1')
        results['echo'] = await call(server, 'POST', '/echo/', b'payload')
        results['missing'] = await call(server, 'GET', '/missing/')
    serve(app, client, **options)
    assert json.loads(results['hello'][2]) == {'name': 'ada', 'x': '1', 'path': '/hello/ada/'}
    assert results['echo'][2] == b'echo: payload'
    assert results['missing'][0] == 404
