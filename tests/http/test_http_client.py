"""pyuvnet.http's client against a Node 20 http server: the request bytes
Node's own client sends (pinned), keep-alive reuse through the global
agent, an agent's maxSockets queue, chunked uploads, HEAD, 100-continue,
103 information, an upgrade, and the failures ('socket hang up',
ECONNREFUSED, a timeout).  Idle kept sockets are unref'd: run() returns."""
import json

import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_routes_support import node_server
from support import NODE, refused_port

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')

NODE_SERVER = r"""
const http = require('http');
const server = http.createServer((req, res) => {
  const body = [];
  req.on('data', (d) => body.push(d));
  req.on('end', () => {
    if (req.url === '/chunks') { res.write('a'); res.write('b'); res.end('c'); return; }
    if (req.url === '/hints') { res.writeEarlyHints({link: '</x>'}); }
    if (req.url === '/hangup') { req.socket.destroy(); return; }
    if (req.url === '/slow') { setTimeout(() => res.end('late'), 500); return; }
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({method: req.method, url: req.url, headers: req.headers,
                            rawHeaders: req.rawHeaders, body: Buffer.concat(body).toString(),
                            remotePort: req.socket.remotePort}));
  });
});
server.on('upgrade', (req, socket, head) => {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nfirst');
  socket.on('data', (d) => socket.end(d));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""


@pytest.fixture(scope='module')
def port():
    with node_server(NODE, NODE_SERVER) as node_port:
        yield node_port


@pytest.fixture(autouse=True)
def fresh_global_agent(run_loop):
    """Each test has its own loop: the global agent's kept sockets (of the
    loop before) are destroyed at the end of each test."""
    yield
    http.globalAgent.destroy()
    run_loop()


def fetch(run_loop, *args, body=None, **kwargs):
    """One request; returns (response, body bytes, the request)."""
    got = {}

    def on_response(res):
        got['res'] = res
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: got.update(body=b''.join(chunks)))
    req = http.request(*args, on_response, **kwargs)
    req.on('error', lambda err: got.update(error=err))
    req.end(body)
    run_loop()
    return got.get('res'), got.get('body'), req, got.get('error')


def test_get_by_url_and_the_answer_as_node_made_it(port, run_loop):
    res, body, req, _ = fetch(run_loop, 'http://127.0.0.1:%d/a?b=1' % port)
    seen = json.loads(body)
    assert (res.statusCode, res.statusMessage, res.httpVersion) == (200, 'OK', '1.1')
    assert res.headers['set-cookie'] == ['a=1', 'b=2']
    assert res.headers['connection'] == 'keep-alive'
    assert seen['method'] == 'GET' and seen['url'] == '/a?b=1'
    # Node 20's client sends Host then Connection: keep-alive (its global agent keeps alive).
    assert seen['rawHeaders'] == ['Host', '127.0.0.1:%d' % port, 'Connection', 'keep-alive']


def test_the_global_agent_reuses_the_connection_and_idle_sockets_do_not_hold_the_loop(port, run_loop):
    first = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'path': '/1'})
    # run() returned although the socket is kept: it is unref'd.
    assert sum(len(s) for s in http.globalAgent.freeSockets.values()) >= 1
    second = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'path': '/2'})
    assert second[2].reusedSocket is True
    assert json.loads(first[1])['remotePort'] == json.loads(second[1])['remotePort']


def test_a_post_is_chunked_unless_end_gives_the_whole_body(port, run_loop):
    got = {}

    def on_response(res):
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: got.update(chunked=json.loads(b''.join(chunks))))
    req = http.request({'port': port, 'host': '127.0.0.1', 'method': 'POST', 'path': '/p',
                        'agent': False}, on_response)
    req.write('ab')
    req.end('cd')
    run_loop()
    assert got['chunked']['body'] == 'abcd'
    assert got['chunked']['rawHeaders'][2:] == ['Connection', 'close', 'Transfer-Encoding', 'chunked']
    _, body, _, _ = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'method': 'PUT', 'agent': False},
                          body='xyz')
    seen = json.loads(body)
    assert seen['headers']['content-length'] == '3' and seen['body'] == 'xyz'


def test_an_agent_with_max_sockets_1_queues_requests_on_one_connection(port, run_loop):
    agent = http.Agent(keepAlive=True, maxSockets=1)
    ports, order = [], []

    def on_response(n):
        def handler(res):
            chunks = []
            res.on('data', chunks.append)
            res.on('end', lambda: (order.append(n), ports.append(json.loads(b''.join(chunks))['remotePort'])))
        return handler
    for n in range(3):
        http.get({'port': port, 'host': '127.0.0.1', 'path': '/%d' % n, 'agent': agent}, on_response(n))
    assert sum(len(r) for r in agent.requests.values()) == 2
    run_loop()
    assert order == [0, 1, 2] and len(set(ports)) == 1
    agent.destroy()
    run_loop()


def test_head_chunks_information_and_continue(port, run_loop):
    res, body, _, _ = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'method': 'HEAD'})
    assert body == b'' and res.statusCode == 200 and res.headers['connection'] == 'keep-alive'
    res, body, _, _ = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'path': '/chunks'})
    assert body == b'abc' and res.headers['transfer-encoding'] == 'chunked'
    infos = []
    req = http.get({'port': port, 'host': '127.0.0.1', 'path': '/hints'},
                   lambda res: res.resume())
    req.on('information', infos.append)
    run_loop()
    assert infos[0]['statusCode'] == 103 and infos[0]['headers'] == {'link': '</x>'}
    events = []
    req = http.request({'port': port, 'host': '127.0.0.1', 'method': 'POST',
                        'headers': {'Expect': '100-continue'}},
                       lambda res: (res.on('data', lambda d: events.append(json.loads(d)['body']))))
    req.on('continue', lambda: (events.append('continue'), req.end('sent after')))
    req.flushHeaders()
    run_loop()
    assert events == ['continue', 'sent after']


def test_an_upgrade_hands_over_the_socket(port, run_loop):
    seen = []
    req = http.request({'port': port, 'host': '127.0.0.1', 'agent': False,
                        'headers': {'Connection': 'Upgrade', 'Upgrade': 'x'}})

    def on_upgrade(res, socket, head):
        seen.append((res.statusCode, head))
        socket.on('data', seen.append)
        socket.write(b'echo me')
    req.on('upgrade', on_upgrade)
    req.end()
    run_loop()
    assert seen == [(101, b'first'), b'echo me']


def test_failures_are_error_then_close(port, run_loop):
    log = []
    req = http.get({'port': port, 'host': '127.0.0.1', 'path': '/hangup', 'agent': False})
    req.on('error', lambda err: log.append((err.code, str(err))))
    req.on('close', lambda: log.append('close'))
    run_loop()
    assert log == [('ECONNRESET', 'socket hang up'), 'close']
    log = []
    req = http.get({'port': refused_port(), 'host': '127.0.0.1'})
    req.on('error', lambda err: log.append(err.code))
    req.on('close', lambda: log.append('close'))
    run_loop()
    assert log == ['ECONNREFUSED', 'close']


def test_set_timeout_emits_timeout_and_destroy_ends_it(port, run_loop):
    log = []
    req = http.get({'port': port, 'host': '127.0.0.1', 'path': '/slow', 'agent': False})
    req.setTimeout(50, lambda: (log.append('timeout'), req.destroy()))
    req.on('error', lambda err: log.append(err.code))
    req.on('close', lambda: log.append('close'))
    run_loop()
    # Node 20 (pinned): destroy() before the answer is 'socket hang up'.
    assert log == ['timeout', 'ECONNRESET', 'close']


def test_bad_request_arguments_are_refused_at_once():
    with pytest.raises(http.ERR_INVALID_HTTP_TOKEN):
        http.request({'method': 'BAD METHOD', 'agent': False})
    with pytest.raises(ValueError):
        http.request('ftp://example.invalid/')
    with pytest.raises(TypeError):
        http.request({'nope': 1})


def test_a_kept_socket_idle_for_the_agents_timeout_is_destroyed(port, run_loop):
    agent = http.Agent(keepAlive=True, timeout=50)
    kept = []
    res, body, req, _ = fetch(run_loop, {'port': port, 'host': '127.0.0.1', 'agent': agent})
    kept.extend(s for sockets in agent.freeSockets.values() for s in sockets)
    net.setTimeout(lambda: None, 300)       # the kept socket is unref'd: hold the loop
    run_loop()
    assert len(kept) == 1 and kept[0].destroyed
    assert agent.freeSockets == {}


# What Node 20's client sends for the same requests (pinned with
# /usr/bin/node against a raw server; PORT stands for the server's port).
NODE_REQUEST_BYTES = [
    ({'path': '/a?b'}, None,
     'GET /a?b HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: keep-alive\r\n\r\n'),
    ({'path': '/p', 'method': 'POST'}, 'xy',
     'POST /p HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: keep-alive\r\n'
     'Transfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n'),
    ({'path': '/p', 'method': 'POST', 'agent': False, 'headers': {'Content-Length': 2}}, 'xy',
     'POST /p HTTP/1.1\r\nContent-Length: 2\r\nHost: 127.0.0.1:PORT\r\nConnection: close\r\n\r\nxy'),
    ({'path': '/k', 'agent': 'no keep-alive'}, None,
     'GET /k HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: close\r\n\r\n'),
    ({'path': '/h', 'method': 'HEAD', 'auth': 'u:p', 'headers': {'X-A': '1'}}, None,
     'HEAD /h HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:PORT\r\nAuthorization: Basic dTpw\r\n'
     'Connection: keep-alive\r\n\r\n'),
]


@pytest.mark.parametrize('options, body, expected', NODE_REQUEST_BYTES)
def test_the_request_bytes_are_nodes(options, body, expected, run_loop):
    received = []

    def on_connection(sock):
        def on_data(chunk):
            received.append(chunk)
            if b''.join(received).endswith((b'\r\n\r\n', b'xy')):
                sock.end(b'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        sock.on('data', on_data)
    server = net.createServer(on_connection)
    ports = []

    def start():
        ports.append(server.address().port)
        opts = dict(options, host='127.0.0.1', port=ports[0])
        if opts.get('agent') == 'no keep-alive':
            opts['agent'] = http.Agent(keepAlive=False)
        req = http.request(opts, lambda res: (res.resume(), res.on('end', server.close)))
        if body:            # as Node's script did: write(), then end()
            req.write(body)
        req.end()
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert b''.join(received).decode('latin-1') == expected.replace('PORT', str(ports[0]))
