"""OCSP stapling: the client's requestOCSP and 'OCSPResponse', the
server's 'OCSPRequest'(certificate, issuer, callback).  Ported from Node's
test/parallel/test-tls-ocsp-callback.js (its three cases without pfx),
and the rest pinned with /usr/bin/node v20 (this JavaScript):

    srv.on('OCSPRequest', (cert, issuer, cb) => ...); tls.connect({port, requestOCSP: true, ...})
    no 'OCSPRequest' listener      // C OCSPResponse null | C secureConnect
    cb(null, null), cb(null, Buffer.alloc(0))   // S OCSPRequest cert=<DER> issuer=null | C OCSPResponse null
    cb(null, Buffer.from('hello world'))        // C OCSPResponse <the bytes> | C secureConnect
    setTimeout(cb, 50, null, buf)               // the same, later
    cb(new Error('no ocsp'))       // S tlsClientError <that error> | C error ECONNRESET 'Client network
                                   // socket disconnected before secure TLS connection was established'
    requestOCSP: false             // no 'OCSPRequest', no 'OCSPResponse'
    server with ca: [CA]           // issuer is the CA's DER
    maxVersion 'TLSv1.2'           // the same stapling
    cb never called, client gives up   // S tlsClientError ECONNRESET 'socket hang up'
    cb(null, 'a string')           // throws ERR_INVALID_ARG_TYPE 'OCSP response must be a buffer'
    tls.connect({requestOCSP: 'yes'})   // not validated: any truthy value asks
"""
import subprocess

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import errors
from pyuvnet.x509 import X509Certificate
from support import NODE, node  # noqa: F401 (node: a fixture)
from tls_certs_support import OPENSSL


def ocsp_run(tls_server, tls_certs, run_loop, answer=None, listen=True, request=True,
             client_options=None, server_options=None, on_response=None, give_up_ms=None):
    """One connection: the server's 'OCSPRequest' listener calls
    ``answer(callback)``; returns the log of both ends' events and what
    the listener got."""
    log, got = [], {}

    def on_secure(s):
        log.append('S secureConnection')
        s.on('error', lambda err: None)
        s.end()
    server, port = tls_server(on_secure, **(server_options or {}))
    if listen:
        def on_request(certificate, issuer, callback):
            log.append('S OCSPRequest')
            got.update(certificate=certificate, issuer=issuer, callback=callback)
            answer(callback)
        server.on('OCSPRequest', on_request)
    server.on('tlsClientError', lambda err, s: log.append(('S tlsClientError', err)))
    client = tls.connect(dict(port=port, host='127.0.0.1', requestOCSP=request,
                              rejectUnauthorized=False, **(client_options or {})),
                         lambda: log.append('C secureConnect'))

    def on_ocsp_response(response):
        log.append(('C OCSPResponse', response))
        if on_response is not None:
            on_response(client)
    client.on('OCSPResponse', on_ocsp_response)
    client.on('error', lambda err: log.append(('C error', err)))
    client.on('data', lambda chunk: None)
    timer = net.setTimeout(client.destroy, give_up_ms) if give_up_ms else None

    def on_close(had_error):
        if timer is not None:
            timer.close()
        log.append('C close')
        server.close()
    client.on('close', on_close)
    run_loop()
    return log, got


def client_events(log):
    return [entry for entry in log if (entry if isinstance(entry, str) else entry[0]).startswith('C ')]


@pytest.mark.parametrize('ocsp, response', [(True, None), (True, b'hello world'), (False, None)])
def test_node_ocsp_callback_cases(tls_server, tls_certs, run_loop, ocsp, response):
    """Node's test-tls-ocsp-callback.js: the listener answers 20 ms later
    with bytes (the client, which destroys itself in 'OCSPResponse', never
    gets 'secureConnect' and the server no 'secureConnection') or None
    ('OCSPResponse'(None), then both ends connect); without requestOCSP
    neither event comes."""
    def answer(callback):
        assert ocsp, "'OCSPRequest' without requestOCSP"
        net.setTimeout(callback, 20, None, response)
    log, got = ocsp_run(tls_server, tls_certs, run_loop, answer, request=ocsp,
                        on_response=(lambda c: c.destroy()) if response else None)
    if not ocsp:
        assert 'S OCSPRequest' not in log
        assert client_events(log) == ['C secureConnect', 'C close']
    elif response:
        assert client_events(log) == [('C OCSPResponse', response), 'C close']
        assert 'S secureConnection' not in log
    else:
        assert client_events(log) == [('C OCSPResponse', None), 'C secureConnect', 'C close']
        assert 'S secureConnection' in log
    if ocsp:
        assert isinstance(got['certificate'], bytes) and got['issuer'] is None


def real_ocsp_response(tls_certs):
    """A 'good' OCSP response for the leaf, signed by the CA (openssl ocsp)."""
    leaf = X509Certificate(tls_certs.cert)
    expiry = leaf.validToDate.strftime('%y%m%d%H%M%SZ')
    with open(tls_certs.path('ocsp-index.txt'), 'w') as index:
        index.write('V\t%s\t\t%s\tunknown\t/CN=localhost\n' % (expiry, leaf.serialNumber))
    for args in (('-issuer', 'ca.pem', '-cert', 'leaf.pem', '-no_nonce', '-reqout', 'ocsp-req.der'),
                 ('-index', 'ocsp-index.txt', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-CA', 'ca.pem',
                  '-reqin', 'ocsp-req.der', '-respout', 'ocsp-resp.der', '-ndays', '1')):
        subprocess.run([OPENSSL, 'ocsp'] + list(args), cwd=tls_certs.folder, check=True,
                       capture_output=True, timeout=30)
    with open(tls_certs.path('ocsp-resp.der'), 'rb') as f:
        return f.read()


def test_a_real_ocsp_response_arrives_intact_and_verifies(tls_server, tls_certs, run_loop):
    """A real response (openssl ocsp, 'good' for the leaf, signed by the CA)
    reaches the client byte for byte, and OpenSSL verifies what came."""
    response = real_ocsp_response(tls_certs)
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, response))
    [received] = [entry[1] for entry in log if entry[0] == 'C OCSPResponse']
    assert received == response
    with open(tls_certs.path('ocsp-received.der'), 'wb') as f:
        f.write(received)
    check = subprocess.run([OPENSSL, 'ocsp', '-respin', 'ocsp-received.der', '-issuer', 'ca.pem',
                            '-cert', 'leaf.pem', '-CAfile', 'ca.pem'],
                           cwd=tls_certs.folder, capture_output=True, text=True, timeout=30)
    assert 'Response verify OK' in check.stderr + check.stdout
    assert 'leaf.pem: good' in check.stdout


def test_without_a_listener_the_client_gets_none(tls_server, tls_certs, run_loop):
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, listen=False)
    assert client_events(log) == [('C OCSPResponse', None), 'C secureConnect', 'C close']


@pytest.mark.parametrize('response', [None, b'', False])
def test_no_response_staples_nothing(tls_server, tls_certs, run_loop, response):
    """None, empty bytes (and any falsy answer) staple nothing."""
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, response))
    assert client_events(log) == [('C OCSPResponse', None), 'C secureConnect', 'C close']


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_an_answer_in_the_listener_is_stapled(tls_server, tls_certs, run_loop, version):
    """The callback called within the listener: the bytes reach the client
    before 'secureConnect'; the certificate given is the server's DER."""
    response = bytes(range(256)) * 4
    log, got = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, bytearray(response)),
                        server_options={'maxVersion': version})
    assert client_events(log) == [('C OCSPResponse', response), 'C secureConnect', 'C close']
    assert got['certificate'] == X509Certificate(tls_certs.cert).raw


def test_issuer_is_the_cas_when_the_context_holds_it(tls_server, tls_certs, run_loop):
    """With ``ca`` (or the CA after the leaf in ``cert``) the issuer is the
    CA's DER."""
    ca_der = X509Certificate(tls_certs.ca).raw
    for options in ({'ca': tls_certs.ca}, {'cert': tls_certs.cert + tls_certs.ca}):
        _, got = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, None),
                          server_options=options)
        assert got['issuer'] == ca_der


def test_an_sni_chosen_context_gives_its_certificate_and_issuer(tls_server, tls_certs, run_loop):
    """With an SNICallback that switches context, 'OCSPRequest' still
    comes (OpenSSL's switch drops the certificate step: it is set again),
    with the chosen certificate and the issuer from the chosen context."""
    other = tls.createSecureContext({'key': tls_certs.other_key, 'cert': tls_certs.other_cert,
                                     'ca': tls_certs.ca})
    log, got = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, b'sni'),
                        server_options={'SNICallback': lambda name, cb: cb(None, other)},
                        client_options={'servername': 'other.test'})
    assert client_events(log) == [('C OCSPResponse', b'sni'), 'C secureConnect', 'C close']
    assert got['certificate'] == X509Certificate(tls_certs.other_cert).raw
    assert got['issuer'] == X509Certificate(tls_certs.ca).raw


def test_an_error_fails_the_handshake(tls_server, tls_certs, run_loop):
    """cb(err): the server's 'tlsClientError' is that error; the client
    sees ECONNRESET, with no 'OCSPResponse'."""
    refusal = RuntimeError('no ocsp')
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(refusal))
    assert ('S tlsClientError', refusal) in log
    [(_, error)] = [entry for entry in log if entry[0] == 'C error']
    assert error.code == 'ECONNRESET'
    assert str(error) == 'Client network socket disconnected before secure TLS connection was established'
    assert client_events(log)[-1] == 'C close' and len(client_events(log)) == 2


def test_an_unanswered_request_waits_until_the_client_leaves(tls_server, tls_certs, run_loop):
    """The handshake waits for the callback; a client that gives up is the
    server's ECONNRESET 'socket hang up'."""
    log, got = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: None, give_up_ms=100)
    [(_, error)] = [entry for entry in log if entry[0] == 'S tlsClientError']
    assert error.code == 'ECONNRESET' and str(error) == 'socket hang up'
    assert client_events(log) == ['C close']
    # An answer after the socket closed does nothing.
    got['callback'](None, b'too late')
    got['callback'](RuntimeError('too late'))
    run_loop()
    assert len(log) == 3


def test_a_response_not_bytes_raises_and_a_later_answer_goes_on(tls_server, tls_certs, run_loop):
    """cb(None, 'a string') raises ERR_INVALID_ARG_TYPE at once; the
    handshake still waits, so a proper answer afterwards completes it; a
    second answer is ignored."""
    raised = []

    def answer(callback):
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
            callback(None, 'a string')
        raised.append(str(info.value))
        callback(None, b'second try')
        callback(None, b'ignored')
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, answer)
    assert raised == ['OCSP response must be a buffer']
    assert client_events(log) == [('C OCSPResponse', b'second try'), 'C secureConnect', 'C close']


def test_request_ocsp_takes_any_truthy_value(tls_server, tls_certs, run_loop):
    """Node does not validate requestOCSP: 'yes' asks; 0 does not."""
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, b'r'), request='yes')
    assert ('C OCSPResponse', b'r') in log
    log, _ = ocsp_run(tls_server, tls_certs, run_loop, lambda cb: cb(None, b'r'), request=0)
    assert 'S OCSPRequest' not in log and not any(e[0] == 'C OCSPResponse' for e in log if isinstance(e, tuple))


NODE_OCSP_CLIENT = r"""
const tls = require('tls');
const c = tls.connect({port: +process.argv[1], host: '127.0.0.1', requestOCSP: true,
                       rejectUnauthorized: false});
const events = [];
c.on('OCSPResponse', (r) => events.push(['OCSPResponse', r === null ? null : r.toString('hex')]));
c.on('secureConnect', () => { events.push(['secureConnect']); c.end(); });
c.on('data', () => {});
c.on('close', () => console.log(JSON.stringify(events)));
"""

NODE_OCSP_SERVER = r"""
const tls = require('tls'), fs = require('fs');
const [key, cert, ca] = process.argv.slice(1).map((p) => fs.readFileSync(p));
const seen = {};
const srv = tls.createServer({key, cert, ca}, (s) => {
  s.on('data', () => {});
  s.on('close', () => { srv.close(); console.log(JSON.stringify(seen)); });
  s.end();
});
srv.on('OCSPRequest', (c, issuer, cb) => {
  Object.assign(seen, {cert: c.toString('hex'), issuer: issuer && issuer.toString('hex')});
  setTimeout(cb, 10, null, Buffer.from('stapled by node'));
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_client_gets_what_a_pyuvnet_server_staples(tls_server, tls_certs, run_loop, node):
    """A Node 20 client with requestOCSP against a pyuvnet server whose
    listener answers later: Node's 'OCSPResponse' has the bytes, before
    its 'secureConnect'."""
    stapled = b'\x30\x03\x0a\x01\x00 from pyuvnet'

    def on_secure(s):
        s.on('data', lambda chunk: None)
        s.on('close', lambda had_error: server.close())
        s.end()
    server, port = tls_server(on_secure)
    server.on('OCSPRequest', lambda cert, issuer, cb: net.setTimeout(cb, 10, None, stapled))
    peer = node(NODE_OCSP_CLIENT, port)
    run_loop(20)
    assert peer.result() == [['OCSPResponse', stapled.hex()], ['secureConnect']]


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_pyuvnet_client_gets_what_a_node_server_staples(tls_certs, run_loop, node):
    """A pyuvnet client with requestOCSP against a Node 20 server whose
    'OCSPRequest' listener answers: 'OCSPResponse' has Node's bytes, then
    'secureConnect'; Node's listener got this certificate and the CA."""
    peer = node(NODE_OCSP_SERVER, tls_certs.path('leaf.key'), tls_certs.path('leaf.pem'),
                tls_certs.path('ca.pem'))
    port = int(peer.readline())
    events = []
    client = tls.connect(dict(port=port, host='127.0.0.1', requestOCSP=True, ca=tls_certs.ca,
                              servername='localhost'), lambda: events.append('secureConnect'))
    client.on('OCSPResponse', events.append)
    client.on('data', lambda chunk: None)
    run_loop(20)
    assert events == [b'stapled by node', 'secureConnect']
    seen = peer.result()
    assert bytes.fromhex(seen['cert']) == X509Certificate(tls_certs.cert).raw
    assert bytes.fromhex(seen['issuer']) == X509Certificate(tls_certs.ca).raw
