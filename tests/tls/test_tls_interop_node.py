"""TLS interop with the real Node.js (/usr/bin/node, v20), both ways: a
Node tls client against a pyuvnet tls server, and a pyuvnet tls client
against a Node tls server.  Each case is one behaviour: TLS 1.2 and 1.3,
ALPN, SNI with two certificates, client certificates, session resumption,
and a 64 MiB transfer checked by SHA-256 both ways.  Node reports what it
saw as JSON lines on stdout; the JavaScript is below, one script per side,
driven by a JSON configuration."""
import hashlib
import json
import os

import pytest

import pyuvnet.tls as tls
from support import NODE, node, sha  # noqa: F401,F811 (node: a fixture)

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')

BIG = 64 << 20

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

# Connects cfg.connections times, one after the other, resuming the last
# session Node's 'session' event gave; one JSON line per connection.
NODE_CLIENT_CASES = r"""
const tls = require('tls'), fs = require('fs');
const cfg = JSON.parse(process.argv[1]);
const read = (path) => path ? fs.readFileSync(path) : undefined;
let session;
function one(i) {
  if (i === cfg.connections) return;
  const info = {sessions: 0, data: ''};
  const c = tls.connect({port: cfg.port, host: '127.0.0.1', servername: cfg.servername,
      ca: read(cfg.ca), key: read(cfg.key), cert: read(cfg.cert),
      maxVersion: cfg.maxVersion, ALPNProtocols: cfg.ALPNProtocols,
      rejectUnauthorized: cfg.rejectUnauthorized !== false,
      session: cfg.resume ? session : undefined}, () => {
    const peer = c.getPeerCertificate();
    Object.assign(info, {authorized: c.authorized, authorizationError: c.authorizationError || null,
      protocol: c.getProtocol(), alpn: c.alpnProtocol, cn: peer.subject ? peer.subject.CN : null,
      reused: c.isSessionReused(), chain: []});
    // getPeerCertificate(true): the issuerCertificate links, root -> itself.
    for (let d = c.getPeerCertificate(true); d && d.subject; d = d.issuerCertificate) {
      info.chain.push(d.subject.CN);
      if (d.issuerCertificate === d) { info.chain.push('(self)'); break; }
    }
  });
  c.on('session', (s) => { info.sessions++; session = s; });
  if (cfg.keylog) c.on('keylog', (line) => (info.keylog = info.keylog || []).push(line.toString()));
  c.setEncoding('utf8');
  c.on('data', (d) => { info.data += d; });
  c.on('error', (e) => { info.error = e.code; });
  c.on('close', () => { console.log(JSON.stringify(info)); one(i + 1); });
}
one(0);
"""

# A server for cfg.connections connections (handshake failures count),
# printing its port, then one JSON line per connection.
NODE_SERVER_CASES = r"""
const tls = require('tls'), fs = require('fs');
const cfg = JSON.parse(process.argv[1]);
const read = (path) => path ? fs.readFileSync(path) : undefined;
const options = {key: read(cfg.key), cert: read(cfg.cert), ca: read(cfg.ca),
  requestCert: !!cfg.requestCert, rejectUnauthorized: !!cfg.rejectUnauthorized,
  maxVersion: cfg.maxVersion, ALPNProtocols: cfg.ALPNProtocols};
if (cfg.sni) {
  const contexts = {};
  for (const [name, [key, cert]] of Object.entries(cfg.sni))
    contexts[name] = tls.createSecureContext({key: read(key), cert: read(cert)});
  options.SNICallback = (name, cb) => cb(null, contexts[name] || null);
}
// getPeerCertificate(true): the issuerCertificate links, root -> itself.
function chain(d) {
  const names = [];
  for (; d && d.subject; d = d.issuerCertificate) {
    names.push(d.subject.CN);
    if (d.issuerCertificate === d) { names.push('(self)'); break; }
  }
  return names;
}
let left = cfg.connections;
const done = () => { if (--left === 0) srv.close(); };
const srv = tls.createServer(options, (s) => {
  const peer = s.getPeerCertificate();
  console.log(JSON.stringify({servername: s.servername, protocol: s.getProtocol(),
    alpn: s.alpnProtocol, authorized: s.authorized,
    authorizationError: s.authorizationError || null,
    peerCN: peer && peer.subject ? peer.subject.CN : null, reused: s.isSessionReused(),
    chain: chain(s.getPeerCertificate(true))}));
  s.on('error', () => {});
  s.on('close', done);
  s.end('hello from node');
});
srv.on('tlsClientError', (e) => { console.log(JSON.stringify({tlsClientError: e.code})); done(); });
if (cfg.keylog) srv.on('keylog', (line) => console.log(JSON.stringify({keylog: line.toString()})));
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
"""


def node_lines(peer, timeout=30):
    """Every JSON line a Node script printed, once it exited."""
    out, err = peer.proc.communicate(timeout=timeout)
    assert peer.proc.returncode == 0, 'node failed: %s\n%s' % (out, err)
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


def node_client(node, port, tls_certs, **cfg):
    """NODE_CLIENT_CASES against ``port``; ``ca`` defaults to the test CA,
    key/cert name PEM files of tls_certs."""
    cfg.setdefault('connections', 1)
    cfg.setdefault('ca', 'ca.pem')
    for name in ('ca', 'key', 'cert'):
        if cfg.get(name):
            cfg[name] = tls_certs.path(cfg[name])
    return node(NODE_CLIENT_CASES, json.dumps(dict(cfg, port=port)))


def node_server(node, tls_certs, **cfg):
    """NODE_SERVER_CASES with the CA-signed localhost pair unless told;
    returns (process, port)."""
    cfg.setdefault('connections', 1)
    cfg.setdefault('key', 'leaf.key')
    cfg.setdefault('cert', 'leaf.pem')
    for name in ('ca', 'key', 'cert'):
        if cfg.get(name):
            cfg[name] = tls_certs.path(cfg[name])
    if 'sni' in cfg:
        cfg['sni'] = {name: [tls_certs.path(k), tls_certs.path(c)] for name, (k, c) in cfg['sni'].items()}
    peer = node(NODE_SERVER_CASES, json.dumps(cfg))
    return peer, int(peer.readline())


def pyuvnet_clients(port, count, resume=False, **options):
    """``count`` pyuvnet connections to ``port``, one after the other (the
    next resumes the session the last one ended with when ``resume``);
    returns the list of what each saw, filled in as the loop runs."""
    seen = []

    def one(session):
        client = tls.connect(port, '127.0.0.1', session=session, **options)
        info = {'data': b'', 'sessions': 0}

        def on_secure():
            peer = client.getPeerCertificate()
            info.update(authorized=client.authorized, authorizationError=client.authorizationError,
                        protocol=client.getProtocol(), alpn=client.alpnProtocol,
                        cn=peer.subject.CN, reused=client.isSessionReused(),
                        chain=certificate_chain(client.getPeerCertificate(True)))

        def on_session(session):
            info['sessions'] += 1
            info['session'] = session

        def on_close(_):
            seen.append(info)
            if len(seen) < count:
                one(info.get('session') if resume else None)
        client.on('secureConnect', on_secure)
        client.on('session', on_session)
        client.on('data', lambda chunk: info.update(data=info['data'] + chunk))
        client.on('error', lambda err: info.setdefault('error', err.code))
        client.on('close', on_close)
    one(None)
    return seen


def certificate_chain(detailed):
    """The CNs along getPeerCertificate(True)'s issuerCertificate links,
    '(self)' where the root names itself (as NODE_CLIENT_CASES lists them)."""
    chain = []
    while detailed and 'subject' in detailed:
        chain.append(detailed.subject.CN)
        if detailed.get('issuerCertificate') is detailed:
            chain.append('(self)')
            break
        detailed = detailed.get('issuerCertificate')
    return chain


def pyuvnet_server(tls_certs, connections=1, **options):
    """A pyuvnet tls server with the localhost pair unless told, greeting
    each client, closed after ``connections`` handshakes (failed ones
    count); returns (server, port, what each connection saw)."""
    seen = []

    def record(info):
        seen.append(info)
        if len(seen) == connections:
            server.close()
    options.setdefault('key', tls_certs.key)
    options.setdefault('cert', tls_certs.cert)

    def on_secure(s):
        peer = s.getPeerCertificate()
        record({'servername': s.servername, 'protocol': s.getProtocol(), 'alpn': s.alpnProtocol,
                     'authorized': s.authorized, 'authorizationError': s.authorizationError,
                     'peerCN': peer.get('subject', {}).get('CN'), 'reused': s.isSessionReused(),
                'chain': certificate_chain(s.getPeerCertificate(True))})
        s.on('error', lambda err: None)
        s.end(b'hello from pyuvnet')
    server = tls.createServer(options, on_secure)
    server.on('tlsClientError', lambda err, s: record({'tlsClientError': err.code}))
    server.listen(0, '127.0.0.1')
    return server, server.address().port, seen


# -- versions, ALPN and a 64 MiB transfer -------------------------------------

TRANSFERS = [('TLSv1.2', 8 << 20), ('TLSv1.3', BIG)]


@pytest.mark.parametrize('version,size', TRANSFERS)
def test_node_client_against_pyuvnet_server_transfers_intact(node, tls_certs, run_loop,
                                                             version, size):
    """Node's client verifies pyuvnet's certificate chain (authorized), ALPN
    picks the server's 'h2', and ``size`` bytes go each way intact (64 MiB
    under TLS 1.3)."""
    reply = os.urandom(size)
    received = hashlib.sha256()
    counts = []

    def on_secure(s):
        total = [0]
        counts.append((s.getProtocol(), s.alpnProtocol, s.authorized))

        def on_data(chunk):
            received.update(chunk)
            total[0] += len(chunk)
            if total[0] == size:
                s.end(reply)
        s.on('data', on_data)
        s.on('close', lambda _: (counts.append(total[0]), server.close()))
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                               'ALPNProtocols': ['h2', 'http/1.1']}, on_secure)
    server.listen(0, '127.0.0.1')
    peer = node(NODE_TLS_CLIENT, server.address().port, tls_certs.path('ca.pem'), version,
                size, size)
    run_loop(timeout=120)
    result = peer.result(timeout=60)
    assert result['authorized'] is True and result['cn'] == 'localhost'
    assert result['protocol'] == version and result['alpn'] == 'h2'
    assert result['received'] == size and result['receivedSha'] == sha(reply)
    assert received.hexdigest() == result['sentSha']
    # No client certificate was asked for: the server does not judge one.
    assert counts == [(version, 'h2', False), size]


@pytest.mark.parametrize('version,size', TRANSFERS)
def test_pyuvnet_client_against_node_server_transfers_intact(node, tls_certs, run_loop,
                                                             version, size):
    """pyuvnet's client verifies Node's certificate, gets Node's ALPN choice
    and the SNI certificate it asked for; ``size`` bytes go each way intact
    (64 MiB under TLS 1.3)."""
    peer = node(NODE_TLS_SERVER, tls_certs.path('leaf.key'), tls_certs.path('leaf.pem'),
                tls_certs.path('other.key'), tls_certs.path('other.pem'), size, size)
    port = int(peer.readline())
    payload = os.urandom(size)
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
    run_loop(timeout=120)
    result = peer.result(timeout=60)
    assert 'error' not in seen
    assert seen == {'authorized': True, 'protocol': version, 'alpn': 'h2', 'cn': 'other.test',
                    'end': True}
    assert result['servername'] == 'other.test' and result['protocol'] == version
    assert result['received'] == size and result['receivedSha'] == sha(payload)
    assert received.hexdigest() == result['sentSha']


@pytest.mark.parametrize('offer,chosen', [(['h2', 'http/1.1'], 'h2'),
                                          (['http/1.1'], 'http/1.1')])
def test_alpn_server_preference_among_the_clients_offer_both_ways(node, tls_certs, run_loop,
                                                                  offer, chosen):
    """The server (pyuvnet, then Node) prefers h2 and takes http/1.1 when
    that is all the client (Node, then pyuvnet) offers; both ends agree."""
    server, port, server_seen = pyuvnet_server(tls_certs, ALPNProtocols=['h2', 'http/1.1'])
    peer = node_client(node, port, tls_certs, ALPNProtocols=offer)
    run_loop(timeout=20)
    [client_seen] = node_lines(peer)
    assert client_seen['alpn'] == chosen and server_seen[0]['alpn'] == chosen
    assert client_seen['data'] == 'hello from pyuvnet'

    peer, port = node_server(node, tls_certs, ALPNProtocols=['h2', 'http/1.1'])
    seen = pyuvnet_clients(port, 1, ca=tls_certs.ca, ALPNProtocols=offer)
    run_loop(timeout=20)
    [node_seen] = node_lines(peer)
    assert seen[0]['alpn'] == chosen and node_seen['alpn'] == chosen
    assert seen[0]['data'] == b'hello from node'


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_both_protocol_versions_negotiate_both_ways(node, tls_certs, run_loop, version):
    """maxVersion on the client decides the version; both ends report it."""
    server, port, server_seen = pyuvnet_server(tls_certs)
    peer = node_client(node, port, tls_certs, maxVersion=version)
    run_loop(timeout=20)
    assert node_lines(peer)[0]['protocol'] == version == server_seen[0]['protocol']

    peer, port = node_server(node, tls_certs)
    seen = pyuvnet_clients(port, 1, ca=tls_certs.ca, maxVersion=version)
    run_loop(timeout=20)
    assert node_lines(peer)[0]['protocol'] == version == seen[0]['protocol']


# -- SNI: two certificates, picked by the name the client sends ---------------

@pytest.mark.parametrize('name', ['localhost', 'other.test'])
def test_sni_server_picks_the_certificate_named_both_ways(node, tls_certs, run_loop, name):
    """The server (pyuvnet's SNICallback, then Node's) answers 'other.test'
    with the other.test certificate and anything else with its default
    (localhost); the client sees that certificate, verifies it for the name
    it sent (authorized), and the server reports the name."""
    other = tls.createSecureContext(key=tls_certs.other_key, cert=tls_certs.other_cert)
    server, port, server_seen = pyuvnet_server(
        tls_certs, SNICallback=lambda servername, cb: cb(None, other if servername == 'other.test'
                                                         else None))
    peer = node_client(node, port, tls_certs, servername=name)
    run_loop(timeout=20)
    [client_seen] = node_lines(peer)
    assert (client_seen['cn'], client_seen['authorized']) == (name, True)
    assert server_seen[0]['servername'] == name

    peer, port = node_server(node, tls_certs, sni={'other.test': ('other.key', 'other.pem')})
    seen = pyuvnet_clients(port, 1, ca=tls_certs.ca, servername=name)
    run_loop(timeout=20)
    [node_seen] = node_lines(peer)
    assert (seen[0]['cn'], seen[0]['authorized']) == (name, True)
    assert node_seen['servername'] == name


# -- client certificates ------------------------------------------------------

CLIENT_CERTIFICATES = [
    # (key, cert) the client presents -> (authorized, authorizationError, peer CN)
    (('leaf.key', 'leaf.pem'), (True, None, 'localhost')),
    (('self.key', 'self.pem'), (False, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'localhost')),
    ((None, None), (False, 'UNABLE_TO_GET_ISSUER_CERT', None)),
]


@pytest.mark.parametrize('pair,verdict', CLIENT_CERTIFICATES)
def test_client_certificate_judged_by_a_lenient_server_both_ways(node, tls_certs, run_loop,
                                                                 pair, verdict):
    """requestCert with rejectUnauthorized false: the connection is kept and
    the server (pyuvnet, then Node) reports authorized/authorizationError
    with Node's codes for a CA-signed, a self-signed and no certificate."""
    key, cert = pair
    server, port, server_seen = pyuvnet_server(tls_certs, ca=tls_certs.ca, requestCert=True,
                                               rejectUnauthorized=False)
    peer = node_client(node, port, tls_certs, key=key, cert=cert)
    run_loop(timeout=20)
    [client_seen] = node_lines(peer)
    got = server_seen[0]
    assert (got['authorized'], got['authorizationError'], got['peerCN']) == verdict
    assert client_seen['data'] == 'hello from pyuvnet'

    peer, port = node_server(node, tls_certs, ca='ca.pem', requestCert=True,
                             rejectUnauthorized=False)
    options = {'key': tls_certs.read(key), 'cert': tls_certs.read(cert)} if key else {}
    seen = pyuvnet_clients(port, 1, ca=tls_certs.ca, **options)
    run_loop(timeout=20)
    [node_seen] = node_lines(peer)
    assert (node_seen['authorized'], node_seen['authorizationError'], node_seen['peerCN']) == verdict
    assert seen[0]['data'] == b'hello from node'
    # The server's getPeerCertificate(true): the client's chain as Node builds it.
    assert got['chain'] == node_seen['chain']
    assert got['chain'] == {True: ['localhost', 'pyuvnet test CA', '(self)'],
                            False: ['localhost', '(self)'] if key else []}[verdict[0]]


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_client_certificate_refused_by_a_strict_server_both_ways(node, tls_certs, run_loop,
                                                                 version):
    """requestCert with rejectUnauthorized: a self-signed client certificate
    is refused; the server (pyuvnet, then Node) reports 'tlsClientError'
    ECONNRESET and the client (Node, then pyuvnet) gets no data."""
    server, port, server_seen = pyuvnet_server(tls_certs, ca=tls_certs.ca, requestCert=True,
                                               rejectUnauthorized=True)
    peer = node_client(node, port, tls_certs, key='self.key', cert='self.pem', maxVersion=version)
    run_loop(timeout=20)
    [client_seen] = node_lines(peer)
    assert client_seen['data'] == ''

    peer, port = node_server(node, tls_certs, ca='ca.pem', requestCert=True,
                             rejectUnauthorized=True, maxVersion=version)
    seen = pyuvnet_clients(port, 1, ca=tls_certs.ca, key=tls_certs.self_key,
                           cert=tls_certs.self_cert, maxVersion=version)
    run_loop(timeout=20)
    node_seen = node_lines(peer)
    assert seen[0]['data'] == b''
    # The same failure on both servers, with the same code and client error.
    assert server_seen == node_seen == [{'tlsClientError': 'ECONNRESET'}]
    # Under 1.2 the refusal comes before the client's handshake completes
    # (ECONNRESET); under 1.3 the client finished first, so it sees the
    # connection end without an error.  Both clients agree.
    expected = 'ECONNRESET' if version == 'TLSv1.2' else None
    assert client_seen.get('error') == seen[0].get('error') == expected


# -- session resumption -------------------------------------------------------

@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_node_client_resumes_a_pyuvnet_server_session(node, tls_certs, run_loop, version):
    """Node's client keeps the session its 'session' event gave and offers
    it on the second connection: both ends report isSessionReused()."""
    server, port, server_seen = pyuvnet_server(tls_certs, connections=2)
    peer = node_client(node, port, tls_certs, connections=2, resume=True, maxVersion=version)
    run_loop(timeout=20)
    first, second = node_lines(peer)
    assert first['sessions'] == {'TLSv1.2': 1, 'TLSv1.3': 2}[version]
    assert first['reused'] is False and second['reused'] is True
    assert [s['reused'] for s in server_seen] == [False, True]
    assert second['data'] == 'hello from pyuvnet'
    # Node's resumed client shows no peer certificate (its sessions are
    # serialised without the chain); pyuvnet's keeps it (next test).
    assert (first['cn'], second['cn']) == ('localhost', None)


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_pyuvnet_client_resumes_a_node_server_session(node, tls_certs, run_loop, version):
    """pyuvnet's client keeps the session its 'session' event gave (under
    TLS 1.3 the server's ticket, after the handshake) and offers it on the
    second connection: both ends report isSessionReused()."""
    peer, port = node_server(node, tls_certs, connections=2, maxVersion=version)
    seen = pyuvnet_clients(port, 2, resume=True, ca=tls_certs.ca, maxVersion=version)
    run_loop(timeout=20)
    first, second = node_lines(peer)
    # One 'session' per ticket, as Node's client gets from Node's server.
    assert seen[0]['sessions'] == {'TLSv1.2': 1, 'TLSv1.3': 2}[version]
    assert [s['reused'] for s in seen] == [False, True]
    assert (first['reused'], second['reused']) == (False, True)
    assert seen[1]['data'] == b'hello from node'
    assert seen[1]['cn'] == 'localhost' and seen[1]['authorized'] is True


# -- 'keylog' -----------------------------------------------------------------

@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_keylog_lines_are_the_peers_lines_both_ways(node, tls_certs, run_loop, version):
    """Both ends of a connection log the same NSS key log lines (bytes
    ending in a newline): pyuvnet's server 'keylog'(line, tlsSocket)
    against Node's client 'keylog'(line), then pyuvnet's client against
    Node's server.  TLS 1.2 logs CLIENT_RANDOM, 1.3 five secrets."""
    expected = {'TLSv1.2': 1, 'TLSv1.3': 5}[version]
    server, port, _ = pyuvnet_server(tls_certs)
    server_lines = []
    server.on('keylog', lambda line, sock: server_lines.append((line, sock.getProtocol())))
    peer = node_client(node, port, tls_certs, keylog=True, maxVersion=version)
    run_loop(timeout=20)
    [client_seen] = node_lines(peer)
    assert all(line.endswith(b'\n') for line, _ in server_lines)
    assert sorted(line.decode() for line, _ in server_lines) == sorted(client_seen['keylog'])
    assert len(server_lines) == expected

    peer, port = node_server(node, tls_certs, keylog=True, maxVersion=version)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion=version)
    client_lines = []
    client.on('keylog', client_lines.append)
    client.on('data', lambda chunk: None)
    run_loop(timeout=20)
    node_seen = [line['keylog'] for line in node_lines(peer) if 'keylog' in line]
    assert sorted(line.decode() for line in client_lines) == sorted(node_seen)
    assert len(client_lines) == expected
    if version == 'TLSv1.2':
        assert client_lines[0].startswith(b'CLIENT_RANDOM ')


# -- getPeerCertificate(true) -------------------------------------------------

CHAINS = [
    # (server's key, its certificate files, the client trusts the CA) -> chain seen
    (('leaf.key', ['leaf.pem']), True, ['localhost', 'pyuvnet test CA', '(self)']),
    (('leaf.key', ['leaf.pem', 'ca.pem']), True, ['localhost', 'pyuvnet test CA', '(self)']),
    (('self.key', ['self.pem']), False, ['localhost', '(self)']),
    (('leaf.key', ['leaf.pem']), False, ['localhost']),
    (('leaf.key', ['leaf.pem', 'ca.pem']), False, ['localhost', 'pyuvnet test CA', '(self)']),
]


@pytest.mark.parametrize('served,trusted,chain', CHAINS)
def test_detailed_peer_certificate_chain_matches_node_both_ways(node, tls_certs, run_loop,
                                                                served, trusted, chain):
    """getPeerCertificate(true) links each certificate to its issuer's up to
    the root, which is its own issuerCertificate; with neither the CA sent
    nor trusted the leaf has no issuerCertificate.  Node's client sees this
    chain from pyuvnet's server, pyuvnet's client the same from Node's."""
    key, certs = served
    bundle = 'served-%s.pem' % '-'.join(name[:-4] for name in certs)
    with open(tls_certs.path(bundle), 'w') as f:
        f.write(''.join(tls_certs.read(name) for name in certs))
    ca = 'ca.pem' if trusted else None
    server, port, _ = pyuvnet_server(tls_certs, key=tls_certs.read(key), cert=tls_certs.read(bundle))
    peer = node_client(node, port, tls_certs, ca=ca, rejectUnauthorized=False, servername='localhost')
    run_loop(timeout=20)
    assert node_lines(peer)[0]['chain'] == chain

    peer, port = node_server(node, tls_certs, key=key, cert=bundle)
    options = {'ca': tls_certs.ca} if trusted else {}
    seen = pyuvnet_clients(port, 1, rejectUnauthorized=False, servername='localhost', **options)
    run_loop(timeout=20)
    node_lines(peer)
    assert seen[0]['chain'] == chain
