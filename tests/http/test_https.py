"""pyuvnet.https: an https.Server (tls.Server + http.Server's behaviour)
answering pyuvnet's https client and Node 20's, with the CA checked
(``ca``, ``servername``, ``rejectUnauthorized``) and https.Agent keeping
the TLS connection alive between requests."""
import json

import pytest

import pyuvnet.https as https
from support import NODE


def app(req, res):
    res.end(json.dumps({'url': req.url, 'encrypted': req.socket.encrypted,
                        'servername': req.socket.servername}))


@pytest.fixture
def https_server(tls_certs):
    server = https.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, app)
    server.listen(0, '127.0.0.1')
    # Neither the server nor its connections keep run() going: each test's
    # run() ends when its client is done.
    server.unref()
    server.on('connection', lambda sock: sock.unref())
    yield server
    server.closeAllConnections()
    server.close()
    https.globalAgent.destroy()


def get_json(run_loop, options):
    got = {}

    def on_response(res):
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: got.update(body=json.loads(b''.join(chunks))))
    req = https.get(options, on_response)
    req.on('error', lambda err: got.update(error=err))
    run_loop()
    return got, req


def test_a_request_checked_against_the_ca_by_name(https_server, tls_certs, run_loop):
    agent = https.Agent(keepAlive=True)
    options = {'host': '127.0.0.1', 'port': https_server.address().port, 'ca': tls_certs.ca,
               'servername': 'localhost', 'path': '/one', 'agent': agent}
    got, _ = get_json(run_loop, options)
    assert got['body'] == {'url': '/one', 'encrypted': True, 'servername': 'localhost'}
    got, req = get_json(run_loop, dict(options, path='/two'))
    assert got['body']['url'] == '/two' and req.reusedSocket is True
    agent.destroy()
    run_loop()


def test_an_unknown_ca_is_refused_unless_reject_unauthorized_is_off(https_server, run_loop):
    port = https_server.address().port
    got, _ = get_json(run_loop, {'host': '127.0.0.1', 'port': port, 'servername': 'localhost',
                                 'agent': False})
    assert got['error'].code == 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'   # as Node's
    got, _ = get_json(run_loop, {'host': '127.0.0.1', 'port': port, 'rejectUnauthorized': False,
                                 'path': '/x', 'agent': False})
    assert got['body']['url'] == '/x'


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_a_node_https_client_gets_its_answer(https_server, tls_certs, run_loop):
    from pyuvnet import child_process
    script = ("const https = require('https');"
              "https.get({host: '127.0.0.1', port: +process.argv[1], path: '/node', ca: process.argv[2],"
              " servername: 'localhost'}, (res) => { let b = ''; res.on('data', (d) => b += d);"
              " res.on('end', () => console.log(res.statusCode, b)); })"
              ".on('error', (e) => console.log('error', e.code));")
    out = []
    child = child_process.spawn(NODE, ['-e', script, str(https_server.address().port), tls_certs.ca])
    child.stdout.on('data', out.append)
    child.on('close', lambda *a: (https_server.closeAllConnections(), https_server.close()))
    run_loop(10)
    status, body = b''.join(out).decode().split(' ', 1)
    assert status == '200'
    assert json.loads(body) == {'url': '/node', 'encrypted': True, 'servername': 'localhost'}
