"""TLSSocket.renegotiate() and enableTrace(), pinned with /usr/bin/node v20:

    c.renegotiate({rejectUnauthorized: true}, cb)   // TLS 1.2 against Node's server:
        // true; 'secure' on both ends, then cb(null); protocol TLSv1.2, authorized
    c.renegotiate({}, cb)     // TLS 1.3: false, cb(err) later: ERR_SSL_WRONG_SSL_VERSION,
        // 'error:0A00010A:SSL routines::wrong ssl version'
    c.renegotiate(5)  c.renegotiate({}, 5)   // ERR_INVALID_ARG_TYPE
    // once closed: undefined, cb never called
    c.enableTrace()   // undefined; OpenSSL's SSL_trace text on stderr
        // ('Sent Record', 'Header:', 'ClientHello, Length=...', ...)

Node's tests: test/parallel/test-tls-client-renegotiation-13.js (TLS 1.3
refuses), test-tls-enable-trace.js.
"""
import subprocess
import sys

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from support import node  # noqa: F401 (a fixture)

NODE_SERVER = r'''
const tls = require('tls'), fs = require('fs');
const [key, cert, maxVersion] = process.argv.slice(1);
const server = tls.createServer({key: fs.readFileSync(key), cert: fs.readFileSync(cert), maxVersion}, (c) => {
  let secure = 0;
  c.on('secure', () => secure++);
  c.on('data', (d) => { if (String(d).endsWith('bye')) c.end('renegotiated ' + secure); });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
'''


def renegotiation(node, tls_certs, run_loop, version):
    peer = node(NODE_SERVER, tls_certs.path('leaf.key'), tls_certs.path('leaf.pem'), version)
    port = int(peer.readline())
    events = []
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)

    def secure_connect():
        client.on('secure', lambda: events.append('secure'))

        def done(err):
            events.append(('callback', err))
            client.write(b'bye')
        started = client.renegotiate({'rejectUnauthorized': True}, done)
        events.append(('returned', started))
        client.write(b'good')      # waits for the new handshake under 1.2
    client.on('secureConnect', secure_connect)
    client.on('data', events.append)
    client.on('close', lambda _: peer.kill())
    run_loop(timeout=15)
    return client, events


def test_renegotiate_under_tls12_emits_secure_then_calls_back(node, tls_certs, run_loop):
    client, events = renegotiation(node, tls_certs, run_loop, 'TLSv1.2')
    assert events[:3] == [('returned', True), 'secure', ('callback', None)]
    assert b''.join(e for e in events if isinstance(e, bytes)) == b'renegotiated 1'
    assert client.authorized is True


def test_renegotiate_under_tls13_is_false_and_the_callback_gets_openssls_error(node, tls_certs,
                                                                               run_loop):
    client, events = renegotiation(node, tls_certs, run_loop, 'TLSv1.3')
    assert events[0] == ('returned', False)      # the callback comes later
    err = events[1][1]
    assert err.code == 'ERR_SSL_WRONG_SSL_VERSION'
    assert str(err) == 'error:0A00010A:SSL routines::wrong ssl version'
    assert err.reason == 'wrong ssl version'
    assert b''.join(e for e in events if isinstance(e, bytes)) == b'renegotiated 0'


def test_renegotiate_checks_its_arguments_and_is_none_once_destroyed(tls_server, tls_certs,
                                                                     run_loop):
    server, port = tls_server(lambda s: s.end())
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    for args in ((5,), ({}, 5)):
        with pytest.raises(net.NodeError) as info:
            client.renegotiate(*args)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    called = []
    client.on('data', lambda _: None)
    client.on('close', lambda _: (called.append(client.renegotiate({}, called.append)),
                                  server.close()))
    run_loop()
    assert called == [None]


def test_a_pyuvnet_server_accepts_a_clients_renegotiation(tls_server, tls_certs, run_loop):
    """As Node's server (OpenSSL 3 alone refuses, ERR_SSL_NO_RENEGOTIATION):
    the client's callback gets None, the server's socket emits 'secure'
    again; tests/tls/test_tls_renegotiation_limit.py has the limit."""
    events = []

    def on_connection(conn):
        conn.on('secure', lambda: events.append('server secure'))
        conn.on('data', lambda _: None)
        conn.on('end', conn.end)
    server, port = tls_server(on_connection, maxVersion='TLSv1.2')
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('secureConnect', lambda: client.renegotiate(
        {}, lambda err: (events.append(('callback', err)), client.end())))
    client.on('error', events.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert events == ['server secure', ('callback', None)]


TRACED_CLIENT = r'''
import sys
import pyuvnet, pyuvnet.tls as tls
key, cert, ca = (open(name).read() for name in sys.argv[1:4])
server = tls.createServer({'key': key, 'cert': cert}, lambda s: s.end(b'hi'))
server.listen(0, '127.0.0.1')
client = tls.connect(server.address().port, '127.0.0.1', ca=ca)
print('enableTrace', client.enableTrace())
client.on('data', lambda _: None)
client.on('close', lambda _: (print('after close', client.enableTrace()), server.close()))
pyuvnet.run()
'''


def test_enable_trace_writes_openssls_trace_to_stderr(tls_certs):
    done = subprocess.run([sys.executable, '-c', TRACED_CLIENT, tls_certs.path('leaf.key'),
                           tls_certs.path('leaf.pem'), tls_certs.path('ca.pem')],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split('\n')[:2] == ['enableTrace None', 'after close None']
    assert done.stderr.startswith('Sent Record\nHeader:\n')
    assert 'ClientHello' in done.stderr and 'Received Record' in done.stderr
