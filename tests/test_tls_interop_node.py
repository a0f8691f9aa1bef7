"""TLS interop with the real Node.js (/usr/bin/node, v20): a Node tls
client against a pyuvnet tls server and a pyuvnet tls client against a
Node tls server, under TLS 1.2 and 1.3, with ALPN, SNI and a multi-MiB
transfer checked by SHA-256 both ways.  Node reports what it saw as one
JSON line on stdout."""
import hashlib
import os

import pytest

import pyuvnet.tls as tls
from test_tcp_interop_node import NODE, node, sha  # noqa: F401,F811 (node: a fixture)

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')

SIZE = 8 << 20

NODE_TLS_CLIENT = r"""
const tls = require('tls'), fs = require('fs'), crypto = require('crypto');
const [port, ca, maxVersion, sendSize, expectSize] = process.argv.slice(1);
const out = crypto.randomBytes(+sendSize), h = crypto.createHash('sha256');
let n = 0, info = null;
const c = tls.connect({port: +port, host: '127.0.0.1', servername: 'localhost',
                       ca: fs.readFileSync(ca), maxVersion,
                       ALPNProtocols: ['http/1.1', 'h2']}, () => {
  info = {authorized: c.authorized, protocol: c.getProtocol(), alpn: c.alpnProtocol,
          cn: c.getPeerCertificate().subject.CN};
  c.write(out);
});
c.on('data', (d) => { h.update(d); n += d.length; });
c.on('end', () => {
  console.log(JSON.stringify(Object.assign(info, {
    received: n, receivedSha: h.digest('hex'),
    sentSha: crypto.createHash('sha256').update(out).digest('hex')})));
});
c.on('error', (e) => { console.log(JSON.stringify({error: e.code})); });
"""

NODE_TLS_SERVER = r"""
const tls = require('tls'), fs = require('fs'), crypto = require('crypto');
const [key, cert, otherKey, otherCert, expectSize, sendSize] = process.argv.slice(1);
const other = tls.createSecureContext({key: fs.readFileSync(otherKey), cert: fs.readFileSync(otherCert)});
const out = crypto.randomBytes(+sendSize);
const srv = tls.createServer({key: fs.readFileSync(key), cert: fs.readFileSync(cert),
                              ALPNProtocols: ['h2', 'http/1.1'],
                              SNICallback: (name, cb) => cb(null, name === 'other.test' ? other : null)},
  (s) => {
    const h = crypto.createHash('sha256');
    let n = 0;
    const info = {protocol: s.getProtocol(), alpn: s.alpnProtocol, servername: s.servername};
    s.on('data', (d) => {
      h.update(d); n += d.length;
      if (n === +expectSize) s.end(out);
    });
    s.on('close', () => {
      console.log(JSON.stringify(Object.assign(info, {received: n, receivedSha: h.digest('hex'),
        sentSha: crypto.createHash('sha256').update(out).digest('hex')})));
      srv.close();
    });
  });
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
"""


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_node_client_against_pyuvnet_server(node, tls_certs, run_loop, version):
    """Node's client verifies pyuvnet's certificate chain (authorized), ALPN
    picks the server's 'h2', and 8 MiB go each way intact."""
    reply = os.urandom(SIZE)
    received = hashlib.sha256()
    counts = []

    def on_secure(s):
        total = [0]
        counts.append((s.getProtocol(), s.alpnProtocol, s.authorized))

        def on_data(chunk):
            received.update(chunk)
            total[0] += len(chunk)
            if total[0] == SIZE:
                s.end(reply)
        s.on('data', on_data)
        s.on('close', lambda _: (counts.append(total[0]), server.close()))
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                               'ALPNProtocols': ['h2', 'http/1.1']}, on_secure)
    server.listen(0, '127.0.0.1')
    peer = node(NODE_TLS_CLIENT, server.address().port, tls_certs.path('ca.pem'), version,
                SIZE, SIZE)
    run_loop(timeout=60)
    result = peer.result()
    assert result['authorized'] is True and result['cn'] == 'localhost'
    assert result['protocol'] == version and result['alpn'] == 'h2'
    assert result['received'] == SIZE and result['receivedSha'] == sha(reply)
    assert received.hexdigest() == result['sentSha']
    # No client certificate was asked for: the server does not judge one.
    assert counts == [(version, 'h2', False), SIZE]


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_pyuvnet_client_against_node_server(node, tls_certs, run_loop, version):
    """pyuvnet's client verifies Node's certificate, gets Node's ALPN choice
    and the SNI certificate it asked for; 8 MiB go each way intact."""
    peer = node(NODE_TLS_SERVER, tls_certs.path('leaf.key'), tls_certs.path('leaf.pem'),
                tls_certs.path('other.key'), tls_certs.path('other.pem'), SIZE, SIZE)
    port = int(peer.readline())
    payload = os.urandom(SIZE)
    received = hashlib.sha256()
    seen = {}
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='other.test',
                         maxVersion=version, ALPNProtocols=['http/1.1', 'h2'])

    def on_secure():
        seen.update(authorized=client.authorized, protocol=client.getProtocol(),
                    alpn=client.alpnProtocol, cn=client.getPeerCertificate().subject.CN)
        client.write(payload)
    client.on('secureConnect', on_secure)
    client.on('data', received.update)
    client.on('end', lambda: seen.setdefault('end', True))
    client.on('error', lambda err: seen.setdefault('error', err))
    run_loop(timeout=60)
    result = peer.result()
    assert 'error' not in seen
    assert seen == {'authorized': True, 'protocol': version, 'alpn': 'h2', 'cn': 'other.test',
                    'end': True}
    assert result['servername'] == 'other.test' and result['protocol'] == version
    assert result['received'] == SIZE and result['receivedSha'] == sha(payload)
    assert received.hexdigest() == result['sentSha']


def test_node_client_rejects_pyuvnet_self_signed_certificate(node, tls_certs, run_loop):
    """Node: a self-signed server certificate -> the client's 'error' is
    DEPTH_ZERO_SELF_SIGNED_CERT and pyuvnet's server reports
    'tlsClientError' ECONNRESET 'socket hang up' (as a Node server would)."""
    errors_seen = []
    server = tls.createServer({'key': tls_certs.self_key, 'cert': tls_certs.self_cert})
    server.on('tlsClientError', lambda err, s: (errors_seen.append((err.code, str(err))),
                                                server.close()))
    server.listen(0, '127.0.0.1')
    peer = node(NODE_TLS_CLIENT, server.address().port, tls_certs.path('ca.pem'), 'TLSv1.3', 1, 1)
    run_loop(timeout=20)
    assert peer.result() == {'error': 'DEPTH_ZERO_SELF_SIGNED_CERT'}
    assert errors_seen == [('ECONNRESET', 'socket hang up')]
