"""TLS over a JS-style Duplex (a stream.Duplex or a duplexPair() side, no
libuv handle): tls.connect({socket: duplex}) and new tls.TLSSocket(duplex),
as Node's JSStreamSocket carries them (issue 68).  Each expectation was
run under /usr/bin/node v20 first; the ported Node files are named."""
import gc
import weakref

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import errors, stream
from pyuvnet.events import EventEmitter


def _pair(tls_certs, **server_options):
    """A client and a server TLSSocket over the two sides of a duplexPair()."""
    client_side, server_side = stream.duplexPair()
    client = tls.connect(socket=client_side, ca=tls_certs.ca, host='localhost')
    server = tls.TLSSocket(server_side, dict(isServer=True, key=tls_certs.key,
                                             cert=tls_certs.cert, **server_options))
    return client, server, client_side, server_side


def _record(log, name, sock, events=('secureConnect', 'secure', 'data', 'end', 'finish',
                                     'error', 'close')):
    for event in events:
        sock.on(event, lambda *args, event=event: log.append((name, event) + args))


def test_tls_generic_stream_handshakes_and_writes_over_a_duplex_pair(tls_certs, run_loop):
    """test-tls-generic-stream.js: neither socket is connecting; the
    client's write is read by the server (read()) when its callback runs.
    Node 20: writableLength is 6 right after write('foobar')."""
    client, server, _, _ = _pair(tls_certs)
    assert client.connecting is False and server.connecting is False
    log = []

    def on_secure():
        log.append(client.authorized)
        client.write('foobar', lambda *err: log.append(server.read()))
        log.append(client.writableLength)
    client.on('secureConnect', on_secure)
    run_loop()
    assert log == [True, 6, b'foobar']
    client.destroy()
    server.destroy()
    run_loop()


def test_tls_buffer_size_counts_the_plaintext_not_yet_written(tls_certs, run_loop):
    """test-tls-streamwrap-buffersize.js's figures over a duplexPair (Node
    20): bufferSize 0 at 'secureConnect', then one more per write('a');
    in the first write's callback 3 remain; the server reads all."""
    client, server, _, _ = _pair(tls_certs)
    log = []

    def on_secure():
        log.append(client.bufferSize)
        client.write('foobar', lambda *err: log.append(client.writableLength))
        for _ in range(3):
            client.write('a')
            log.append(client.bufferSize)
    client.on('secureConnect', on_secure)
    received = []
    server.on('data', received.append)
    run_loop()
    assert log == [0, 7, 8, 9, 3] and b''.join(received) == b'foobaraaa'
    client.destroy()
    server.destroy()
    run_loop()


def test_tls_end_over_a_duplex_pair_reaches_the_server(tls_certs, run_loop):
    """Node 20: client.end('bye') -> the server's 'data' 'bye' then 'end',
    and the client's 'finish'.  (Node's server then never ends back;
    pyuvnet's, not half-open, does: both close.)"""
    client, server, _, _ = _pair(tls_certs)
    log = []
    _record(log, 'S', server, ('data', 'end', 'close'))
    _record(log, 'C', client, ('finish', 'close'))
    server.on('secure', lambda: client.end('bye'))
    run_loop()
    assert [entry for entry in log if entry[1] != 'close'] == [
        ('S', 'data', b'bye'), ('S', 'end'), ('C', 'finish')]
    assert sorted(log[-2:]) == [('C', 'close', False), ('S', 'close', False)]


def test_tls_js_stream_client_over_a_duplex_reading_a_tcp_socket(tls_server, run_loop):
    """test-tls-js-stream.js: a client over a stream.Duplex whose _read
    takes from a TCP socket in paused mode ('readable', read()) and whose
    _write writes to it; the server's 'ohai' arrives, then 'close'."""
    got = []

    def on_secure(c):
        c.resume()
        c.end('ohai')
    server, port = tls_server(on_secure)
    raw = net.connect(port, '127.0.0.1')
    pending = []

    def read(self, size):
        pending.clear()
        chunk = raw.read()
        if chunk:
            self.push(chunk)
        else:
            pending.append(True)

    duplex = stream.Duplex(read=read, write=lambda self, data, enc, cb: raw.write(data, enc, cb))
    raw.on('readable', lambda: duplex._read(0) if pending else None)
    raw.on('end', lambda: duplex.push(None))
    client = tls.connect({'socket': duplex, 'rejectUnauthorized': False},
                         lambda: (client.end('hello')))
    client.on('data', got.append)
    client.once('close', lambda *a: (got.append('close'), raw.destroy(), server.close()))
    run_loop()
    assert b''.join(g for g in got if g != 'close') == b'ohai' and got[-1] == 'close'


def test_tls_connect_stream_writes_arrive_in_order(tls_server, run_loop):
    """test-tls-connect-stream-writes.js: 50 writes over a stream.Duplex
    that writes to a TCP socket, then end(): the server reads them all.
    (The Duplex's _final ends the TCP socket here: a TLSSocket over a
    libuv socket takes its 'end' at the FIN after close_notify, where
    Node's takes it at close_notify.)"""
    received = []

    def on_secure(s):
        s.on('data', received.append)
        s.on('end', lambda: server.close())
    server, port = tls_server(on_secure)
    raw = net.connect(port, '127.0.0.1')
    duplex = stream.Duplex(read=lambda self, size: None,
                           write=lambda self, data, enc, cb: raw.write(data, enc, cb),
                           final=lambda self, cb: (raw.end(), cb()))
    raw.on('data', duplex.push)
    raw.on('end', lambda: duplex.push(None))
    raw.on('close', lambda *a: duplex.destroy())

    def send():
        for _ in range(50):
            client.write('hello world')
        client.end()
    client = tls.connect({'socket': duplex, 'rejectUnauthorized': False}, send)
    client.on('close', lambda *a: raw.destroy())
    run_loop()
    assert b''.join(received) == b'hello world' * 50


def test_tls_destroy_whilst_write_closes_once(run_loop):
    """test-tls-destroy-whilst-write.js (Node 20 run): destroy() while the
    Duplex holds the ClientHello's write: the write is called back, the
    Duplex is destroyed, the TLSSocket's 'close' (hadError False) comes
    once and nothing after it."""
    log = []

    def write(self, data, enc, cb):
        log.append('pending')
        net.setImmediate(lambda: (log.append('done'), cb()))
    delay = stream.Duplex(read=lambda self, size: None, write=write)
    delay.on('close', lambda: log.append(('raw close', delay.destroyed)))
    secure = tls.connect(socket=delay)
    _record(log, 'C', secure)
    net.setImmediate(secure.destroy)
    run_loop()
    client_events = [entry for entry in log if entry[0] == 'C']
    assert client_events == [('C', 'close', False)]
    assert ('raw close', True) in log and 'pending' in log and 'done' in log


def test_tls_error_servername_over_a_duplex_pair(tls_certs, run_loop):
    """test-tls-error-servername.js: setServername() of a non-str is
    ERR_INVALID_ARG_TYPE; on a server's socket ERR_TLS_SNI_FROM_SERVER."""
    client, server, _, _ = _pair(tls_certs)
    for value in (None, 1, True, {}):
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
            client.setServername(value)
    with pytest.raises(errors.NodeError) as info:
        server.setServername('localhost')
    assert info.value.code == 'ERR_TLS_SNI_FROM_SERVER'
    client.destroy()
    server.destroy()
    run_loop()


def test_tls_socket_snicallback_without_server_gets_the_name(tls_certs, run_loop):
    """test-tls-socket-snicallback-without-server.js: a server TLSSocket
    over a duplexPair side, with no tls.Server, calls its SNICallback with
    the ClientHello's name (here sent by a client over the other side)."""
    client_side, server_side = stream.duplexPair()
    names = []

    def sni(servername, cb):
        names.append(servername)
        cb(None, None)
    server = tls.TLSSocket(server_side, isServer=True, key=tls_certs.key, cert=tls_certs.cert,
                           SNICallback=sni)
    client = tls.connect(socket=client_side, servername='www.google.com',
                         rejectUnauthorized=False)
    client.on('secureConnect', lambda: (client.destroy(), server.destroy()))
    run_loop()
    assert names == ['www.google.com']


def test_tls_socket_allow_half_open_option_over_a_duplex_is_false():
    """test-tls-socket-allow-half-open-option.js (its Duplex case): a
    TLSSocket over a stream.Duplex is not half-open whatever the option."""
    duplex = stream.Duplex(allowHalfOpen=False, read=lambda self, size: None)
    sock = tls.TLSSocket(duplex, allowHalfOpen=True)
    assert sock.allowHalfOpen is False
    sock.destroy()


@pytest.mark.parametrize('value', [{}, 1, 'x', EventEmitter()])
def test_a_socket_that_is_no_stream_is_a_type_error(value):
    """Node 20 throws a TypeError (stream.pause is not a function, no
    code); pyuvnet's is ERR_INVALID_ARG_TYPE, a TypeError, at once."""
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        tls.TLSSocket(value)
    assert isinstance(info.value, TypeError)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        tls.connect(socket=value)


def _failing_duplex(on_write):
    """A Duplex whose first write (the ClientHello) is answered by on_write(duplex)."""
    def write(self, data, enc, cb):
        cb()
        net.setImmediate(on_write, self)
    return stream.Duplex(read=lambda self, size: None, write=write)


def test_a_duplex_that_errors_mid_handshake_gives_its_error_then_close(run_loop):
    """Node 20: the Duplex destroyed with an error during the handshake:
    the TLSSocket's 'error' is that error, then 'close' with hadError
    False (the stream's 'close' closes it), nothing after."""
    boom = RuntimeError('boom')
    client = tls.connect(socket=_failing_duplex(lambda d: d.destroy(boom)))
    log = []
    _record(log, 'C', client)
    run_loop()
    assert log == [('C', 'error', boom), ('C', 'close', False)]


@pytest.mark.parametrize('mode', ['object mode, an object', 'object mode, a str',
                                  'an encoding, a str'])
def test_a_duplex_giving_strs_or_objects_fails_with_err_stream_wrap(run_loop, mode):
    """Node 20 (js_stream_socket.js): a carried stream that is in object
    mode or gives a str chunk fails the TLSSocket with ERR_STREAM_WRAP;
    its 'data' listener goes (no more reads), nothing closes; destroyed
    later, it closes with hadError False."""
    duplex = stream.Duplex(read=lambda self, size: None, write=lambda self, c, e, cb: cb(),
                           objectMode=mode.startswith('object mode'))
    if mode.startswith('an encoding'):
        duplex.setEncoding('utf8')
    client = tls.connect(socket=duplex, rejectUnauthorized=False)
    log = []
    _record(log, 'C', client, ('secureConnect', 'error', 'close'))
    duplex.push({'a': 1} if mode.endswith('object') else 'hello')
    net.setTimeout(client.destroy, 50)
    run_loop()
    assert [entry[:2] for entry in log] == [('C', 'error'), ('C', 'close')]
    error = log[0][2]
    assert isinstance(error, errors.ERR_STREAM_WRAP) and error.code == 'ERR_STREAM_WRAP'
    assert str(error) == 'Stream has StringDecoder set or is in objectMode'
    assert log[1][2] is False
    assert duplex.listenerCount('data') == 0 and duplex.isPaused()


def test_a_duplex_that_ends_mid_handshake_is_a_hang_up(run_loop):
    """Node 20: the Duplex ends (push(None)) before the server's answer:
    ECONNRESET "Client network socket disconnected before secure TLS
    connection was established", then 'close' with hadError True."""
    client = tls.connect(socket=_failing_duplex(lambda d: d.push(None)))
    log = []
    _record(log, 'C', client, ('secureConnect', 'error', 'close'))
    run_loop()
    assert [entry[:2] for entry in log] == [('C', 'error'), ('C', 'close')]
    error = log[0][2]
    assert error.code == 'ECONNRESET'
    assert 'disconnected before secure TLS connection' in str(error)
    assert log[1][2] is True


def test_a_duplex_destroyed_mid_handshake_closes_without_an_error(run_loop):
    """Node 20: the Duplex destroyed without an error during the
    handshake: only 'close', hadError False."""
    client = tls.connect(socket=_failing_duplex(lambda d: d.destroy()))
    log = []
    _record(log, 'C', client)
    run_loop()
    assert log == [('C', 'close', False)]


def test_a_duplex_destroyed_with_an_error_after_secure_errors_the_socket(tls_certs, run_loop):
    """Node 20: clientSide.destroy(err) after 'secureConnect': the client's
    'error'(err), then 'close' with hadError False."""
    client, server, client_side, _ = _pair(tls_certs)
    under = RuntimeError('under')
    log = []
    _record(log, 'C', client, ('error', 'close'))
    client.on('secureConnect', lambda: client_side.destroy(under))
    run_loop()
    assert log == [('C', 'error', under), ('C', 'close', False)]
    server.destroy()
    run_loop()


def test_destroy_with_an_error_destroys_the_duplex_first(tls_certs, run_loop):
    """Node 20: serverTLS.destroy(err) after 'secure': the Duplex's 'close'
    first, then the TLSSocket's 'error'(err) and 'close' (hadError True);
    the client, over the other side, sees nothing."""
    client, server, _, server_side = _pair(tls_certs)
    err = RuntimeError('x')
    log = []
    _record(log, 'S', server, ('error', 'close'))
    _record(log, 'C', client, ('error', 'close', 'end'))
    server_side.on('close', lambda: log.append(('rawS', 'close')))
    server.on('secure', lambda: server.destroy(err))
    run_loop()
    assert log == [('rawS', 'close'), ('S', 'error', err), ('S', 'close', True)]
    assert server_side.destroyed and not client.destroyed
    client.destroy()
    run_loop()


def test_destroy_after_secure_destroys_the_duplex_then_closes(tls_certs, run_loop):
    """Node 20: clientTLS.destroy() on 'secureConnect': the Duplex is
    destroyed ('close' first), then the client's 'close' (hadError
    False), no 'error'; write() afterwards calls back with
    ERR_STREAM_DESTROYED and nothing is emitted after 'close'."""
    client, server, client_side, _ = _pair(tls_certs)
    log = []
    _record(log, 'C', client, ('error', 'close', 'end', 'finish', 'data'))
    client_side.on('close', lambda: log.append(('rawC', 'close')))

    def on_secure():
        client.destroy()
        log.append(client_side.destroyed)
        client.write(b'late', lambda err=None: log.append(getattr(err, 'code', None)))
    client.on('secureConnect', on_secure)
    run_loop()
    assert log[0] is True
    assert [entry for entry in log[1:] if entry != 'ERR_STREAM_DESTROYED'] == [
        ('rawC', 'close'), ('C', 'close', False)]
    assert 'ERR_STREAM_DESTROYED' in log
    server.destroy()
    run_loop()


def test_tls_sockets_over_a_duplex_pair_are_freed_at_close_with_gc_off(tls_certs, run_loop):
    """Both TLSSockets, their raw sides' adapters included, go when they
    close, without the cyclic GC."""
    gc.collect()
    gc.disable()
    try:
        client, server, client_side, server_side = _pair(tls_certs)
        refs = [weakref.ref(client), weakref.ref(server), weakref.ref(client._raw),
                weakref.ref(server._raw)]
        client.on('secureConnect', lambda: client.write(b'x'))
        server.on('data', lambda d: (client.destroy(), server.destroy()))
        run_loop()
        del client, server
        run_loop()
        assert [ref() for ref in refs] == [None] * 4
    finally:
        gc.enable()


def test_set_timeout_over_a_duplex_fires_when_idle_and_reads_rearm_it(tls_certs, run_loop):
    """Node 20: client.setTimeout(100) after 'secureConnect' over a
    duplexPair side returns the client and sets timeout to 100 (undefined
    before); 'timeout' comes with the socket left open; then five writes
    of the server's, 40 ms apart, each re-arm it: the next 'timeout' comes
    after the last of them, once the socket is idle again."""
    client, server, _, _ = _pair(tls_certs)
    log = []
    keep_alive = net.setTimeout(lambda: None, 2000)     # the timer is unref'd, as Node's

    def first_timeout():
        log.append(('timeout', client.destroyed))
        sent = []

        def tick():
            server.write(b'x')
            sent.append(1)
            if len(sent) == 5:
                writer.close()
        writer = net.setInterval(tick, 40)
        client.removeAllListeners('timeout')
        client.on('timeout', lambda: (log.append(('timeout', len(sent))), client.setTimeout(0),
                                      client.destroy(), server.destroy(), keep_alive.close()))

    def on_secure():
        log.append(client.timeout)
        log.append(client.setTimeout(100) is client)
        log.append(client.timeout)
        client.on('timeout', first_timeout)
    client.on('secureConnect', on_secure)
    client.on('data', lambda d: log.append(bytes(d)))
    run_loop()
    assert log == [None, True, 100, ('timeout', False)] + [b'x'] * 5 + [('timeout', 5)]


def test_set_timeout_over_a_duplex_keeps_no_loop_alive(tls_certs, run_loop):
    """Node 20: an idle timeout over a duplexPair keeps nothing alive: the
    program ends without 'timeout'.  A bad duration is ERR_OUT_OF_RANGE;
    once destroyed, setTimeout() does nothing, a bad one included."""
    client, server, _, _ = _pair(tls_certs)
    log = []
    client.on('secureConnect', lambda: client.setTimeout(100, lambda: log.append('timeout')))
    run_loop()
    assert log == [] and client.timeout == 100
    with pytest.raises(errors.ERR_OUT_OF_RANGE):     # a RangeError (ValueError), as Node's
        client.setTimeout(-1)
    client.destroy()
    server.destroy()
    run_loop()
    assert client.setTimeout(-1) is client
