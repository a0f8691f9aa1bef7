r"""TLSSocket.getX509Certificate() / getPeerX509Certificate().  Node's
behaviour, pinned with /usr/bin/node v20 (this JavaScript, not a port
of a Node test file):

    srv = tls.createServer({key, cert: leaf}, (s) => { s.getX509Certificate()     // the leaf
                                                        s.getPeerX509Certificate() // undefined (no client cert)
    c = tls.connect({port, ca, servername: 'localhost'})
    c.getX509Certificate(), c.getPeerX509Certificate()   // before the handshake: undefined undefined
    on 'secureConnect': c.getX509Certificate()           // undefined (the client has none)
                        c.getPeerX509Certificate()       // the leaf; issuerCertificate undefined
                        c.getPeerX509Certificate() === c.getPeerX509Certificate()   // true
    cert: leaf + ca (the chain sent): peer.issuerCertificate.subject   // the CA's;
                        its issuerCertificate: undefined
    server's own X509Certificate: issuerCertificate undefined, even with a chain
    after 'close': both undefined
"""
import pyuvnet.tls as tls
from pyuvnet.x509 import X509Certificate


def handshake(tls_server, tls_certs, run_loop, server_options=None, client_options=None):
    """What each end's getters give once secure, before the handshake and
    after 'close'."""
    seen = {}

    def on_secure(s):
        seen['server'] = (s.getX509Certificate(), s.getPeerX509Certificate())
        s.end()
    server, port = tls_server(on_secure, **(server_options or {}))
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='localhost',
                         **(client_options or {}))
    seen['before'] = (client.getX509Certificate(), client.getPeerX509Certificate())

    def on_secure_connect():
        seen['client'] = (client.getX509Certificate(), client.getPeerX509Certificate())
        seen['same'] = client.getPeerX509Certificate() is client.get_peer_x509_certificate()
    client.on('secureConnect', on_secure_connect)
    client.on('data', lambda chunk: None)

    def on_close(had_error):
        seen['after'] = (client.getX509Certificate(), client.getPeerX509Certificate())
        server.close()
    client.on('close', on_close)
    run_loop()
    return seen


def test_client_sees_the_servers_leaf_and_has_none_of_its_own(tls_server, tls_certs, run_loop):
    """The server's leaf alone: no issuerCertificate (the CA came from the
    client's trust, not from the peer); nothing before or after."""
    seen = handshake(tls_server, tls_certs, run_loop)
    own, peer = seen['client']
    assert own is None and isinstance(peer, X509Certificate)
    assert peer.raw == X509Certificate(tls_certs.cert).raw
    assert peer.issuerCertificate is None and seen['same']
    assert seen['before'] == (None, None) and seen['after'] == (None, None)
    server_own, server_peer = seen['server']
    assert server_own.raw == peer.raw and server_peer is None


def test_a_sent_chain_gives_issuer_certificate(tls_server, tls_certs, run_loop):
    """The server sends leaf + CA: the peer's issuerCertificate is the CA,
    whose own is None; the server's own certificate has none."""
    seen = handshake(tls_server, tls_certs, run_loop,
                     server_options={'cert': tls_certs.cert + tls_certs.ca})
    peer = seen['client'][1]
    assert peer.issuerCertificate.subject == 'CN=pyuvnet test CA'
    assert peer.issuerCertificate.issuerCertificate is None
    assert peer.checkIssued(peer.issuerCertificate)
    assert seen['server'][0].issuerCertificate is None


def test_server_sees_the_client_certificate(tls_server, tls_certs, run_loop):
    """With requestCert, the server's getPeerX509Certificate() is the
    client's certificate; the client's getX509Certificate() is its own."""
    seen = handshake(tls_server, tls_certs, run_loop,
                     server_options={'requestCert': True, 'ca': tls_certs.ca},
                     client_options={'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    client_own = seen['client'][0]
    assert client_own.subject == 'CN=other.test'
    assert seen['server'][1].raw == client_own.raw
    assert seen['server'][1].checkHost('x.other.test') == '*.other.test'
