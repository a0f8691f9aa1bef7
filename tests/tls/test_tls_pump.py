"""The C side of pyuvnet.tls (pyuvnet/uv/tls/pump.pyx): the per-chunk pump
runs no Python code of pyuvnet's, and the SSL* under Python's ssl objects
is used only once proven, with Node's semantics falling back to Python's
CERT_REQUIRED (and a warning) when it cannot be."""
import hashlib
import os
import socket
import ssl
import sys
import threading
import time
import warnings

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import _uv
from pyuvnet.tls import _context as tls_context, _session_events as tls_session, _verification
from support import event_names, record_events


def _python_frames_in(filenames):
    """A profile hook counting Python frames entered from the given files,
    in all ('frames') and by function name (for the failure message)."""
    counts = {'frames': 0}

    def profile(frame, event, arg):
        if event == 'call' and frame.f_code.co_filename.endswith(filenames):
            counts['frames'] += 1
            counts[frame.f_code.co_name] = counts.get(frame.f_code.co_name, 0) + 1
    return counts, profile


def test_established_stream_runs_no_pyuvnet_python_per_chunk(tls_server, tls_certs, run_loop):
    """SPEC section 10: once secure, chunks go libuv -> SSLObject -> 'data'
    and write(bytes) -> SSLObject -> the raw socket in C.  An echo server
    whose 'data' listener is its own write (both C), fed 4 MiB in 16 KiB
    writes after a first echoed byte (both handshakes are over), enters
    no Python function of tls/_socket.py / tls/_socket_options.py /
    tls/_context.py / tls/_verification.py / net/_socket.py for any chunk while the bytes flow."""
    total = 4 * 1024 * 1024
    block = b'x' * 16384
    server, port = tls_server(lambda s: s.on('data', s.write))
    counts, profile = _python_frames_in(('tls/_socket.py', 'tls/_socket_options.py', 'tls/_context.py',
                                         'tls/_verification.py', 'net/_socket.py'))
    received = []
    client = tls.connect(port, '127.0.0.1', {'ca': tls_certs.ca})

    def on_data(chunk):
        if not received:
            sys.setprofile(profile)
            for _ in range(total // len(block)):
                client.write(block)
        received.append(len(chunk))
        if sum(received) >= 1 + total:
            sys.setprofile(None)
            client.end()
    client.on('secureConnect', lambda: client.write(b'!'))
    client.on('data', on_data)
    client.on('close', lambda _: server.close())
    try:
        run_loop(20)
    finally:
        sys.setprofile(None)
    assert sum(received) == 1 + total
    assert len(received) > 64          # many chunks went through the pump
    assert counts['frames'] == 0, counts


def _blocking_clients(port, ca, count, servernames=(None,)):
    """A thread making ``count`` TLS connections with Python's blocking ssl
    (not profiled: sys.setprofile is per thread), each sending one byte,
    reading its echo and closing (a FIN, no close_notify).  The CA is
    checked without create_default_context()'s strict X.509 flags (Python
    3.13), which the test certificates are not made for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=ca)
    failures = []

    def run():
        try:
            for i in range(count):
                name = servernames[i % len(servernames)]
                with context.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10),
                                         server_hostname=name) as conn:
                    conn.sendall(b'x')
                    assert conn.recv(1) == b'x'
        except Exception as exc:    # reported by the test, not lost in the thread
            failures.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_a_server_connection_lives_and_dies_without_python_tls_frames(
        tls_server, tls_certs, run_loop, monkeypatch):
    """A tls.Server's connection runs its expected life in C: TLSAcceptor
    makes the TLSSocket and its SSLObject (the object ssl.py's wrap_bio
    makes, without its frames), TLSPump drives the handshake, emits
    'secure' and 'secureConnection', echoes, answers the peer's FIN with
    close_notify and FIN, and emits 'close'.  20 connections enter no
    Python function of tls/__init__.py / tls/_socket.py / tls/_socket_options.py /
    tls/_context.py / tls/_certificates.py / tls/_session_events.py / ssl.py, and
    each SSLObject still answers (its version, after the run)."""
    # Once a socket of this process logged keys (an earlier test's), every
    # handshake reads the shared key log file (tls/_session_events.py): the cost
    # of logging, not of the path measured here.
    monkeypatch.setattr(tls_session.KEYLOG, 'active', False)
    count = 20
    closed = []
    sslobjs = []

    def on_secure(s):
        s.on('data', s.write)
        s.on('close', lambda had_error: closed.append(had_error))
        sslobjs.append(s._ssl)
        if len(closed) + 1 == count:
            s.on('close', lambda _: server.close())
    server, port = tls_server(on_secure)
    counts, profile = _python_frames_in(('tls/__init__.py', 'tls/_socket.py', 'tls/_socket_options.py',
                                         'tls/_context.py', 'tls/_verification.py', 'tls/_certificates.py',
                                         'tls/_session_events.py', '/ssl.py'))
    thread, failures = _blocking_clients(port, tls_certs.ca, count)
    sys.setprofile(profile)
    try:
        run_loop(20)
    finally:
        sys.setprofile(None)
        thread.join(10)
        assert failures == []       # a client's failure first: it leaves the loop waiting
    assert closed == [False] * count
    assert [type(sslobj) for sslobj in sslobjs] == [ssl.SSLObject] * count
    assert [sslobj.version() for sslobj in sslobjs] == ['TLSv1.3'] * count
    assert counts['frames'] == 0, counts


@pytest.mark.parametrize('readable', [True, False], ids=['read-from-openssl', 'python-sni-hook'])
def test_server_side_servername_is_the_sni_name_or_false(
        tls_server, tls_certs, run_loop, monkeypatch, readable):
    """Node: a server's tlsSocket.servername is the SNI name the client sent,
    false when it sent none:
        tls.connect({port, servername: 'example.com', ...})  -> 'example.com'
        tls.connect({port, host: '127.0.0.1', ...})          -> false
    Read from OpenSSL after the handshake, or recorded by the SNI hook where
    OpenSSL cannot be reached (the same answers)."""
    if not readable:
        monkeypatch.setattr(_uv, 'tls_servername_readable', lambda: False)
    names = []

    def on_secure(s):
        names.append(s.servername)
        s.on('data', s.write)
        if len(names) == 2:
            server.close()
    server, port = tls_server(on_secure)
    thread, failures = _blocking_clients(port, tls_certs.ca, 2, ('example.com', None))
    try:
        run_loop(10)
    finally:
        thread.join(10)
        assert failures == []       # a client's failure first: it leaves the loop waiting
    assert names == ['example.com', False]


def test_ssl_pointer_of_a_real_sslobject_is_proven_and_reads_the_result():
    """The SSL* is found where CPython keeps it and OpenSSL confirms it; a
    fresh connection's verify result is X509_V_OK (0, 'ok')."""
    sslobj = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
    assert _uv.tls_ssl_pointer_proven(sslobj) is True
    assert _uv.tls_verify_result(sslobj) == (0, 'ok')


class _LookAlike:
    """Objects shaped like _ssl's but holding no SSL: the pointer where the
    SSL* would be is a zeroed buffer's, or nothing at all."""
    __slots__ = ('weakref_slot', 'ssl_slot', 'context')


class _Holder:
    def __init__(self, sslobj_inner):
        self._sslobj = sslobj_inner


def test_a_wrong_layout_fails_the_proof_and_is_never_used():
    """A pointer that OpenSSL does not confirm (its app data is not _ssl's
    object) is refused: the C calls raise instead of reading it."""
    inner = _LookAlike()
    inner.weakref_slot = None
    inner.ssl_slot = bytes(65536)       # zeroes: no app data, no SSL_CTX
    inner.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    fake = _Holder(inner)
    assert _uv.tls_ssl_pointer_proven(fake) is False
    with pytest.raises(RuntimeError, match='could not be proven'):
        _uv.tls_verify_result(fake)
    with pytest.raises(RuntimeError, match='could not be proven'):
        _uv.tls_verify_without_enforcing(fake, 0)
    # An object with no field where the SSL* would be.
    assert _uv.tls_ssl_pointer_proven(_Holder(_Bare())) is False


class _Bare:
    context = None


def test_unprovable_pointer_falls_back_to_cert_required_with_a_warning(
        tls_server, tls_certs, run_loop, monkeypatch):
    """Where the SSL* cannot be proven, the handshake enforces verification
    (Python's CERT_REQUIRED): a self-signed server still fails the client
    with an 'error' then 'close', and a RuntimeWarning says why the codes
    may differ from Node's."""
    monkeypatch.setattr(_uv, 'tls_ssl_pointer_proven', lambda sslobj: False)
    monkeypatch.setattr(_verification, '_readable', None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert _verification.verify_result_readable() is False
    assert [w.category for w in caught] == [RuntimeWarning]
    server, port = tls_server(key=tls_certs.self_key, cert=tls_certs.self_cert)
    server.on('tlsClientError', lambda err, s: None)
    log = []
    client = tls.connect(port, '127.0.0.1')
    record_events(client, log, ['secureConnect', 'error', 'close'])
    client.on('close', lambda _: server.close())
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert log[0][1].code == 'DEPTH_ZERO_SELF_SIGNED_CERT'


def _cut_ciphertext_client(port, ca, message, sizes, results):
    """A thread: a TLS client on ssl.SSLObject over a blocking TCP socket
    with Nagle off, sending the ciphertext of ``message`` cut into pieces
    of the ``sizes`` in turn, each after a pause (so that each is a read of
    its own on the server), and reading the echo into ``results``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = context.wrap_bio(incoming, outgoing)

    def run():
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while True:
                    try:
                        sslobj.do_handshake()
                        break
                    except ssl.SSLWantReadError:
                        conn.sendall(outgoing.read())
                        incoming.write(conn.recv(65536))
                conn.sendall(outgoing.read())       # the client's Finished
                sslobj.write(message)
                ciphertext, start, turn = outgoing.read(), 0, 0
                while start < len(ciphertext):
                    size = sizes[turn % len(sizes)]
                    conn.sendall(ciphertext[start:start + size])
                    start, turn = start + size, turn + 1
                    time.sleep(0.002)
                echoed = b''
                while len(echoed) < len(message):
                    try:
                        echoed += sslobj.read(65536)
                    except ssl.SSLWantReadError:
                        data = conn.recv(65536)
                        if not data:
                            break
                        incoming.write(data)
                results.append(echoed)
        except Exception as exc:    # reported by the test, not lost in the thread
            results.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_records_cut_across_raw_reads_are_read_whole(tls_server, tls_certs, run_loop):
    """The ciphertext OpenSSL has not taken when a raw read is over (a
    record's header cut after 1 byte, a record cut in the middle) waits
    in the pump's BIO for the next read: 40 KiB written in pieces of 1, 3,
    7, 2000 and 5001 bytes, each a read of its own, are echoed whole."""
    message = os.urandom(40 * 1024)

    def on_secure(s):
        s.on('data', s.write)
        s.on('close', lambda _: server.close())
    server, port = tls_server(on_secure)
    results = []
    thread = _cut_ciphertext_client(port, tls_certs.ca, message, (1, 3, 7, 2000, 5001), results)
    try:
        run_loop(20)
    finally:
        thread.join(10)
    assert results == [message]


def test_a_paused_socket_keeps_the_ciphertext_its_raw_socket_read(
        tls_server, tls_certs, run_loop):
    """Node: a server socket paused on 'secure' while the peer writes 1 MiB
    and ends; the plaintext waits up to the high-water mark, the raw
    socket stops reading (its last read partly unread by OpenSSL), and
    after resume() every byte arrives in order, then 'end'."""
    payload = os.urandom(1 << 20)
    received = []
    seen = {}

    def on_secure(s):
        s.pause()
        s.on('data', received.append)
        s.on('end', lambda: received.append('end'))

        def resume():
            seen['raw paused'] = s._raw.isPaused()
            seen['waiting'] = s.readableLength
            s.resume()
        net.setTimeout(resume, 200)
        s.on('close', lambda _: server.close())
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: client.end(payload))
    run_loop(20)
    assert seen['raw paused'] is True and seen['waiting'] >= 65536
    assert received[-1] == 'end'
    assert hashlib.sha256(b''.join(received[:-1])).digest() == hashlib.sha256(payload).digest()


def test_a_write_of_more_records_than_allowed_for_keeps_their_order(
        tls_server, tls_certs, run_loop):
    """A write's records go into one bytes sized for 16 KiB records; with
    setMaxSendFragment(512) a 16 KiB write makes 32 records, whose overhead
    passes that allowance and goes on in the BIO's buffer, behind the
    first records: 256 KiB echoed that way arrive whole and in order."""
    payload = os.urandom(256 * 1024)

    def on_secure(s):
        assert s.setMaxSendFragment(512) is True
        s.on('data', s.write)
    server, port = tls_server(on_secure)
    received = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: client.write(payload))

    def on_data(chunk):
        received.append(chunk)
        if sum(map(len, received)) >= len(payload):
            client.end()
    client.on('data', on_data)
    client.on('close', lambda _: server.close())
    run_loop(20)
    assert b''.join(received) == payload
