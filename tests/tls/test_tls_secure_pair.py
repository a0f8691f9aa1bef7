"""tls.createSecurePair() (Node's DEP0064): a cleartext TLSSocket and the
``encrypted`` stream carrying its ciphertext, pinned to Node 20 (run with
/usr/bin/node v20; Node's lib/internal/tls/secure-pair.js is the shape)."""
import gc
import os
import weakref
import warnings

import pytest

import pyuvnet as net
import pyuvnet.stream as stream
import pyuvnet.tls as tls
from pyuvnet.tls import _secure_pair as tls_secure_pair
from pyuvnet.events import EventEmitter

# The warning itself is pinned once, in its own test.
pytestmark = pytest.mark.filterwarnings('ignore:tls.createSecurePair:DeprecationWarning')


def _open_fds():
    return len(os.listdir('/proc/self/fd'))


def _splice(pair, raw):
    """Node's usage: the pair's ciphertext to and from a TCP connection."""
    pair.encrypted.pipe(raw)
    raw.pipe(pair.encrypted)


def test_client_pair_over_a_tcp_connection_handshakes_and_round_trips(tls_server, run_loop):
    """Node: a pair (isServer false) whose encrypted half is piped to and
    from a TCP connection to a tls.Server: 'encrypted' emits ciphertext
    buffers (the first a handshake record, type 22), the pair emits
    'secure' before the cleartext's own listeners, a write made before the
    handshake and one made on 'secure' reach the server in order, and the
    server's answer is the cleartext's 'data' then 'end'."""
    log, ciphertext = [], []

    def on_secure(s):
        s.on('data', lambda d: (log.append(('server data', bytes(d))),
                                s.end('pong') if b'ping' in d else None))
    server, port = tls_server(on_secure)
    raw = net.connect(port, '127.0.0.1')
    pair = tls.createSecurePair()
    _splice(pair, raw)
    pair.encrypted.on('data', lambda d: ciphertext.append(bytes(d)))
    pair.cleartext.write('early')
    pair.on('secure', lambda: (log.append('pair secure'), pair.cleartext.write('ping')))
    pair.cleartext.on('secureConnect', lambda: log.append('cleartext secure'))
    pair.cleartext.on('data', lambda d: log.append(('client data', bytes(d))))
    pair.cleartext.on('end', lambda: log.append('client end'))
    raw.on('close', lambda _: server.close())
    run_loop()
    assert log[:2] == ['pair secure', 'cleartext secure']
    received = b''.join(d for tag, d in (e for e in log if isinstance(e, tuple)) if tag == 'server data')
    assert received == b'earlyping'
    assert ('client data', b'pong') in log and log[-1] == 'client end'
    assert ciphertext[0][0] == 22
    # Node 20: the encrypted half is a Duplex (its DuplexSocket), no net.Socket.
    assert isinstance(pair.cleartext, tls.TLSSocket) and isinstance(pair.encrypted, stream.Duplex)
    assert not isinstance(pair.encrypted, net.Socket)


def test_server_pair_answers_a_tls_connect_client(tls_certs, run_loop):
    """Node: a pair with isServer true, over a TCP server's connection,
    completes the handshake of a tls.connect() client: the pair emits
    'secure', the client's write arrives on the cleartext, and the answer
    written there reaches the client."""
    context = tls.createSecureContext(key=tls_certs.key, cert=tls_certs.cert)
    log, pairs = [], []

    def on_connection(raw):
        pair = tls.createSecurePair(context, True, False, False)
        pairs.append(pair)
        _splice(pair, raw)
        pair.on('secure', lambda: log.append('pair secure'))
        pair.cleartext.on('data', lambda d: (log.append(('server data', bytes(d))),
                                             pair.cleartext.end('pong')))
    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')
    client = tls.connect(server.address().port, '127.0.0.1', ca=tls_certs.ca,
                         servername='localhost')
    client.on('secureConnect', lambda: (log.append('client secure'), client.write('ping')))
    client.on('data', lambda d: log.append(('client data', bytes(d))))
    client.on('close', lambda _: server.close())
    run_loop()
    assert 'pair secure' in log and 'client secure' in log
    assert ('server data', b'ping') in log and ('client data', b'pong') in log
    assert pairs[0].credentials is context and client.authorized


def test_first_call_warns_dep0064_once(monkeypatch, run_loop):
    """Node: the first createSecurePair() emits DeprecationWarning DEP0064
    'tls.createSecurePair() is deprecated. Please use tls.TLSSocket
    instead.'; later calls do not."""
    monkeypatch.setattr(tls_secure_pair, '_warned', [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        pairs = [tls.createSecurePair(), tls.create_secure_pair()]
    for pair in pairs:
        pair.destroy()
    run_loop()
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, 'tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.')]


@pytest.mark.parametrize('context', [1, {}, [], 'ctx'])
def test_a_context_that_is_no_secure_context_is_err_tls_invalid_context(context):
    """Node: createSecurePair(1) and createSecurePair({}) throw TypeError
    ERR_TLS_INVALID_CONTEXT 'context must be a SecureContext'; no fd is
    left open."""
    before = _open_fds()
    with pytest.raises(TypeError) as info:
        tls.createSecurePair(context)
    assert info.value.code == 'ERR_TLS_INVALID_CONTEXT'
    assert str(info.value) == 'context must be a SecureContext'
    assert _open_fds() == before


def test_pair_attributes_and_destroy_close_both_halves(run_loop):
    """Node: a SecurePair is an EventEmitter with credentials (the context
    given, here none), server (undefined) and destroy(), which destroys the
    cleartext and the encrypted half: the encrypted half's 'close' (a
    Duplex's, with no argument) comes first, then the cleartext's
    'close'(false); a truthy non-boolean isServer is taken as true."""
    pair = tls.createSecurePair(None, 'x')
    closed = []
    pair.cleartext.on('close', lambda *args: closed.append(('cleartext',) + args))
    pair.encrypted.on('close', lambda *args: closed.append(('encrypted',) + args))
    assert isinstance(pair, EventEmitter) and pair.credentials is None and pair.server is None
    pair.destroy()
    run_loop()
    assert closed == [('encrypted',), ('cleartext', False)]
    assert pair.cleartext.destroyed and pair.encrypted.destroyed


@pytest.mark.parametrize('context', [0, '', False])
def test_a_context_falsy_in_javascript_makes_a_default_one(context, run_loop):
    """Node: createSecurePair(0), ('') and (false) make a pair with a
    default context; credentials is the argument as given."""
    pair = tls.createSecurePair(context)
    assert pair.credentials is context
    pair.destroy()
    run_loop()


def test_bad_tlssocket_options_raise_and_leave_no_fd_open(run_loop):
    """Node: createSecurePair(undefined, false, true, false, {session: 5})
    throws TypeError ERR_INVALID_ARG_TYPE 'Session must be a buffer' from
    the TLSSocket; no fd is left open once the loop has run."""
    def bad_call():
        return tls.createSecurePair(None, False, True, False, {'session': 5})
    # The first call and run open the loop's and the process's lazily made
    # fds (one /dev/null), once; the second is the one counted.
    with pytest.raises(TypeError):
        bad_call()
    run_loop()
    before = _open_fds()
    with pytest.raises(TypeError) as info:
        bad_call()
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert str(info.value) == 'Session must be a buffer'
    run_loop()
    assert _open_fds() == before


def test_a_pair_over_a_duplex_pair_is_freed_at_destroy_with_gc_off(tls_certs, run_loop):
    """A server pair answering a tls.connect() client over its encrypted
    half (Node's pair is a duplexPair too): after the round trip and
    destroy() the pair, its halves and the client go without the cyclic GC."""
    gc.collect()
    gc.disable()
    try:
        context = tls.createSecureContext(key=tls_certs.key, cert=tls_certs.cert)
        pair = tls.createSecurePair(context, True)
        client = tls.connect(socket=pair.encrypted, ca=tls_certs.ca, servername='localhost')
        log = []
        client.on('secureConnect', lambda: client.write(b'ping'))
        pair.cleartext.on('data', lambda d: (log.append(bytes(d)), pair.destroy(), client.destroy()))
        refs = [weakref.ref(x) for x in (pair, pair.cleartext, pair.encrypted, pair.cleartext._raw,
                                         client)]
        run_loop()
        assert log == [b'ping']
        del pair, client
        run_loop()
        assert [ref() for ref in refs] == [None] * len(refs)
    finally:
        gc.enable()
