"""Node 20's test/parallel files of issue 68's inventory
(tests/project/node20_stream_api_tests.txt) on a TLS socket's stream side:
a server's allowHalfOpen and pauseOnConnect reaching its sockets
(isPaused(), readableFlowing), a TLS server over a Duplex that reads its
socket with read(n).  Each expectation was run under /usr/bin/node
(v20.20.2) first; the Node file is named in each test."""
import pytest

import pyuvnet as net
import pyuvnet.https as https
import pyuvnet.tls as tls
from pyuvnet import stream


@pytest.mark.parametrize('options, expected', [
    ({}, [('server', False, False), ('secure', False, False, None), 'client close']),
    ({'allowHalfOpen': True, 'pauseOnConnect': True},
     [('server', True, True), ('secure', True, True, False), 'end', 'client close', 'resume']),
])
def test_a_tls_servers_options_reach_its_sockets(tls_server, run_loop, options, expected):
    """test-tls-server-parent-constructor-options.js: the server's
    allowHalfOpen and pauseOnConnect (False unless given), and each
    secure socket's: isPaused() False and readableFlowing None by
    default; with pauseOnConnect isPaused() True and readableFlowing
    False; with allowHalfOpen the socket sees the client's 'end' and ends
    itself, its 'end' emitted while it is paused (nothing is buffered:
    Node 20's onStreamRead pushes the end and calls read(0)); Node 20's
    order: 'end', the client's 'close', then the resume 300 ms after the
    'secureConnection'."""
    log = []

    def on_secure(socket):
        log.append(('secure', socket.allowHalfOpen, socket.isPaused(), socket.readableFlowing))
        if options:
            socket.on('end', lambda: (log.append('end'), socket.end()))
            net.setTimeout(lambda: (log.append('resume'), socket.resume()), 300)
    server, port = tls_server(on_secure, **options)
    log.append(('server', server.allowHalfOpen, server.pauseOnConnect))
    client = tls.connect({'port': port, 'host': '127.0.0.1', 'rejectUnauthorized': False},
                         lambda: client.end())
    client.on('close', lambda *_: (log.append('client close'), server.close()))
    run_loop()
    assert log == expected


class ReadsItsSocket(stream.Duplex):
    """The Node test's Duplex: _read(n) takes what its socket's read(n)
    gives, 'data' pushes the rest, writes go to the socket."""

    def __init__(self, socket):
        super().__init__()
        self.socket = socket

    def _read(self, n):
        data = self.socket.read(n)
        if data:
            self.push(data)

    def _write(self, chunk, encoding, callback):
        self.socket.write(chunk, encoding, callback)


def test_an_exception_in_secure_connection_over_a_duplex_is_uncaught(tls_certs, run_loop):
    """test-tls-handshake-exception.js: an https client to a net server
    whose socket is wrapped in a Duplex (read(n) in _read, 'data' pushing)
    given to a TLS server with emit('connection'): the handshake completes
    and the exception the 'secureConnection' listener throws is uncaught
    (Node's process dies printing 'Error: eyecatcher'; here it comes out
    of run())."""
    def fail(socket):
        raise RuntimeError('eyecatcher')
    tls_server = tls.createServer({'key': tls_certs.rsa_key, 'cert': tls_certs.rsa_cert}, fail)
    plain = []

    def on_plaintext(socket):
        plain.append(socket)
        duplex = ReadsItsSocket(socket)
        socket.on('data', duplex.push)
        tls_server.emit('connection', duplex)
    net_server = net.createServer(on_plaintext)
    requests = []

    def get():
        req = https.get({'port': net_server.address().port, 'host': '127.0.0.1',
                         'rejectUnauthorized': False, 'agent': False})
        req.on('error', lambda err: None)
        requests.append(req)
    net_server.listen(0, '127.0.0.1', get)
    with pytest.raises(RuntimeError, match='^eyecatcher$'):
        run_loop()
    assert len(plain) == 1
    requests[0].destroy()
    plain[0].destroy()
    net_server.close()
    run_loop()
