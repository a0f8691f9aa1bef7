"""A Node 20 http client, and curl, against pyuvnet.http's server: a
keep-alive Agent reusing one connection, a chunked upload, Expect:
100-continue, an upgrade, and curl's GET, POST, HEAD and connection
reuse.  Node reports what it saw as one JSON line."""
import json
import shutil

import pytest

import pyuvnet.http as http
from pyuvnet import child_process
from http_server_support import echo_app
from support import NODE, external_env

NODE_CLIENT = r"""
const http = require('http');
const port = +process.argv[1];
const agent = new http.Agent({keepAlive: true, maxSockets: 1});
const out = {};
const get = (path, opts = {}) => new Promise((resolve, reject) => {
  const req = http.request({port, host: '127.0.0.1', path, agent, ...opts}, (res) => {
    const body = [];
    res.on('data', (d) => body.push(d));
    res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
                                 body: Buffer.concat(body).toString(), port: req.socket.localPort}));
  });
  req.on('error', reject);
  if (opts.continue) req.on('continue', () => { out.sawContinue = true; req.end('after-continue'); });
  else if (opts.chunks) { for (const c of opts.chunks) req.write(c); req.end(); }
  else req.end();
});
(async () => {
  const a = await get('/echo'), b = await get('/echo'), c = await get('/echo');
  out.keepAlive = {samePort: a.port === b.port && b.port === c.port, connection: a.headers.connection,
                   keepAliveHeader: a.headers['keep-alive']};
  const up = await get('/echo', {method: 'POST', chunks: ['ab', 'cd', 'ef']});
  out.chunked = JSON.parse(up.body);
  const cont = await get('/echo', {method: 'POST', headers: {Expect: '100-continue'}, continue: true});
  out.continueBody = JSON.parse(cont.body).body;
  agent.destroy();
  const upreq = http.request({port, host: '127.0.0.1', headers: {Connection: 'Upgrade', Upgrade: 'echo'}});
  upreq.on('upgrade', (res, socket, head) => {
    out.upgrade = {status: res.statusCode, head: head.toString()};
    socket.on('data', (d) => { out.upgrade.echoed = d.toString(); socket.end(); });
    socket.on('close', () => console.log(JSON.stringify(out)));
    socket.write('ping');
  });
  upreq.end();
})().catch((e) => console.log(JSON.stringify({error: String(e)})));
"""


def on_upgrade(req, socket, head):
    socket.write(b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhi')
    socket.on('data', socket.write)
    socket.resume()


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_a_node_client_keeps_alive_uploads_chunked_continues_and_upgrades(run_loop):
    server = http.createServer(echo_app)
    server.on('upgrade', on_upgrade)
    done = []

    def listening():
        port = server.address().port
        child = child_process.spawn(NODE, ['-e', NODE_CLIENT, str(port)])
        out = []
        child.stdout.on('data', out.append)
        child.on('close', lambda *a: (done.append(b''.join(out)), server.close()))
    server.listen(0, '127.0.0.1', listening)
    run_loop(10)
    result = json.loads(done[0])
    assert result['keepAlive'] == {'samePort': True, 'connection': 'keep-alive',
                                   'keepAliveHeader': 'timeout=5'}
    assert result['chunked'] == {'method': 'POST', 'te': 'chunked', 'body': 'abcdef'}
    assert result['sawContinue'] is True
    assert result['continueBody'] == 'after-continue'
    assert result['upgrade'] == {'status': 101, 'head': 'hi', 'echoed': 'ping'}


CURL = shutil.which('curl')


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_gets_posts_heads_and_reuses_the_connection(run_loop):
    server = http.createServer(echo_app)
    connections = []
    server.on('connection', connections.append)
    done = []

    def listening():
        url = 'http://127.0.0.1:%d/' % server.address().port
        env = external_env()   # curl is not under test
        child = child_process.spawn(CURL, [
            '-sS', '--no-progress-meter', url, '--next', '-d', 'x=1', url, '--next', '-I', url],
            {'env': env})
        out = []
        child.stdout.on('data', out.append)
        child.on('close', lambda *a: (done.append(b''.join(out)), server.close()))
    server.listen(0, '127.0.0.1', listening)
    run_loop(10)
    text = done[0].decode()
    first, rest = text.split('}', 1)
    assert json.loads(first + '}') == {'method': 'GET', 'te': None, 'body': ''}
    second, head = rest.split('}', 1)
    assert json.loads(second + '}') == {'method': 'POST', 'te': None, 'body': 'x=1'}
    assert head.startswith('HTTP/1.1 200 OK\r\n')
    assert 'Connection: keep-alive' in head
    assert len(connections) == 1
