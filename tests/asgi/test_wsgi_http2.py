"""WSGI apps over HTTP/2 (pyuvnet/wsgi/_http2.py): the environ of an h2c
stream, its body streamed to the app's thread, the answer to curl and
httpx, a client that never reads holding the app's thread, not memory."""
import asyncio
import json
import socket

import pytest

from pyuvnet import wsgi
from asgi_support import serve
from test_asgi_http2 import CURL, h2_status, h2c_get_bytes, port_of, run_child, settled

pytestmark = pytest.mark.timeout(60)


def environ_app(environ, start_response):
    body = environ['wsgi.input'].read()
    answer = json.dumps({
        'protocol': environ['SERVER_PROTOCOL'], 'method': environ['REQUEST_METHOD'],
        'path': environ['PATH_INFO'], 'script': environ['SCRIPT_NAME'],
        'query': environ['QUERY_STRING'], 'host': environ.get('HTTP_HOST'),
        'type': environ.get('CONTENT_TYPE'), 'x_one': environ.get('HTTP_X_ONE'),
        'size': len(body), 'scheme': environ['wsgi.url_scheme'],
    }).encode()
    start_response('201 Created', [('Content-Type', 'application/json'),
                                   ('Content-Length', str(len(answer)))])
    return [answer]


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_prior_knowledge_runs_a_wsgi_app():
    async def client(server):
        url = 'http://127.0.0.1:%d/api/items%%2F1?q=2' % port_of(server)
        h2 = await run_child(CURL, '-sS', '-i', '--http2-prior-knowledge', '-H', 'X-One: 1',
                             '-H', 'Content-Type: text/plain', '--data-binary', 'body!', url)
        h1 = await run_child(CURL, '-sS', '--http1.1', url)
        return h2, h1, port_of(server)
    (code, out, err), (code1, out1, err1), port = serve(environ_app, client, module=wsgi,
                                                        rootPath='/api', threads=2)
    assert code == 0, err
    head, body = out.split('\r\n\r\n', 1)
    assert head.startswith('HTTP/2 201')
    seen = json.loads(body)
    assert seen['protocol'] == 'HTTP/2' and seen['method'] == 'POST'
    assert (seen['script'], seen['path'], seen['query']) == ('/api', '/items/1', 'q=2')
    assert seen['host'] == '127.0.0.1:%d' % port      # :authority
    assert (seen['type'], seen['x_one'], seen['size']) == ('text/plain', '1', 5)
    assert code1 == 0, err1
    assert json.loads(out1)['protocol'] == 'HTTP/1.1'


def test_httpx_streams_share_the_threads():
    httpx = pytest.importorskip('httpx')
    pytest.importorskip('h2')

    async def client(server):
        base = 'http://127.0.0.1:%d' % port_of(server)
        async with httpx.AsyncClient(http1=False, http2=True) as c:
            return await asyncio.gather(*[c.post(base + '/w%d' % i, content=b'q' * 1000 * i)
                                          for i in range(20)])
    answers = serve(environ_app, client, module=wsgi, threads=4)
    assert {answer.status_code for answer in answers} == {201}
    assert [answer.json()['size'] for answer in answers] == [1000 * i for i in range(20)]


def test_a_failing_wsgi_app_gets_500_over_http2():
    def app(environ, start_response):
        raise ValueError('broken')

    assert serve(app, lambda server: h2_status(port_of(server)), module=wsgi) == 500


def test_a_client_that_never_reads_holds_the_wsgi_thread_not_memory():
    produced = []

    def app(environ, start_response):
        start_response('200 OK', [])

        def body():
            for _ in range(1024):           # 64 MiB, were it read
                produced.append(65536)
                yield b'w' * 65536
        return body()

    async def client(server):
        loop = asyncio.get_running_loop()
        sock = socket.create_connection(('127.0.0.1', port_of(server)))
        sock.setblocking(False)
        await loop.sock_sendall(sock, h2c_get_bytes())
        total = await settled(lambda: sum(produced))
        sock.close()
        return total
    assert serve(app, client, module=wsgi) < 2 * 1024 * 1024
