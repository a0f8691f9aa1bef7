"""https interop: a Node 20 https client (the CA given, a keep-alive
agent) against pyuvnet's https server; pyuvnet's https client against a
Node 20 https server; curl (--cacert) against pyuvnet's https server.
Each side checks the other's certificate; Node reports what it saw as one
JSON line."""
import json
import shutil

import pytest

import pyuvnet.https as https
from pyuvnet import child_process
from http_server_support import echo_app
from support import NODE, external_env

CURL = shutil.which('curl')

NODE_CLIENT = r"""
const https = require('https');
const [port, ca] = [+process.argv[1], process.argv[2]];
const agent = new https.Agent({keepAlive: true, maxSockets: 1, ca});
const call = (path, opts = {}) => new Promise((resolve, reject) => {
  const req = https.request({port, host: '127.0.0.1', path, agent, servername: 'localhost', ...opts},
    (res) => {
      const body = [];
      res.on('data', (d) => body.push(d));
      res.on('end', () => resolve({body: JSON.parse(Buffer.concat(body)), port: req.socket.localPort,
                                   authorized: req.socket.authorized, reused: req.reusedSocket,
                                   alpn: req.socket.alpnProtocol}));
    });
  req.on('error', reject);
  for (const chunk of opts.chunks || []) req.write(chunk);
  req.end();
});
(async () => {
  const a = await call('/a'), b = await call('/b');
  const up = await call('/up', {method: 'POST', chunks: ['ab', 'cd']});
  console.log(JSON.stringify({samePort: a.port === b.port && b.port === up.port,
                              authorized: a.authorized, reused: [a.reused, b.reused, up.reused],
                              upload: up.body}));
  agent.destroy();
})().catch((e) => console.log(JSON.stringify({error: String(e), code: e.code})));
"""

NODE_SERVER = r"""
const https = require('https');
const fs = require('fs');
const server = https.createServer({key: fs.readFileSync(process.argv[1]),
                                   cert: fs.readFileSync(process.argv[2])}, (req, res) => {
  const body = [];
  req.on('data', (d) => body.push(d));
  req.on('end', () => res.end(JSON.stringify({url: req.url, servername: req.socket.servername,
    te: req.headers['transfer-encoding'] || null, body: Buffer.concat(body).toString(),
    port: req.socket.remotePort})));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
"""


def https_server(tls_certs):
    server = https.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, echo_app)
    connections = []
    server.on('connection', connections.append)
    return server, connections


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_a_node_https_client_keeps_its_tls_connection_alive(run_loop, tls_certs):
    server, connections = https_server(tls_certs)
    out = []

    def listening():
        child = child_process.spawn(NODE, ['-e', NODE_CLIENT, str(server.address().port),
                                           tls_certs.ca])
        child.stdout.on('data', out.append)
        child.on('close', lambda *args: server.close())
    server.listen(0, '127.0.0.1', listening)
    run_loop(10)
    assert json.loads(b''.join(out)) == {
        'samePort': True, 'authorized': True, 'reused': [False, True, True],
        'upload': {'method': 'POST', 'te': 'chunked', 'body': 'abcd'}}
    assert len(connections) == 1


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_the_https_client_against_a_node_https_server(run_loop, tls_certs):
    agent = https.Agent(keepAlive=True, ca=tls_certs.ca)
    got = []
    child = child_process.spawn(NODE, ['-e', NODE_SERVER, tls_certs.path('leaf.key'),
                                       tls_certs.path('leaf.pem')])

    def call(port, options, then):
        def on_response(res):
            chunks = []
            res.on('data', chunks.append)
            res.on('end', lambda: then(dict(json.loads(b''.join(chunks)),
                                            reused=req.reusedSocket,
                                            authorized=req.socket.authorized)))
        req = https.request(dict({'host': 'localhost', 'port': port, 'agent': agent}, **options),
                            on_response)
        req.on('error', lambda error: (got.append(error), finish()))
        return req

    def finish():
        agent.destroy()
        child.stdin.end()

    def on_port(data):
        port = int(data)
        call(port, {'path': '/a'}, lambda first: (got.append(first), post(port))).end()

    def post(port):
        req = call(port, {'path': '/up', 'method': 'POST'},
                   lambda second: (got.append(second), finish()))
        req.write('ab')
        req.end('cd')
    child.stdout.once('data', on_port)
    run_loop(10)
    first, second = got
    assert (first['url'], first['servername'], first['authorized'], first['reused']) == \
        ('/a', 'localhost', True, False)
    assert (second['te'], second['body'], second['reused'], second['port']) == \
        ('chunked', 'abcd', True, first['port'])


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_checks_the_certificate_and_reuses_the_tls_connection(run_loop, tls_certs):
    server, connections = https_server(tls_certs)
    done = []

    def listening():
        url = 'https://127.0.0.1:%d/' % server.address().port
        env = external_env()   # curl is not under test
        child = child_process.spawn(CURL, [
            '-sS', '--no-progress-meter', '--cacert', tls_certs.path('ca.pem'), url,
            '--next', '--cacert', tls_certs.path('ca.pem'), '-d', 'x=1', url], {'env': env})
        out = []
        child.stdout.on('data', out.append)
        child.on('close', lambda *a: (done.append(b''.join(out)), server.close()))
    server.listen(0, '127.0.0.1', listening)
    run_loop(10)
    first, second = done[0].decode().split('}', 1)
    assert json.loads(first + '}') == {'method': 'GET', 'te': None, 'body': ''}
    assert json.loads(second) == {'method': 'POST', 'te': None, 'body': 'x=1'}
    assert len(connections) == 1
