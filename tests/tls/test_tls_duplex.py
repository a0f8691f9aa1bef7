"""pyuvnet.tls as a Duplex, pyuvnet on both ends: writes around the
handshake, backpressure, pause/resume, end() and half-close, timeouts,
pipe, and what happens on destroy().  Node's behaviour is pinned in each
docstring (run with /usr/bin/node v20)."""
import gc
import hashlib
import os
import weakref

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import stream
from support import event_names, record_events


def test_writes_before_the_handshake_are_sent_after_it(tls_server, tls_certs, run_loop):
    """Node: c = tls.connect(...); c.write('early'); c.end('!') -> the
    server reads 'early!' then 'end'."""
    got = []

    def on_secure(s):
        s.on('data', got.append)
        s.on('end', lambda: got.append('end'))
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.write('early')
    client.end('!')
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(g for g in got if g != 'end') == b'early!' and got[-1] == 'end'


def test_large_transfer_with_backpressure_and_drain(tls_server, tls_certs, run_loop):
    """Node: write() returns false once writableLength reaches the
    highWaterMark, 'drain' follows; every byte arrives (SHA-256 checked)."""
    payload = os.urandom(4 << 20)
    received = []

    def on_secure(s):
        s.on('data', received.append)
        s.on('end', s.end)
    server, port = tls_server(on_secure)
    answers = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)

    def send():
        answers.append(client.write(payload))
        client.once('drain', lambda: (answers.append('drain'), client.end()))
    client.on('secureConnect', send)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    assert answers == [False, 'drain']
    assert hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(payload).digest()


def test_paused_socket_delivers_nothing_until_resumed(tls_server, tls_certs, run_loop):
    """Node: s.pause() on 'secure'; data written by the peer arrives only
    after s.resume(), in order, followed by 'end'."""
    log = []

    def on_secure(s):
        s.pause()
        s.on('data', lambda d: log.append(d))
        s.on('end', lambda: log.append('end'))
        net.setTimeout(lambda: (log.append('resume'), s.resume()), 100)
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: client.end(b'abc'))
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == 'resume' and b''.join(log[1:-1]) == b'abc' and log[-1] == 'end'


def test_end_sends_close_notify_before_fin(run_loop, tls_certs):
    """Node: end() on a TLSSocket sends close_notify (an alert record,
    content type 21 under TLS 1.2) and then FIN; the peer's TLSSocket
    emits 'end' at the close_notify, and its raw socket no 'end' (Node 20
    over a net.Server's socket: 'tls end', then the raw socket's 'close',
    then the TLSSocket's: the FIN is not waited for)."""
    records = []
    log = []
    context = tls.createSecureContext(key=tls_certs.key, cert=tls_certs.cert)

    def on_connection(raw):
        raw.on('data', records.append)      # the ciphertext, as it arrives
        s = tls.TLSSocket(raw, isServer=True, secureContext=context)
        s.on('data', lambda d: None)
        s.on('end', lambda: log.append('tls end'))
        raw.on('end', lambda: log.append('raw end'))
    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')
    client = tls.connect(server.address().port, 'localhost', ca=tls_certs.ca,
                         maxVersion='TLSv1.2')
    client.on('secureConnect', lambda: client.end())
    client.on('close', lambda _: server.close())
    run_loop()
    last = records[-1]
    assert last[0] == 21            # an alert record: close_notify
    assert log == ['tls end']


def test_the_peers_close_notify_is_end_over_tcp_without_its_fin(tls_server, tls_certs, run_loop):
    """Node 20 (a tls.Server; a Python ssl peer that sends close_notify
    and keeps its TCP side open): the server's 'end' comes at the
    close_notify; it ends in turn (allowHalfOpen false): 'finish', then
    'close'(false), all before the peer's FIN, which the peer sends once
    it has the server's."""
    log = []

    def on_secure(s):
        s.on('data', lambda d: log.append(('data', bytes(d))))
        s.on('end', lambda: log.append('end'))
        s.on('finish', lambda: log.append('finish'))
        s.on('close', lambda had: (log.append(('close', had)), server.close()))
    server, port = tls_server(on_secure)
    raw = net.connect(port, '127.0.0.1')
    # The peer: a TLS client over a carrier that passes the ciphertext
    # both ways but never ends the TCP connection, so its close_notify
    # comes without a FIN.
    carrier = stream.Duplex(write=lambda self, chunk, encoding, cb: raw.write(chunk, cb),
                            final=lambda self, cb: cb(), read=lambda self, size: None)
    raw.on('data', carrier.push)
    raw.on('end', lambda: (log.append('peer got FIN'), raw.destroy()))
    client = tls.connect(socket=carrier, ca=tls_certs.ca, servername='localhost')
    client.on('secureConnect', lambda: client.end(b'hello'))
    run_loop()
    assert log == [('data', b'hello'), 'end', 'finish', ('close', False), 'peer got FIN']


def test_destroyed_tls_socket_drops_its_ssl_object(tls_server, tls_certs, run_loop):
    """Node frees the SSL state when the socket is destroyed; here the
    ssl.SSLObject is released once 'close' was emitted."""
    server, port = tls_server()
    refs = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: (refs.append(weakref.ref(client._ssl)), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    gc.collect()
    assert refs and refs[0]() is None and client.destroyed


@pytest.mark.parametrize('when', ['after the handshake', 'before the handshake'])
def test_write_after_end_is_an_error(tls_server, tls_certs, run_loop, when):
    """Node: c.end(); c.write('x', cb) -> cb(err) and 'error'
    ERR_STREAM_WRITE_AFTER_END, whether or not the handshake is done."""
    server, port = tls_server()
    codes = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)

    def end_then_write():
        client.end()
        client.write('x', lambda err: codes.append(('cb', err.code)))
    if when == 'after the handshake':
        client.on('secureConnect', end_then_write)
    else:
        end_then_write()
    client.on('error', lambda err: codes.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert codes == [('cb', 'ERR_STREAM_WRITE_AFTER_END'), 'ERR_STREAM_WRITE_AFTER_END']


def test_set_timeout_fires_through_tls(tls_server, tls_certs, run_loop):
    """Node: c.setTimeout(100) on an idle TLSSocket -> 'timeout' (the
    socket stays open; the listener ends it)."""
    server, port = tls_server(lambda s: s.resume())
    log = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: client.setTimeout(100, lambda: (log.append('timeout'),
                                                                       client.end())))
    client.on('close', lambda _: (log.append('close'), server.close()))
    run_loop()
    assert log == ['timeout', 'close']


def test_nothing_is_emitted_after_close(tls_server, tls_certs, run_loop):
    """Node: 'close' is the last event of a TLSSocket, also when it is
    destroyed while data and the peer's close_notify are on their way."""
    server, port = tls_server(lambda s: (s.write(b'a' * 100000), s.end()))
    log = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    record_events(client, log, ['secureConnect', 'data', 'end', 'close', 'error'])
    client.once('data', lambda _: client.destroy())
    client.on('close', lambda _: server.close())
    run_loop()
    names = event_names(log)
    assert names[-1] == 'close' and names.count('close') == 1 and 'error' not in names


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_half_close_server_answers_after_the_clients_end(tls_server, tls_certs, run_loop, version):
    """Node: server {allowHalfOpen: true}; the client's end('question')
    sends close_notify and FIN; the server gets 'end', then still writes
    its answer and ends; the client reads it, then 'end'."""
    def on_secure(s):
        got = []
        s.on('data', got.append)
        s.on('end', lambda: s.end(b'answer to ' + b''.join(got)))
    server, port = tls_server(on_secure, allowHalfOpen=True)
    log = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, maxVersion=version)
    client.on('secureConnect', lambda: client.end(b'question'))
    client.on('data', log.append)
    client.on('end', lambda: log.append('end'))
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == [b'answer to question', 'end']


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_end_at_once_after_the_handshake_still_reads_what_came_with_it(tls_server, tls_certs,
                                                                       run_loop, version):
    """Node: the server's 'secureConnection' handler calls s.end('bye') at
    once; the client wrote 'early' before the handshake (it travels with
    the client's Finished) and end('late') on 'secureConnect'.
        server got ["early","late","END"], client got ["bye","END"]
    (records still unread when end() ran must survive its close_notify)."""
    got = []

    def on_secure(s):
        s.on('data', got.append)
        s.on('end', lambda: got.append('end'))
        s.on('error', lambda err: got.append(err))
        s.end(b'bye')
    server, port = tls_server(on_secure)
    log = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, maxVersion=version)
    client.write(b'early')
    client.on('secureConnect', lambda: client.end(b'late'))
    client.on('data', log.append)
    client.on('end', lambda: log.append('end'))
    client.on('error', log.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert (got, log) == ([b'early', b'late', 'end'], [b'bye', 'end'])


def test_pipe_from_tls_into_a_plain_socket_keeps_every_byte(tls_server, tls_certs, run_loop):
    """Node: tlsSocket.pipe(netSocket) forwards the plaintext with
    backpressure and ends the destination after 'end'."""
    payload = os.urandom(2 << 20)
    server, port = tls_server(lambda s: s.end(payload))
    received = []
    sink = net.createServer(lambda s: (s.on('data', received.append),
                                       s.on('end', lambda: (s.end(), sink.close()))))
    sink.listen(0, '127.0.0.1')
    plain = net.connect(sink.address().port, '127.0.0.1')
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.pipe(plain)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    assert hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(payload).digest()


def test_data_listener_added_before_the_handshake_waits_for_it(run_loop, tls_certs):
    """Node: a 'data' listener on a server-side TLSSocket made in
    'connection' (before the handshake) gets the plaintext after 'secure';
    nothing is delivered after destroy()."""
    context = tls.createSecureContext(key=tls_certs.key, cert=tls_certs.cert)
    log = []

    def on_connection(raw):
        s = tls.TLSSocket(raw, isServer=True, secureContext=context)
        s.on('secure', lambda: log.append('secure'))
        s.on('data', lambda d: (log.append(d), s.destroy()))
        s.on('close', lambda _: (log.append('close'), server.close()))
    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')
    client = tls.connect(server.address().port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: (client.write(b'first'), client.write(b'x' * 100000)))
    client.on('error', lambda err: None)
    client.resume()
    run_loop()
    # SSL_read returns one record at a time: 'first' is a record of its own.
    assert log == ['secure', b'first', 'close']


def test_corked_writes_leave_as_one_record_at_uncork(tls_server, tls_certs, run_loop):
    """Node 20 (the client corks three writes):
        c.cork(); c.write('a') -> true, c.writableLength 1, c.writableCorked 1;
        c.write('b', cb); c.write('c'); c.writableLength -> 3;
        nextTick: c.uncork(); later c.end()
    -> cb runs after uncork; the server's 'data' chunks: ['abc'] (one record)."""
    chunks = []
    server, port = tls_server(lambda s: (s.on('data', chunks.append),
                                         s.on('end', lambda: (s.end(), server.close()))))
    seen = []
    client = tls.connect(port, '127.0.0.1', {'ca': tls_certs.ca})

    def on_secure():
        # The raw socket may still hold the Finished this turn: counted in
        # writableLength here, not in Node's JS buffer; compare the growth.
        base = client.writableLength
        client.cork()
        seen.append(('write a', client.write(b'a'), client.writableLength - base))
        client.write('b', lambda err: seen.append(('cb b', err)))
        client.write(b'c')
        seen.append(('corked length', client.writableLength - base))
        net.nextTick(lambda: (client.uncork(), seen.append('uncorked'),
                              net.setTimeout(client.end, 50)))
    client.on('secureConnect', on_secure)
    run_loop()
    assert seen == [('write a', True, 1), ('corked length', 3), 'uncorked', ('cb b', None)]
    assert chunks == [b'abc']


def test_end_uncorks_what_cork_held(tls_server, tls_certs, run_loop):
    """Node: c.cork(); c.write('x'); c.end() -> the server gets 'x' then 'end'
    (end() uncorks)."""
    got = []
    server, port = tls_server(lambda s: (s.on('data', got.append),
                                         s.on('end', lambda: (got.append('end'), s.end(),
                                                              server.close()))))
    client = tls.connect(port, '127.0.0.1', {'ca': tls_certs.ca},
                         lambda: (client.cork(), client.write(b'x'), client.end()))
    run_loop()
    assert got == [b'x', 'end']


def test_pause_on_connect_handshakes_and_holds_plaintext_until_resume(tls_certs, run_loop):
    """Node 20: tls.createServer({key, cert, pauseOnConnect: true}, s => ...):
        'connection' -> raw.isPaused() true; the handshake runs all the same:
        client 'secureConnect', server 'secureConnection' with s.isPaused()
        true and s.readableFlowing false, still false after s.on('data');
        the client's 'hi' arrives as 'data' only after s.resume()."""
    log = []

    def on_secure(s):
        log.append(('secureConnection', s.isPaused()))
        s.on('data', lambda d: (log.append(('data', d)), s.end(), server.close()))
        net.setTimeout(lambda: (log.append('resume'), s.resume()), 100)
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                              'pauseOnConnect': True}, on_secure)
    server.on('connection', lambda raw: log.append(('connection', raw.isPaused())))
    server.listen(0, '127.0.0.1')
    client = tls.connect(server.address().port, '127.0.0.1', {'ca': tls_certs.ca},
                         lambda: (log.append('secureConnect'), client.write(b'hi')))
    client.on('end', client.end)
    run_loop()
    assert log.index(('connection', True)) == 0
    assert ('secureConnection', True) in log and 'secureConnect' in log
    assert log[-2:] == ['resume', ('data', b'hi')]
