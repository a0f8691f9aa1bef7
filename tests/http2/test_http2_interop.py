"""pyuvnet's http2 server answering curl (--http2-prior-knowledge and
--http2 over TLS), nghttp and Node 20's http2 client; pyuvnet's client
talking to Node 20's http2 server (h2c and h2 over TLS) and nghttpd. What
each peer sees was pinned first against a Node 20 http2 server with the same
handler (the same status, headers and body)."""
import json
import os

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import CURL, NGHTTP, NGHTTPD, echo_stream, listen, run_peer
from support import NODE, node  # noqa: F401 (the fixture)

NODE_CLIENT = r"""
const http2 = require('http2');
const [url, ca] = process.argv.slice(1);
const session = http2.connect(url, ca ? {ca: require('fs').readFileSync(ca)} : {});
const req = session.request({':method': 'POST', ':path': '/from-node', 'x-one': 'a'});
req.end('the body');
let body = ''; let head;
req.setEncoding('utf8');
req.on('response', (headers) => { head = headers; });
req.on('data', (d) => { body += d; });
req.on('end', () => {
  console.log(JSON.stringify({status: head[':status'], type: head['content-type'],
                              echo: head['x-echo'], body: JSON.parse(body),
                              alpn: session.alpnProtocol}));
  session.close();
});
"""


def node_client(url, ca=None):
    return [NODE, '-e', NODE_CLIENT, url] + ([ca] if ca else [])


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_client_gets_an_answer_over_h2c(run_loop):
    server = http2.createServer()
    server.on('stream', echo_stream)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, node_client('http://127.0.0.1:%d' % port))
    assert code == 0, err
    seen = json.loads(out)
    # As from Node's own server with the same handler.
    assert (seen['status'], seen['type'], seen['echo'], seen['alpn']) == \
        (200, 'application/json', 'yes', 'h2c')
    assert seen['body']['method'] == 'POST' and seen['body']['path'] == '/from-node'
    assert seen['body']['body'] == 'the body'
    assert seen['body']['headers']['x-one'] == 'a'
    assert seen['body']['headers'][':authority'] == '127.0.0.1:%d' % port
    assert seen['body']['scheme'] == 'http'


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
def test_curl_prior_knowledge_posts_and_reads_the_answer(run_loop):
    server = http2.createServer()
    server.on('stream', echo_stream)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [
        CURL, '-sS', '-i', '--http2-prior-knowledge', '--data-binary', 'xyz',
        'http://127.0.0.1:%d/abc?q=1' % port])
    assert code == 0, err
    head, _, body = out.partition(b'\r\n\r\n')
    assert head.split(b'\r\n')[0].strip() == b'HTTP/2 200'
    assert b'x-echo: yes' in head.split(b'\r\n')
    answer = json.loads(body)
    assert (answer['method'], answer['path'], answer['body']) == ('POST', '/abc?q=1', 'xyz')
    assert answer['headers']['content-length'] == '3'


@pytest.mark.skipif(NGHTTP is None, reason='nghttp (nghttp2-client) is not installed')
def test_nghttp_gets_the_answer_with_its_stream_headers(run_loop):
    server = http2.createServer()
    server.on('stream', echo_stream)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [NGHTTP, 'http://127.0.0.1:%d/n' % port])
    assert code == 0, err
    answer = json.loads(out)
    assert (answer['method'], answer['path'], answer['scheme']) == ('GET', '/n', 'http')


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_client_over_tls_negotiates_h2(run_loop, tls_certs, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text(tls_certs.ca)
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    server.on('stream', echo_stream)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server,
                              node_client('https://localhost:%d' % port, str(ca)))
    assert code == 0, err
    seen = json.loads(out)
    assert (seen['status'], seen['alpn'], seen['body']['scheme']) == (200, 'h2', 'https')
    assert seen['body']['body'] == 'the body'


@pytest.mark.skipif(CURL is None, reason='curl is not installed')
@pytest.mark.parametrize('flag, status_line', [('--http2', b'HTTP/2 200'),
                                                ('--http1.1', b'HTTP/1.1 200 OK')])
def test_allow_http1_serves_curl_on_whichever_protocol_it_picks(run_loop, tls_certs, tmp_path,
                                                                flag, status_line):
    ca = tmp_path / 'ca.pem'
    ca.write_text(tls_certs.ca)
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                                       'allowHTTP1': True})
    # One handler answers both protocols (the compatibility API on h2).
    server.on('request', lambda req, res: res.end('answer over ' + req.httpVersion))
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [
        CURL, '-sS', '-i', flag, '--cacert', str(ca), 'https://localhost:%d/p' % port])
    assert code == 0, err
    assert out.split(b'\r\n')[0].strip() == status_line
    assert out.endswith(b'answer over 1.1' if flag == '--http1.1' else b'answer over 2.0')


NODE_SERVER = r"""
const http2 = require('http2');
const [secure, key, cert] = process.argv.slice(1);
const server = secure === 'tls'
  ? http2.createSecureServer({key: require('fs').readFileSync(key),
                              cert: require('fs').readFileSync(cert)})
  : http2.createServer();
server.on('stream', (stream, headers) => {
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => { body += d; });
  stream.on('end', () => {
    stream.respond({':status': 201, 'x-node': 'yes', 'set-cookie': ['a=1', 'b=2']},
                   {waitForTrailers: true});
    stream.on('wantTrailers', () => stream.sendTrailers({'x-trailer': 'done'}));
    stream.end(JSON.stringify({path: headers[':path'], body, authority: headers[':authority']}));
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"""


def client_exchange(run_loop, url, options=None):
    """A POST through pyuvnet's client: (response headers, body, trailers)."""
    seen = {}
    session = http2.connect(url, options or {})
    req = session.request({':method': 'POST', ':path': '/to-node'})
    req.end(b'from pyuvnet')
    chunks = []
    req.on('response', lambda headers, flags, raw: seen.setdefault('headers', headers))
    req.on('trailers', lambda headers, flags, raw: seen.setdefault('trailers', headers))
    req.on('data', chunks.append)
    req.on('end', lambda: session.close())
    req.on('close', lambda: seen.setdefault('rstCode', req.rstCode))
    run_loop(10)
    return seen, json.loads(b''.join(chunks)), session


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_pyuvnet_client_talks_to_node_20s_h2c_server(run_loop, node):
    peer = node(NODE_SERVER, 'plain')
    port = int(peer.readline())
    seen, body, session = client_exchange(run_loop, 'http://127.0.0.1:%d' % port)
    assert seen['headers'][':status'] == 201
    assert seen['headers']['x-node'] == 'yes'
    assert seen['headers']['set-cookie'] == ['a=1', 'b=2']
    assert seen['trailers'] == {'x-trailer': 'done'}
    assert body == {'path': '/to-node', 'body': 'from pyuvnet',
                    'authority': '127.0.0.1:%d' % port}
    assert seen['rstCode'] == 0
    assert session.destroyed and session.alpnProtocol == 'h2c'


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_pyuvnet_client_talks_to_node_20s_server_over_tls(run_loop, node, tls_certs, tmp_path):
    (tmp_path / 'k.pem').write_text(tls_certs.key)
    (tmp_path / 'c.pem').write_text(tls_certs.cert)
    peer = node(NODE_SERVER, 'tls', tmp_path / 'k.pem', tmp_path / 'c.pem')
    port = int(peer.readline())
    seen, body, session = client_exchange(run_loop, 'https://localhost:%d' % port,
                                          {'ca': tls_certs.ca})
    assert seen['headers'][':status'] == 201
    assert body['authority'] == 'localhost:%d' % port
    assert session.alpnProtocol == 'h2' and session.encrypted


@pytest.mark.skipif(NGHTTPD is None, reason='nghttpd (nghttp2-client) is not installed')
def test_pyuvnet_client_gets_a_file_from_nghttpd(run_loop, tmp_path):
    import subprocess
    from support import external_env, free_port
    (tmp_path / 'hello.txt').write_bytes(b'hello from nghttpd\n' * 1000)
    port = free_port()
    proc = subprocess.Popen([NGHTTPD, '--no-tls', '-d', str(tmp_path), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=external_env())
    try:
        import socket as pysocket
        import time
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                pysocket.create_connection(('127.0.0.1', port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        session = http2.connect('http://127.0.0.1:%d' % port)
        req = session.request({':path': '/hello.txt'}, {'endStream': True})
        got = {}
        chunks = []
        req.on('response', lambda headers, flags, raw: got.update(headers))
        req.on('data', chunks.append)
        req.on('end', session.close)
        run_loop(10)
    finally:
        proc.kill()
        proc.communicate()
    assert got[':status'] == 200
    assert b''.join(chunks) == b'hello from nghttpd\n' * 1000
