"""ASGI apps over HTTP/2 (pyuvnet/asgi/_http2.py and pyuvnet/_internal/app_http2.py): h2c
with prior knowledge and HTTP/1.1 on one port, h2 by ALPN with TLS; the
scope, streaming both ways under flow control, http.disconnect on a reset,
trailers; answered to curl, nghttp, httpx, Node 20's http2 client and
pyuvnet's own."""
import asyncio
import gc
import json
import shutil
import socket
import struct
import weakref

import pytest

from pyuvnet import aio, http2
from asgi_support import TIMEOUT, reset_after, serve
from support import NODE, external_env

pytestmark = pytest.mark.timeout(60)

CURL = shutil.which('curl')
NGHTTP = shutil.which('nghttp')
PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'


async def scope_app(scope, receive, send):
    """Answers the scope's parts (JSON) and the request body's length."""
    if scope['type'] != 'http':
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get('body', b''))
        if not message.get('more_body'):
            break
    body = json.dumps({
        'http_version': scope['http_version'], 'method': scope['method'],
        'path': scope['path'], 'raw_path': scope['raw_path'].decode(),
        'query_string': scope['query_string'].decode(), 'scheme': scope['scheme'],
        'headers': [[n.decode(), v.decode()] for n, v in scope['headers']],
        'extensions': sorted(scope.get('extensions', {})), 'size': size,
        'client': scope['client'] is not None,
    }).encode()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'application/json'), (b'X-Mixed-Case', b'1'),
                            (b'connection', b'keep-alive')]})
    await send({'type': 'http.response.body', 'body': body})


async def run_child(*argv):
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=external_env())
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    return proc.returncode, out.decode(), err.decode()


def port_of(server):
    return server.address().port


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_prior_knowledge_and_http1_on_the_same_port():
    async def client(server):
        url = 'http://127.0.0.1:%d/a%%20b?x=1' % port_of(server)
        h2 = await run_child(CURL, '-sS', '-i', '--http2-prior-knowledge', '-d', 'hello', url)
        h1 = await run_child(CURL, '-sS', '--http1.1', url)
        return h2, h1
    (code, out, err), (code1, out1, err1) = serve(scope_app, client)
    assert code == 0, err
    head, body = out.split('\r\n\r\n', 1)
    assert head.startswith('HTTP/2 200')
    # Names lower-case on the wire; the connection-specific one dropped.
    assert 'x-mixed-case: 1' in head and 'connection:' not in head.lower()
    seen = json.loads(body)
    assert seen['http_version'] == '2' and seen['method'] == 'POST'
    assert seen['path'] == '/a b' and seen['raw_path'] == '/a%20b'
    assert seen['query_string'] == 'x=1' and seen['scheme'] == 'http'
    assert seen['size'] == 5 and seen['client']
    names = [name for name, _ in seen['headers']]
    assert names[0] == 'host' and not any(name.startswith(':') for name in names)
    assert all(name == name.lower() for name in names)
    assert 'http.response.trailers' in seen['extensions']
    assert code1 == 0, err1
    assert json.loads(out1)['http_version'] == '1.1'


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_http2_over_tls_negotiates_h2_by_alpn(tls_certs):
    async def client(server):
        url = 'https://127.0.0.1:%d/tls' % port_of(server)
        h2 = await run_child(CURL, '-sS', '-k', '-i', '--http2', url)
        h1 = await run_child(CURL, '-sS', '-k', '--http1.1', url)
        return h2, h1
    (code, out, err), (code1, out1, err1) = serve(scope_app, client, key=tls_certs.key,
                                                  cert=tls_certs.cert)
    assert code == 0, err
    head, body = out.split('\r\n\r\n', 1)
    assert head.startswith('HTTP/2 200')
    assert json.loads(body)['scheme'] == 'https'
    assert json.loads(body)['http_version'] == '2'
    assert code1 == 0, err1
    assert json.loads(out1)['http_version'] == '1.1'


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_http2_off_leaves_the_preface_to_http1():
    async def client(server):
        return await run_child(CURL, '-sS', '-o', '/dev/null', '-w', '%{http_code}',
                               '--http2-prior-knowledge',
                               'http://127.0.0.1:%d/' % port_of(server))
    code, out, err = serve(scope_app, client, http2=False)
    # llhttp's 400 to the preface is no HTTP/2 curl can read.
    assert code != 0 and out != '200'


@pytest.mark.skipif(NGHTTP is None, reason='nghttp is not installed')
def test_nghttp_many_concurrent_streams_on_one_connection():
    started = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        started.append(scope['path'])
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'x' * 1000})

    async def client(server):
        url = 'http://127.0.0.1:%d/n' % port_of(server)
        return await run_child(NGHTTP, '-n', '-s', '-m', '40', url)
    code, out, err = serve(app, client)
    assert code == 0, err
    assert len(started) == 40
    # nghttp's statistics: one line per stream it got an answer on.
    assert out.count('/n') >= 40, out


def test_httpx_over_h2c_many_streams_at_once():
    httpx = pytest.importorskip('httpx')
    pytest.importorskip('h2')

    async def client(server):
        base = 'http://127.0.0.1:%d' % port_of(server)
        async with httpx.AsyncClient(http1=False, http2=True) as c:
            answers = await asyncio.gather(*[c.post(base + '/p%d' % i, content=b'z' * i)
                                             for i in range(30)])
        return answers
    answers = serve(scope_app, client)
    assert {answer.http_version for answer in answers} == {'HTTP/2'}
    assert [answer.json()['size'] for answer in answers] == list(range(30))
    assert [answer.json()['path'] for answer in answers] == ['/p%d' % i for i in range(30)]


def h2_request(port, headers, body=None, end=True):
    """A ClientHttp2Session to ``port`` and a request on it."""
    session = http2.connect('http://127.0.0.1:%d' % port)
    session.on('error', lambda error: None)
    req = session.request(headers, {'endStream': body is None and end})
    req.on('error', lambda error: None)
    if body is not None:
        req.write(body)
        if end:
            req.end()
    return session, req


async def h2_status(port, path='/'):
    """The :status of a GET over h2c (pyuvnet's client)."""
    session, req = h2_request(port, {':path': path})
    status = asyncio.get_running_loop().create_future()
    req.on('response', lambda headers, *_: status.set_result(headers[':status']))
    req.resume()
    try:
        return await status
    finally:
        session.close()


async def h2_answer(port, path='/', method='GET'):
    """The response to a request over h2c (pyuvnet's client): its headers,
    its body, whether it ended, and its stream's rstCode."""
    session, req = h2_request(port, {':path': path, ':method': method})
    closed = asyncio.get_running_loop().create_future()
    seen = {'headers': None, 'body': b'', 'ended': False}
    req.on('response', lambda headers, *_: seen.update(headers=dict(headers)))
    req.on('data', lambda chunk: seen.update(body=seen['body'] + bytes(chunk)))
    req.on('end', lambda: seen.update(ended=True))
    req.on('close', lambda: closed.done() or closed.set_result(req.rstCode))
    seen['code'] = await closed
    session.close()
    return seen


async def settled(measure):
    """``measure()`` once it has moved from 0 and then stopped changing
    (looked at every 0.3 s)."""
    while not measure():
        await asyncio.sleep(0.05)
    value, before = measure(), None
    while value != before:
        before = value
        await asyncio.sleep(0.3)
        value = measure()
    return value


def test_a_streams_cycle_is_freed_at_close_without_the_gc():
    # Its stream's listeners hold the cycle: were the cycle to hold the
    # stream past 'close', both would wait for the gc (issue 60).
    cycles = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        cycles.append(weakref.ref(receive.__self__))
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'ok'})

    async def client(server):
        statuses = [await h2_status(port_of(server)) for _ in range(3)]
        for _ in range(200):
            if all(cycle() is None for cycle in cycles):
                break
            await asyncio.sleep(0.01)
        return statuses, [cycle() is None for cycle in cycles]
    gc.disable()
    try:
        statuses, freed = serve(app, client)
    finally:
        gc.enable()
    assert statuses == [200] * 3 and freed == [True] * 3


def test_an_http2_request_is_one_object_its_cycle_held_as_its_stream():
    # The session holds the request's cycle in its _streams: no second
    # object per request beside it (issue 72).
    held, release = [], asyncio.Event()

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        held.append(receive.__self__)
        await release.wait()
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'ok'})

    async def client(server):
        answer = asyncio.ensure_future(h2_answer(port_of(server)))
        while not held:
            await asyncio.sleep(0.01)
        session, = server._h2_sessions
        streams = list(session._streams.values())
        release.set()
        return streams, await answer
    streams, seen = serve(app, client)
    assert len(streams) == 1 and streams[0] is held[0]
    assert (seen['headers'][':status'], seen['body'], seen['ended']) == (200, b'ok', True)


def test_a_stream_reset_mid_body_is_http_disconnect():
    got = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        while True:
            message = await receive()
            got.append(message['type'])
            if message['type'] == 'http.disconnect':
                return

    async def client(server):
        session, req = h2_request(port_of(server), {':method': 'POST', ':path': '/up'},
                                  b'a' * 1000, end=False)
        while 'http.request' not in got:
            await asyncio.sleep(0.01)
        req.close(http2.constants.NGHTTP2_CANCEL)
        while 'http.disconnect' not in got:
            await asyncio.sleep(0.01)
        session.destroy()
    serve(app, client)
    assert got[0] == 'http.request' and got[-1] == 'http.disconnect'


def test_a_client_that_never_reads_holds_the_app_not_memory():
    sent = []
    finished = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        finished.append(False)              # the head went out; the body is next
        chunk = b'y' * 65536
        for _ in range(1024):           # 64 MiB, were it read
            sent.append(len(chunk))         # handed to send()
            await send({'type': 'http.response.body', 'body': chunk, 'more_body': True})
        await send({'type': 'http.response.body', 'body': b''})
        finished.append(True)

    async def client(server):
        loop = asyncio.get_running_loop()
        sock = socket.create_connection(('127.0.0.1', port_of(server)))
        sock.setblocking(False)
        # One GET; then nothing is read and no WINDOW_UPDATE is sent.
        await loop.sock_sendall(sock, h2c_get_bytes())
        total = await settled(lambda: sum(sent))      # the app gets no further
        sock.close()
        return total
    total = serve(app, client)
    # Held by the stream's 64 KiB window and the Duplex's buffer, not 64 MiB.
    assert total < 2 * 1024 * 1024
    # Once the client left, send() returned at once (uvicorn's way) and the
    # app ran to its end: nothing was left waiting.
    assert finished == [False, True]


def test_trailers_follow_the_body():
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await send({'type': 'http.response.start', 'status': 200, 'trailers': True,
                    'headers': [(b'trailer', b'x-checksum')]})
        await send({'type': 'http.response.body', 'body': b'part one ', 'more_body': True})
        await send({'type': 'http.response.body', 'body': b'part two'})
        await send({'type': 'http.response.trailers', 'headers': [(b'x-checksum', b'abc')]})

    async def client(server):
        session, req = h2_request(port_of(server), {':path': '/t'})
        done = asyncio.get_running_loop().create_future()
        seen = {'body': b''}
        req.on('response', lambda headers, *_: seen.update(status=headers[':status']))
        req.on('data', lambda chunk: seen.update(body=seen['body'] + bytes(chunk)))
        req.on('trailers', lambda headers, *_: seen.update(trailers=dict(headers)))
        req.on('close', lambda: done.done() or done.set_result(None))
        await done
        session.close()
        return seen
    seen = serve(app, client)
    assert seen['status'] == 200 and seen['body'] == b'part one part two'
    assert seen['trailers']['x-checksum'] == 'abc'


def test_a_request_ending_with_trailers_is_answered_and_the_server_goes_on():
    # The request's trailers (HEADERS with END_STREAM) end its body: the
    # app gets the whole body, and the session serves the next request.
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        body = b''
        while True:
            message = await receive()
            body += message.get('body', b'')
            if not message.get('more_body'):
                break
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'got ' + body})

    async def client(server):
        session = http2.connect('http://127.0.0.1:%d' % port_of(server))
        session.on('error', lambda error: None)
        answers = []
        for path in ('/with-trailers', '/after'):
            req = session.request({':path': path, ':method': 'POST'}, {'waitForTrailers': True})
            req.on('wantTrailers', lambda req=req: req.sendTrailers({'x-sum': '5'}))
            done = asyncio.get_running_loop().create_future()
            seen = {'body': b''}
            req.on('response', lambda headers, *_, seen=seen: seen.update(status=headers[':status']))
            req.on('data', lambda chunk, seen=seen: seen.update(body=seen['body'] + bytes(chunk)))
            req.on('close', lambda done=done: done.done() or done.set_result(None))
            req.end(b'hello')
            await done
            answers.append((seen.get('status'), seen['body']))
        session.close()
        return answers
    assert serve(app, client) == [(200, b'got hello'), (200, b'got hello')]


def test_an_app_failing_before_its_answer_gets_500_over_http2():
    async def app(scope, receive, send):
        if scope['type'] == 'http':
            raise ValueError('broken')

    assert serve(app, lambda server: h2_status(port_of(server), '/fail')) == 500


def test_an_app_failing_mid_body_resets_the_stream_after_what_it_sent():
    # As main's Http2Stream-based cycle did (nghttp -nv: DATA, then
    # RST_STREAM INTERNAL_ERROR; hypercorn 0.18 leaves the stream open).
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'part', 'more_body': True})
        raise ValueError('broken')

    seen = serve(app, lambda server: h2_answer(port_of(server)))
    assert (seen['body'], seen['ended'], seen['code']) == (
        b'part', False, http2.constants.NGHTTP2_INTERNAL_ERROR)


def test_closing_the_server_sends_goaway_to_an_idle_session():
    seen = {}

    async def client(server):
        session, req = h2_request(port_of(server), {':path': '/'})
        answered = asyncio.get_running_loop().create_future()
        req.on('response', lambda headers, *_: answered.set_result(headers[':status']))
        req.resume()
        seen['status'] = await answered
        session.on('goaway', lambda code, *_: seen.setdefault('goaway', code))
        # The session is left open: the server's close must end it.
    serve(scope_app, client)
    assert seen == {'status': 200, 'goaway': 0}


def h2c_get_bytes(authority=b'127.0.0.1'):
    """The preface, an empty SETTINGS and a GET / on stream 1 (HPACK, no
    Huffman), as a client with prior knowledge sends them."""
    block = b'\x82\x86\x84\x41' + bytes([len(authority)]) + authority
    return (PREFACE + b'\0\0\0\x04\x00\0\0\0\0'
            + struct.pack('!I', len(block))[1:] + b'\x01\x05' + struct.pack('!I', 1) + block)


def test_proxy_protocol_then_the_preface():
    clients = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        clients.append((scope['http_version'], scope['client']))
        await send({'type': 'http.response.start', 'status': 204, 'headers': []})
        await send({'type': 'http.response.body', 'body': b''})

    async def client(server):
        reader, writer = await asyncio.open_connection('127.0.0.1', port_of(server))
        writer.write(b'PROXY TCP4 10.1.2.3 10.0.0.1 5555 80\r\n' + h2c_get_bytes())
        # The server's SETTINGS, then HEADERS on stream 1 (frame type 1).
        while True:
            head = await reader.readexactly(9)
            await reader.readexactly(int.from_bytes(head[:3], 'big'))
            if head[3] == 1 and head[5:9] == b'\0\0\0\x01':
                break
        writer.close()
    serve(app, client, proxyProtocol=True)
    assert clients == [('2', ('10.1.2.3', 5555))]



@pytest.mark.parametrize('first_bytes', [b'', PREFACE[:10]], ids=['nothing', 'half a preface'])
def test_a_connection_reset_before_its_preface_is_closed_and_the_server_goes_on(first_bytes):
    # The reset's ECONNRESET comes while h2c's preface is looked for: the
    # connection is destroyed, nothing is thrown, the next one is served.
    async def client(server):
        await reset_after(server, first_bytes)
        await asyncio.sleep(0.1)
        return await h2_status(port_of(server))
    assert serve(scope_app, client) == 200

def test_an_app_that_does_not_read_the_upload_holds_the_client_back():
    received = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        while not received:
            await asyncio.sleep(0.05)       # not reading until the client says
        while True:
            message = await receive()
            received.append(len(message.get('body', b'')))
            if not message.get('more_body'):
                break
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'%d' % sum(received)})

    chunk = b'u' * 65536

    async def client(server):
        session, req = h2_request(port_of(server), {':method': 'POST', ':path': '/up'},
                                  end=False)
        framed = []
        for _ in range(64):                  # 4 MiB offered at once
            req.write(chunk, lambda *_: framed.append(1))
        req.end()
        total = await settled(lambda: len(framed) * len(chunk))   # the client gets no further
        received.append(0)                   # the app starts reading now
        answer = asyncio.get_running_loop().create_future()
        req.on('data', lambda data: answer.set_result(bytes(data)))
        body = await answer
        session.close()
        return total, body
    held, body = serve(app, client)
    # The stream's 64 KiB window (and the 64 KiB the server lets wait) held
    # the client back, then the whole body arrived once the app read it.
    assert held <= 512 * 1024
    assert body == b'%d' % (64 * 65536)


def test_uploads_the_app_never_read_give_the_connections_window_back():
    # What waited unread is given back to the connection's window when its
    # stream closes: else each upload would shrink it for good, and the
    # connection would stall after a few.
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'ok'})

    async def client(server):
        session = http2.connect('http://127.0.0.1:%d' % port_of(server))
        answers = []
        for _ in range(6):
            req = session.request({':method': 'POST', ':path': '/up'})
            done = asyncio.get_running_loop().create_future()
            req.on('response', lambda headers, *_: answers.append(headers[':status']))
            req.on('close', lambda: done.done() or done.set_result(None))
            req.resume()
            req.end(b'u' * 100000)
            await asyncio.wait_for(done, 5)
        session.close()
        return answers
    assert serve(app, client) == [200] * 6


NODE_CLIENT = r"""
const http2 = require('http2');
const session = http2.connect(process.argv[1]);
const req = session.request({':method': 'POST', ':path': '/from-node?q=1', 'x-one': 'a'});
req.end('the body');
let body = '';
req.setEncoding('utf8');
req.on('response', (headers) => { console.log(headers[':status']); });
req.on('data', (d) => { body += d; });
req.on('end', () => { console.log(body); session.close(); });
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_http2_client_gets_the_asgi_answer():
    async def client(server):
        return await run_child(NODE, '-e', NODE_CLIENT, 'http://127.0.0.1:%d' % port_of(server))
    code, out, err = serve(scope_app, client)
    assert code == 0, err
    status, body = out.split('\n', 1)
    seen = json.loads(body)
    assert status == '200'
    assert (seen['http_version'], seen['method'], seen['path'], seen['query_string']) == \
        ('2', 'POST', '/from-node', 'q=1')
    assert ['x-one', 'a'] in seen['headers'] and seen['size'] == len('the body')


def test_close_all_connections_ends_the_sessions_and_the_app_hears_it():
    heard = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        while True:
            message = await receive()
            heard.append(message['type'])
            if message['type'] == 'http.disconnect':
                return

    async def client(server):
        session, req = h2_request(port_of(server), {':path': '/held'})
        closed = asyncio.get_running_loop().create_future()
        session.on('close', lambda: closed.done() or closed.set_result(True))
        while not heard:
            await asyncio.sleep(0.01)
        # (pyuvnet serve's graceful shutdown, once its timeout is up.)
        server.closeAllConnections()
        return await closed
    assert serve(app, client)
    assert heard == ['http.request', 'http.disconnect']
