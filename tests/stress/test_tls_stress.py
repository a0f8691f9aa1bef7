"""TLS under stress (issue 17, safety): hostile and broken peers, silent
peers bounded by handshakeTimeout, many handshakes at once, destroy() in
the middle of a handshake or a transfer, and no plaintext on the wire.

Every case ends with: each connection closed exactly once, nothing
emitted after 'close', the server still serving, the fds back to their
count before the test, and every SSLObject freed (a weakref to each, dead
after gc).  Counts are short or long (PYUVNET_STRESS); every loop run has
its watchdog."""
import gc
import os
import random
import resource
import ssl
import weakref

import pyuvnet as net
import pyuvnet.tls as tls

from sequences_support import warm_up_loop
from stress_support import raise_fd_limit, scaled
from support import open_fd_count

IN_FLIGHT = 32
MARKER = b'PLAINTEXT-MARKER-'


def client_hello():
    """A real ClientHello, as Python's ssl writes it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    outgoing = ssl.MemoryBIO()
    sslobj = ctx.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname='localhost')
    try:
        sslobj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class Tracker:
    """The server's TLSSockets: weakrefs to their SSLObjects, how many
    closed, and any event that came after a socket's 'close'."""

    def __init__(self, server):
        self.ssl_objects = []
        self.closed = 0
        self.late = []
        self.client_errors = []
        server.on('secureConnection', self.track)
        server.on('tlsClientError', lambda err, s: (self.client_errors.append(err.code),
                                                    self.track(s)))

    def track(self, sock):
        if getattr(sock, '_tracked', False):
            return
        sock._tracked = True
        if sock._ssl is not None:
            self.ssl_objects.append(weakref.ref(sock._ssl))
        watch_after_close(sock, self.late)
        sock.on('error', lambda err: None)
        sock.on('close', lambda _: setattr(self, 'closed', self.closed + 1))

    def alive(self):
        gc.collect()
        return sum(ref() is not None for ref in self.ssl_objects)


def watch_after_close(sock, late):
    """Record in ``late`` any data/end/error/close after 'close'."""
    state = {'closed': False}

    def after(name):
        def listener(*args):
            if state['closed']:
                late.append(name)
        return listener
    for name in ('data', 'end', 'error'):
        sock.on(name, after(name))
    sock.on('close', lambda *_: (after('close')(), state.update(closed=True)))


def hostile_bytes(kind, rng, hello):
    if kind == 'garbage':
        return bytes([7]) + rng.randbytes(rng.randrange(10, 4000))
    if kind == 'truncated':
        return hello[:rng.randrange(1, len(hello) + 1)]
    if kind == 'huge':
        data = bytearray(1 << 20)      # a 1 MiB ClientHello
        data[:9] = bytes([0x16, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff])
        return bytes(data)
    return b''                          # connects and leaves at once


def test_hostile_and_truncated_handshakes_end_cleanly(tls_server, tls_certs, run_loop, figures):
    """Garbage, a ClientHello cut anywhere then FIN, a 1 MiB ClientHello, an
    empty connection: one 'tlsClientError' each (Node's codes), the peer
    closed, then a good client is still served."""
    total = scaled(400, 4000)
    kinds = ('garbage', 'truncated', 'huge', 'empty')
    rng, hello = random.Random(17), client_hello()
    warm_up_loop()
    fds_before = open_fd_count()
    server, port = tls_server(lambda s: s.end(b'still here'))
    tracker = Tracker(server)
    state = {'started': 0, 'closed': 0, 'served': None}

    def start_one():
        kind = kinds[state['started'] % len(kinds)]
        state['started'] += 1
        raw = net.connect(port, '127.0.0.1')
        raw.on('error', lambda err: None)
        raw.resume()
        raw.end(hostile_bytes(kind, rng, hello))
        raw.on('close', lambda _: finished())

    def finished():
        state['closed'] += 1
        if state['started'] < total:
            start_one()
        elif state['closed'] == total:
            good = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
            good.on('data', lambda chunk: state.update(served=chunk))
            good.on('close', lambda _: server.close())
    for _ in range(IN_FLIGHT):
        start_one()
    run_loop(timeout=scaled(120, 1200))
    codes = sorted(set(tracker.client_errors))
    figures(connections=total, codes=codes, fds_before=fds_before, fds_after=open_fd_count())
    assert state['closed'] == total and state['served'] == b'still here'
    assert len(tracker.client_errors) == total
    assert set(codes) <= {'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG',
                          'ECONNRESET'}
    assert 'ERR_SSL_PACKET_LENGTH_TOO_LONG' in codes and 'ECONNRESET' in codes
    assert tracker.closed == total + 1 and tracker.late == []
    assert tracker.alive() == 0
    assert open_fd_count() == fds_before


def test_silent_peers_are_dropped_at_the_handshake_timeout(tls_server, run_loop, figures):
    """Peers that connect and say nothing (or half a ClientHello): each is
    'tlsClientError' ERR_TLS_HANDSHAKE_TIMEOUT and closed, all at once."""
    total = scaled(100, 1000)
    limits = raise_fd_limit(2 * total + 100)
    try:
        warm_up_loop()
        fds_before = open_fd_count()
        server, port = tls_server(handshakeTimeout=300)
        tracker = Tracker(server)
        closed = []
        hello = client_hello()
        for i in range(total):
            raw = net.connect(port, '127.0.0.1')
            raw.on('error', lambda err: None)
            raw.resume()
            if i % 2:
                raw.write(hello[:len(hello) // 2])
            raw.on('close', lambda _: (closed.append(1), len(closed) == total and server.close()))
        run_loop(timeout=scaled(60, 300))
        figures(connections=total, fds_before=fds_before, fds_after=open_fd_count())
        assert len(closed) == total
        assert tracker.client_errors == ['ERR_TLS_HANDSHAKE_TIMEOUT'] * total
        assert tracker.closed == total and tracker.late == [] and tracker.alive() == 0
        assert open_fd_count() == fds_before
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)


def test_many_concurrent_handshakes_all_complete(tls_server, tls_certs, run_loop, figures):
    """All clients connect at once; each handshake completes, one echo
    goes through, both ends close; every SSLObject is freed."""
    total = scaled(300, 3000)
    limits = raise_fd_limit(2 * total + 100)
    try:
        warm_up_loop()
        fds_before = open_fd_count()
        server, port = tls_server(lambda s: s.on('data', lambda chunk: s.end(chunk)))
        tracker = Tracker(server)
        clients, echoed, closed = [], [], []
        for i in range(total):
            client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
            client.on('secureConnect', lambda c=client, i=i: c.write(b'%d' % i))
            client.on('data', lambda chunk, i=i: echoed.append(chunk == b'%d' % i))
            client.on('close', lambda _: (closed.append(1), len(closed) == total and server.close()))
            clients.append(weakref.ref(client._ssl))
        run_loop(timeout=scaled(120, 1200))
        gc.collect()
        alive_clients = sum(ref() is not None for ref in clients)
        figures(handshakes=total, fds_before=fds_before, fds_after=open_fd_count())
        assert len(closed) == total and echoed == [True] * total
        assert tracker.closed == total and tracker.late == []
        assert tracker.alive() == 0 and alive_clients == 0
        assert open_fd_count() == fds_before
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)


DESTROY_POINTS = ('client on connect', 'client on the first raw bytes',
                  'server mid-handshake', 'server mid-transfer', 'client mid-transfer',
                  'client mid-transfer with an error')


def test_destroy_mid_handshake_and_mid_transfer_ends_cleanly(tls_server, tls_certs, run_loop,
                                                              figures):
    """destroy() at each point in turn: the destroyed end gets 'close' once
    ('error' first only when destroy had one), the other end an error or
    'end' then 'close'; nothing after 'close'; nothing leaks."""
    total = scaled(240, 2400)
    payload = os.urandom(4 << 20)
    warm_up_loop()
    point = {'now': None}

    def on_secure(s):
        if point['now'] == 'server mid-transfer':
            s.once('data', lambda chunk: s.destroy())
        elif point['now'].startswith('client mid-transfer'):
            s.end(payload)
        else:
            s.resume()
    fds_before = open_fd_count()
    server, port = tls_server(on_secure)
    server.on('connection', lambda raw: point['now'] == 'server mid-handshake'
              and raw.once('data', lambda chunk: net.setImmediate(raw.destroy)))
    tracker = Tracker(server)
    state = {'started': 0, 'closed': 0, 'late': [], 'errors': [], 'ssl': []}

    def start_one():
        where = point['now'] = DESTROY_POINTS[state['started'] % len(DESTROY_POINTS)]
        state['started'] += 1
        raw = net.connect(port, '127.0.0.1')
        if where == 'client on the first raw bytes':
            raw.once('data', lambda chunk: client.destroy())
        client = tls.connect(socket=raw, ca=tls_certs.ca, servername='localhost')
        state['ssl'].append(weakref.ref(client._ssl))
        watch_after_close(client, state['late'])
        client.on('error', lambda err: state['errors'].append(where))
        if where == 'client on connect':
            client.on('connect', client.destroy)
        elif where == 'server mid-transfer':
            client.on('secureConnect', lambda: client.write(payload))
        elif where == 'client mid-transfer':
            client.once('data', lambda chunk: client.destroy())
        elif where == 'client mid-transfer with an error':
            client.once('data', lambda chunk: client.destroy(RuntimeError('stop')))
        client.on('data', lambda chunk: None)
        client.on('close', lambda _: finished())

    def finished():
        state['closed'] += 1
        if state['started'] < total:
            start_one()
        elif state['closed'] == total:
            server.close()
    start_one()     # one at a time: the server's reaction depends on the point
    run_loop(timeout=scaled(120, 1200))
    gc.collect()
    figures(cycles=total, client_errors=len(state['errors']), fds_before=fds_before,
            fds_after=open_fd_count())
    assert state['closed'] == total and state['late'] == [] and tracker.late == []
    assert 'client mid-transfer with an error' in state['errors']
    assert 'client on connect' not in state['errors']
    assert sum(ref() is not None for ref in state['ssl']) == 0 and tracker.alive() == 0
    assert open_fd_count() == fds_before


def test_no_plaintext_on_the_wire_after_secure_connect(tls_server, tls_certs, run_loop, figures):
    """The raw bytes each end's plain socket receives never contain the
    marker written through TLS (before and after the handshake, corked,
    in end()), while the decrypted streams carry every marker."""
    total = scaled(30, 300)
    rng = random.Random(17)
    wire = {'server': bytearray(), 'client': bytearray()}
    plain = {'server': bytearray(), 'client': bytearray()}
    expected = {'server': bytearray(), 'client': bytearray()}

    def message(side, size):
        data = MARKER + side.encode() + os.urandom(size)
        expected[side] += data
        return data

    def on_secure(s):
        s.on('data', plain['server'].extend)
        s.write(message('client', rng.randrange(1, 70000)))
        s.cork()
        s.write(message('client', rng.randrange(1, 100)))
        s.write(message('client', rng.randrange(1, 100)))
        s.uncork()
        s.end(message('client', rng.randrange(1, 20000)))
    server, port = tls_server(on_secure)
    server.on('connection', lambda raw: raw.on('data', wire['server'].extend))
    closed = []
    for _ in range(total):
        raw = net.connect(port, '127.0.0.1')
        raw.on('data', wire['client'].extend)     # before the TLSSocket's listener
        client = tls.connect(socket=raw, ca=tls_certs.ca, servername='localhost')
        client.write(message('server', rng.randrange(1, 1000)))    # waits for the handshake
        client.on('secureConnect', lambda c=client: c.end(message('server', rng.randrange(1, 70000))))
        client.on('data', plain['client'].extend)
        client.on('close', lambda _: (closed.append(1), len(closed) == total and server.close()))
    run_loop(timeout=scaled(60, 600))
    figures(connections=total, wire_bytes=len(wire['server']) + len(wire['client']))
    assert len(closed) == total
    for side in ('server', 'client'):
        # The streams interleave per connection, so compare the multisets
        # of markers and the totals, and search the raw bytes for any.
        per_connection = 4 if side == 'client' else 2
        assert plain[side].count(MARKER) == expected[side].count(MARKER) == per_connection * total
        assert len(plain[side]) == len(expected[side])
        assert MARKER not in wire[side]
        assert len(wire[side]) > len(plain[side])
