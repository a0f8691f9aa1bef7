"""Requests uvicorn's h11 refuses with 400 that Node's llhttp takes: the
ASGI server refuses them too, before the app (audit t27), while
pyuvnet.http, Node's, still takes them as Node 20 does.  Pinned under
uvicorn 0.54 --http h11: each is answered 400 and the app sees nothing,
the request hidden after the first one's body neither."""

import pytest

import pyuvnet as net
from pyuvnet import http
from asgi_support import read_all, serve, text_app

SMUGGLED = b'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
CASES = {
    'identity-then-chunked': b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, '
                             b'chunked\r\n\r\n0\r\n\r\n' + SMUGGLED,
    'chunked-in-two-headers': b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
                              b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + SMUGGLED,
    'two-hosts': b'GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    'no-version': b'GET /x\r\n\r\n',
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_the_asgi_server_refuses_what_h11_refuses(case):
    seen = []

    async def app(scope, receive, send):
        seen.append(scope['path'])
        await text_app()(scope, receive, send)

    async def client(server):
        return await read_all(server, CASES[case])
    received = serve(app, client, lifespan='off')
    assert received.startswith(b'HTTP/1.1 400 Bad Request\r\n')
    assert received.count(b'HTTP/1.1') == 1 and seen == []


@pytest.mark.parametrize('data', [
    b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n',
    b'GET /echo HTTP/1.1\r\nHost: x\r\nX-Host: y\r\n\r\n',
], ids=['chunked', 'chunked-upper-case', 'one-host'])
def test_the_asgi_server_takes_their_neighbours(data):
    async def client(server):
        return await read_all(server, data[:-2] + b'Connection: close\r\n\r\n'
                              if data.startswith(b'GET') else
                              data.replace(b'Host: x\r\n', b'Host: x\r\nConnection: close\r\n'))
    assert serve(text_app(), client, lifespan='off').startswith(b'HTTP/1.1 200 OK\r\n')


def test_node_http_still_takes_them(run_loop):
    # Node 20's http.Server runs each (the smuggled request as its own).
    paths = []

    def on_request(req, res):
        paths.append((req.url, req.httpVersion))
        res.end('ok')
    server = http.createServer(on_request)

    def send_all(datas):
        if not datas:
            server.close()
            return
        sock = net.connect(server.address()['port'], '127.0.0.1')
        sock.on('data', lambda chunk: None)
        sock.on('error', lambda err: None)
        sock.write(datas[0])
        net.setTimeout(lambda: (sock.destroy(), send_all(datas[1:])), 100)
    server.listen(0, '127.0.0.1', lambda: send_all(
        [CASES['identity-then-chunked'], CASES['two-hosts'], CASES['no-version']]))
    run_loop()
    assert paths == [('/echo', '1.1'), ('/smuggled', '1.1'), ('/echo', '1.1'), ('/x', '0.9')]
