"""Node's own tls tests on who the ends are: SNI contexts and client
certificates (test/parallel/test-tls-sni-*.js, test-tls-client-auth.js,
test-tls-server-verify.js in nodejs/node), ported: each row was first run
under /usr/bin/node v20 with certificates made by tests/tls/tls_certs_support.py."""
import pytest

import pyuvnet.tls as tls


def _connect_in_turn(port, option_list, on_each, done):
    """Connect once per options dict, one after the other; ``on_each(client,
    options)`` wires each; ``done()`` after the last 'close'."""
    option_list = list(option_list)

    def next_one(*_):
        if not option_list:
            done()
            return
        options = option_list.pop(0)
        client = tls.connect(dict({'port': port, 'host': '127.0.0.1'}, **options))
        on_each(client, options)
        client.on('close', next_one)
    next_one()


def test_sni_callback_contexts_decide_the_certificate(tls_server, tls_certs, run_loop):
    """test-tls-sni-server-client.js, test-tls-sni-option.js: an
    SNICallback answering other.test's context for 'other.test' and
    'a.other.test', cb(null) for 'none.test' and cb(null, undefined) for
    the rest: the client sees other.test's certificate (authorized through
    its wildcard), or the server's own (for 'none.test':
    ERR_TLS_CERT_ALTNAME_INVALID); the server's socket reports the name
    asked; SNICallback runs once per connection with that name."""
    other = tls.createSecureContext({'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    asked, seen = [], []

    def sni(name, cb):
        asked.append(name)
        if name in ('other.test', 'a.other.test'):
            cb(None, other)
        elif name == 'none.test':
            cb(None)
        else:
            cb(None, None)
    server, port = tls_server(lambda s: (seen.append(('server', s.servername)), s.end()),
                              SNICallback=sni)

    def on_each(client, options):
        name = options['servername']
        client.on('secureConnect', lambda: seen.append(
            (name, client.authorized, client.getPeerCertificate().subject.CN)))
        client.on('error', lambda err: seen.append((name, 'error', err.code)))
    names = ['other.test', 'a.other.test', 'none.test', 'localhost']
    _connect_in_turn(port, [{'ca': tls_certs.ca, 'servername': name} for name in names],
                     on_each, server.close)
    run_loop()
    assert asked == names
    assert sorted(seen) == sorted([
        ('other.test', True, 'other.test'), ('server', 'other.test'),
        ('a.other.test', True, 'other.test'), ('server', 'a.other.test'),
        ('none.test', 'error', 'ERR_TLS_CERT_ALTNAME_INVALID'),
        ('localhost', True, 'localhost'), ('server', 'localhost')])


def test_add_context_wildcards_match_one_label(tls_server, tls_certs, run_loop):
    """test-tls-add-context.js / test-tls-sni-option.js with
    server.addContext('*.other.test', options) and addContext('other.test',
    SecureContext): 'x.other.test' and 'other.test' get other.test's
    certificate (authorized); 'y.x.other.test' (two labels) and
    'nothing.test' the server's own ('localhost', authorizationError
    ERR_TLS_CERT_ALTNAME_INVALID); the server socket's servername is the
    name asked each time."""
    seen = []
    server, port = tls_server(lambda s: (seen.append(('server', s.servername)), s.end()))
    server.addContext('*.other.test', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    server.addContext('other.test', tls.createSecureContext({'key': tls_certs.other_key,
                                                            'cert': tls_certs.other_cert}))

    def on_each(client, options):
        name = options['servername']
        client.on('secureConnect', lambda: seen.append(
            (name, client.authorized, client.authorizationError,
             client.getPeerCertificate().subject.CN)))
    names = ['x.other.test', 'other.test', 'y.x.other.test', 'nothing.test']
    _connect_in_turn(port, [{'ca': tls_certs.ca, 'servername': name, 'rejectUnauthorized': False}
                            for name in names], on_each, server.close)
    run_loop()
    assert sorted(seen) == sorted(
        [('x.other.test', True, None, 'other.test'), ('other.test', True, None, 'other.test'),
         ('y.x.other.test', False, 'ERR_TLS_CERT_ALTNAME_INVALID', 'localhost'),
         ('nothing.test', False, 'ERR_TLS_CERT_ALTNAME_INVALID', 'localhost')]
        + [('server', name) for name in names])


@pytest.mark.parametrize('client_cert, authorized, error, subject', [
    ('rsa', True, None, 'localhost'),
    (None, False, 'UNABLE_TO_GET_ISSUER_CERT', None),
    ('self', False, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'localhost'),
])
def test_request_cert_without_reject_reports_the_clients_certificate(
        tls_server, tls_certs, run_loop, client_cert, authorized, error, subject):
    """test-tls-client-auth.js, test-tls-server-verify.js (requestCert true,
    rejectUnauthorized false, the CA as ca): a client with a CA-signed
    certificate is authorized; without one the server's socket says
    authorized false, authorizationError 'UNABLE_TO_GET_ISSUER_CERT' and
    getPeerCertificate() is {}; with a self-signed one
    'DEPTH_ZERO_SELF_SIGNED_CERT' and its subject.  The client connects
    each time."""
    seen = []

    def on_secure(sock):
        peer = sock.getPeerCertificate()
        seen.append(('server', sock.authorized, sock.authorizationError,
                     peer.subject.CN if peer else peer))
        sock.end()
    server, port = tls_server(on_secure, ca=tls_certs.ca, requestCert=True,
                              rejectUnauthorized=False)
    options = {'port': port, 'host': 'localhost', 'ca': tls_certs.ca}
    if client_cert == 'rsa':
        options.update(key=tls_certs.rsa_key, cert=tls_certs.rsa_cert)
    elif client_cert == 'self':
        options.update(key=tls_certs.self_key, cert=tls_certs.self_cert)
    client = tls.connect(options, lambda: seen.append(('client', client.authorized)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert sorted(seen, key=str) == sorted([
        ('client', True), ('server', authorized, error, subject if subject else {})], key=str)


@pytest.fixture(scope='module')
def chain(tls_certs, tmp_path_factory):
    """A leaf (localhost) signed by an intermediate CA that tls_certs' CA
    signed: PEM texts of 'key', 'leaf', 'int'."""
    import shutil
    import subprocess
    from tls_certs_support import OPENSSL
    folder = tmp_path_factory.mktemp('chain')
    for name in ('ca.pem', 'ca.key'):
        shutil.copy(tls_certs.path(name), str(folder / name))

    def run(*args):
        subprocess.run([OPENSSL] + list(args), cwd=str(folder), check=True,
                       capture_output=True)
    (folder / 'int.ext').write_text('basicConstraints=critical,CA:TRUE\n'
                                    'keyUsage=keyCertSign,cRLSign\n')
    (folder / 'leaf.ext').write_text('subjectAltName=DNS:localhost\n')
    for name, cn, issuer in (('int', 'intermediate', 'ca'), ('leaf', 'localhost', 'int')):
        run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
            '-out', name + '.key')
        run('req', '-new', '-key', name + '.key', '-subj', '/CN=' + cn, '-out', name + '.csr')
        run('x509', '-req', '-in', name + '.csr', '-CA', issuer + '.pem', '-CAkey',
            issuer + '.key', '-CAcreateserial', '-days', '2', '-extfile', name + '.ext',
            '-out', name + '.pem')
    return {name: (folder / path).read_text() for name, path in
            (('key', 'leaf.key'), ('leaf', 'leaf.pem'), ('int', 'int.pem'))}


@pytest.mark.parametrize('how', ['concat', 'in-ca', 'leaf only', 'client has int'])
def test_an_intermediate_sent_or_known_completes_the_chain(tls_server, tls_certs, run_loop,
                                                           chain, how):
    """test-tls-cert-chains-concat.js, test-tls-cert-chains-in-ca.js: the
    server's cert as leaf + intermediate concatenated, or the intermediate
    in the server's ca, or in the client's ca: authorized, and
    getPeerCertificate(true) walks localhost -> intermediate -> the root
    (whose issuerCertificate is itself); the leaf alone, unknown to the
    client: UNABLE_TO_VERIFY_LEAF_SIGNATURE."""
    server_options = {'key': chain['key'], 'cert': chain['leaf']}
    client_ca = tls_certs.ca
    if how == 'concat':
        server_options['cert'] = chain['leaf'] + chain['int']
    elif how == 'in-ca':
        server_options['ca'] = [chain['int']]
    elif how == 'client has int':
        client_ca = [tls_certs.ca, chain['int']]
    server, port = tls_server(lambda s: s.end(), **server_options)
    seen = []

    def on_secure():
        names, cert = [], client.getPeerCertificate(True)
        while cert and len(names) < 5:
            names.append(cert.subject.CN)
            if cert.issuerCertificate is cert:
                break
            cert = cert.issuerCertificate
        seen.append((client.authorized, names))
    client = tls.connect({'port': port, 'host': 'localhost', 'ca': client_ca}, on_secure)
    client.on('error', lambda err: seen.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == (['UNABLE_TO_VERIFY_LEAF_SIGNATURE'] if how == 'leaf only' else
                    [(True, ['localhost', 'intermediate', 'pyuvnet test CA'])])
