"""Sessions as bytes: OpenSSL's DER (i2d_SSL_SESSION), which this or
another process resumes with ``connect({'session': ...})``.  Pinned with
/usr/bin/node v20:

    c.on('secureConnect', () => c.getSession())   // TLSv1.3: a Buffer (440 bytes,
                                                   // the handshake's own session)
    c.on('close', () => c.getSession())           // null
    tls.connect({..., session: Buffer.from('garbage')})  // a full handshake,
                                                          // isSessionReused() false
    tls.connect({..., session: 'str'})    // throws ERR_INVALID_ARG_TYPE
    tls.connect({..., session: 5})        //   'Session must be a buffer'
    // a Node client given a session a pyuvnet client got: isSessionReused() true
"""
import sys

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import child_process
from support import node  # noqa: F401 (a fixture)


def first_session(port, tls_certs, run_loop, version='TLSv1.3', then=None):
    """The last 'session' a pyuvnet client got from the server at ``port``
    (and what getSession() gave at 'secureConnect' and after 'close')."""
    seen = {'sessions': []}
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion=version)
    client.on('secureConnect', lambda: seen.update(at_secure=client.getSession()))
    client.on('session', seen['sessions'].append)
    client.on('data', lambda _: None)

    def closed(_):
        seen['at_close'] = client.getSession()
        if then is not None:
            then(seen['sessions'][-1])
    client.on('close', closed)
    return seen


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_get_session_is_der_bytes_until_destroyed(tls_server, tls_certs, run_loop, version):
    """At 'secureConnect' the handshake's session as DER (under TLS 1.3 not
    yet resumable: the tickets make those); None after 'close'."""
    server, port = tls_server(lambda s: s.end(b'hi'))
    seen = first_session(port, tls_certs, run_loop, version, then=lambda _: server.close())
    run_loop()
    assert isinstance(seen['at_secure'], bytes) and seen['at_secure'][:1] == b'\x30'
    assert seen['at_close'] is None
    if version == 'TLSv1.2':
        assert seen['sessions'] == [seen['at_secure']]
    else:
        assert seen['at_secure'] not in seen['sessions']


RESUME_IN_A_CHILD = r'''
import sys
import pyuvnet
import pyuvnet.tls as tls
port, ca, session = int(sys.argv[1]), open(sys.argv[2]).read(), bytes.fromhex(sys.argv[3])
c = tls.connect(port, '127.0.0.1', ca=ca, session=session)
c.on('secureConnect', lambda: print('reused', c.isSessionReused(), c.authorized))
c.on('data', lambda _: None)
pyuvnet.run()
'''


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_a_session_resumes_in_another_process(tls_server, tls_certs, run_loop, version):
    """A child Python process resumes with the bytes the parent's client
    got: both ends report a reused session."""
    reused_on_server = []

    def on_secure(s):
        reused_on_server.append(s.isSessionReused())
        s.end(b'hi')
    server, port = tls_server(on_secure, maxVersion=version)
    out = {}

    def in_child(session):
        def done(error, stdout, stderr):
            out.update(error=error, stdout=stdout, stderr=stderr)
            server.close()
        child_process.execFile(sys.executable, ['-c', RESUME_IN_A_CHILD, str(port),
                                                tls_certs.path('ca.pem'), session.hex()],
                               {'timeout': 10000}, done)
    first_session(port, tls_certs, run_loop, version, then=in_child)
    run_loop(timeout=15)
    assert out['error'] is None, out['stderr']
    assert out['stdout'].split() == ['reused', 'True', 'True']
    assert reused_on_server == [False, True]


NODE_RESUMES = r'''
const tls = require('tls'), fs = require('fs');
const [port, ca, hex] = process.argv.slice(1);
const c = tls.connect({port: +port, host: '127.0.0.1', ca: fs.readFileSync(ca),
                       session: Buffer.from(hex, 'hex')}, () => {
  console.log(JSON.stringify({reused: c.isSessionReused(), authorized: c.authorized}));
});
c.on('data', () => {});
'''


def test_a_node_client_resumes_a_pyuvnet_clients_session(node, tls_server, tls_certs, run_loop):
    """The DER is OpenSSL's own: Node's client resumes with it."""
    reused_on_server = []

    def on_secure(s):
        reused_on_server.append(s.isSessionReused())
        s.end(b'hi')
    server, port = tls_server(on_secure)
    peers = []
    first_session(port, tls_certs, run_loop, 'TLSv1.3', then=lambda session: peers.append(
        node(NODE_RESUMES, str(port), tls_certs.path('ca.pem'), session.hex())))

    def wait():
        if peers and peers[0].proc.poll() is not None:
            poll.close()
            server.close()
    poll = net.setInterval(wait, 20)
    run_loop(timeout=15)
    out, err = peers[0].proc.communicate()
    assert peers[0].proc.returncode == 0, err
    assert out.strip() == '{"reused":true,"authorized":true}'
    assert reused_on_server == [False, True]


def test_a_session_openssl_cannot_read_gives_a_full_handshake(tls_server, tls_certs, run_loop):
    server, port = tls_server(lambda s: s.end(b'hi'))
    seen = []
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, session=b'garbage')
    client.on('secureConnect', lambda: seen.append((client.isSessionReused(), client.authorized)))
    client.on('data', lambda _: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [(False, True)]


@pytest.mark.parametrize('session', ['str', 5, object()])
def test_a_session_that_is_not_bytes_is_err_invalid_arg_type(tls_server, session):
    server, port = tls_server()
    try:
        with pytest.raises(net.NodeError) as info:
            tls.connect(port, '127.0.0.1', session=session)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
        assert str(info.value) == 'Session must be a buffer'
    finally:
        server.close()
