"""Node's own dgram tests (test/parallel/test-dgram-*.js), ported: each
test names its Node file; the expectations were run under /usr/bin/node 20."""
import socket
import warnings

import pyuvnet as net
from pyuvnet import dgram, dns
from support import assert_code


def test_dgram_bind_error_repeat(run_loop):
    # test-dgram-bind-error-repeat.js: twenty bind()s with a callback, each
    # refused (EADDRINUSE): no warning (no listener left behind by the
    # callbacks), and the socket closes from its 'error' listener.
    reserve = dgram.createSocket('udp4')
    errors = []
    left = []

    def reserved():
        port = reserve.address().port
        sock = dgram.createSocket('udp4')

        def on_error(err):
            errors.append(err.code)
            if len(errors) < 20:
                sock.bind(port, lambda: errors.append('bound'))
            else:
                # Node: (2, 1) here, the last callback's pair still to
                # go; (1, 0) on the next turn.
                left.append((sock.listenerCount('error'), sock.listenerCount('listening')))
                net.setImmediate(lambda: (left.append((sock.listenerCount('error'),
                                                       sock.listenerCount('listening'))),
                                          sock.close(), reserve.close()))
        sock.on('error', on_error)
        sock.bind(port, lambda: errors.append('bound'))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        reserve.bind(0, '127.0.0.1', reserved)
        run_loop()
    assert errors == ['EADDRINUSE'] * 20
    assert left == [(2, 1), (1, 0)]


def test_dgram_error_message_address(run_loop):
    # test-dgram-error-message-address.js: a bind to an address no
    # interface has (no packet leaves): EADDRNOTAVAIL, its message with the
    # address and no port, and no 'listening'.
    log = []
    for family, address in (('udp4', '1.1.1.1'), ('udp6', '111::1')):
        sock = dgram.createSocket(family)
        sock.on('listening', lambda: log.append('listening'))
        sock.on('error', lambda err, sock=sock: (
            log.append((err.code, str(err), err.address, err.port, err.errno)), sock.close()))
        sock.bind(0, address)
    run_loop()
    assert sorted(log) == [('EADDRNOTAVAIL', 'bind EADDRNOTAVAIL 1.1.1.1', '1.1.1.1', None, -99),
                           ('EADDRNOTAVAIL', 'bind EADDRNOTAVAIL 111::1', '111::1', None, -99)]


def test_dgram_send_address_types(run_loop):
    # test-dgram-send-address-types.js: '', None and no address go to the
    # loopback; an address of another type is ERR_INVALID_ARG_TYPE at once.
    sent = []
    client = dgram.createSocket('udp4')

    def bound():
        port = client.address().port
        for address in ('', None):
            client.send(b'test', port, address, lambda err, size: sent.append((err, size)))
        client.send(b'test', port, lambda err, size: (sent.append((err, size)), client.close()))
        for bad in ([], 0, 1, True, False, {}, object()):
            err = assert_code('ERR_INVALID_ARG_TYPE', lambda: client.send(b'test', port, bad),
                              TypeError)
            assert str(err).startswith('The "address" argument must be of type string.')
    client.bind(0, bound)
    run_loop()
    assert sent == [(None, 4)] * 3


def test_dgram_custom_lookup(run_loop):
    # test-dgram-custom-lookup.js: the lookup given is called (for the
    # bind's any address here), and anything not callable is refused.
    asked = []

    def lookup(host, family, callback):
        asked.append((host, family))
        dns.lookup(host, family, callback)
    sock = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
    sock.bind(lambda: sock.close())
    run_loop()
    assert asked == [('0.0.0.0', 4)]
    for value in (True, False, 0, 1, float('nan'), '', 'foo', {}):
        err = assert_code('ERR_INVALID_ARG_TYPE',
                          lambda: dgram.createSocket({'type': 'udp4', 'lookup': value}), TypeError)
        assert str(err).startswith('The "lookup" argument must be of type function.')


def test_dgram_default_lookup_is_dns_lookup_when_the_socket_is_made(run_loop, monkeypatch):
    # test-dgram-custom-lookup.js's second block: without a lookup option
    # a socket uses dns.lookup as it is when the socket is made (Node's
    # newHandle reads it then), so a program's replacement is called.
    # Under Node 20: a replacement put back before bind() is still the one
    # called; one put in after the socket was made is not.
    shipped = dns.lookup
    asked = []

    def replacement(host, family, callback):
        asked.append((host, family))
        shipped(host, family, callback)
    monkeypatch.setattr(dns, 'lookup', replacement)
    replaced_at_birth = dgram.createSocket('udp4')
    monkeypatch.setattr(dns, 'lookup', shipped)
    shipped_at_birth = dgram.createSocket('udp4')
    monkeypatch.setattr(dns, 'lookup', replacement)
    bound = []
    for sock in (replaced_at_birth, shipped_at_birth):
        sock.bind(0, 'localhost', lambda sock=sock: (bound.append(sock.address().family), sock.close()))
    run_loop()
    assert bound == ['IPv4', 'IPv4']
    assert asked == [('localhost', 4)]


def test_dgram_bind_fd_error(run_loop):
    # test-dgram-bind-fd-error.js: an fd another socket of this loop holds
    # is EEXIST ('open EEXIST') at once; a TCP socket's fd is
    # ERR_INVALID_FD_TYPE, a TypeError.
    holder = dgram.createSocket('udp4')
    raised = []

    def bound():
        other = dgram.createSocket('udp4')
        err = assert_code('EEXIST', lambda: other.bind({'fd': holder._handle.fileno()}))
        raised.append((str(err), err.errno))
        other.close()
        holder.close()
    holder.bind(0, '127.0.0.1', bound)
    run_loop()
    assert raised == [('open EEXIST', -17)]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        tcp.bind(('127.0.0.1', 0))
        tcp.listen()
        err = assert_code('ERR_INVALID_FD_TYPE',
                          lambda: dgram.createSocket('udp4').bind({'fd': tcp.fileno()}), TypeError)
        assert str(err) == 'Unsupported fd type: TCP'


def test_dgram_close_is_not_callback(run_loop):
    # test-dgram-close-is-not-callback.js: a close() argument that is no
    # function is ignored; 'close' still comes.
    log = []
    sock = dgram.createSocket('udp4')
    getter = dgram.createSocket('udp4')

    def bound():
        sock.send(b'*' * 1024, 0, 1024, getter.address().port, getter.address().address)
        sock.close('bad argument')
        getter.close()
        sock.on('close', lambda: log.append('close'))
    getter.bind(0, '127.0.0.1', bound)
    run_loop()
    assert log == ['close']


def test_dgram_bind_socket_close_before_lookup(run_loop):
    # test-dgram-bind-socket-close-before-lookup.js: the bind's lookup fails
    # after close(): no 'error'.
    log = []

    def lookup(address, family, callback):
        net.setTimeout(lambda: callback(Exception('an error')), 50)
    sock = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
    sock.on('error', lambda err: log.append(err))
    sock.on('close', lambda: log.append('close'))
    sock.bind(12345, 'localhost')
    sock.close()
    run_loop()
    assert log == ['close']


def test_dgram_udp4(run_loop):
    # test-dgram-udp4.js: an echo through 'localhost', both rinfos the
    # loopback's, and both sockets closed.
    log = []
    server = dgram.createSocket('udp4')
    server.on('message', lambda msg, rinfo: (log.append(('server', msg, rinfo.address)),
                                             server.send(msg, 0, len(msg), rinfo.port,
                                                         rinfo.address)))
    server.on('close', lambda: log.append('server close'))

    def listening():
        client = dgram.createSocket('udp4')
        port = server.address().port

        def answered(msg, rinfo):
            log.append(('client', msg, rinfo.address, rinfo.port == port))
            client.close()
            server.close()
        client.on('message', answered)
        client.on('close', lambda: log.append('client close'))
        client.send('A message to send', 0, 17, port, 'localhost')
    server.on('listening', listening)
    server.bind(0)
    run_loop()
    assert log == [('server', b'A message to send', '127.0.0.1'),
                   ('client', b'A message to send', '127.0.0.1', True),
                   'client close', 'server close']


def test_dgram_ref(run_loop):
    # test-dgram-ref.js: sockets never bound keep nothing running, and a
    # closed socket may be ref()'d.
    dgram.createSocket('udp4')
    dgram.createSocket('udp6')
    log = []
    sock = dgram.createSocket('udp4')
    sock.close(lambda: (sock.ref(), log.append('closed')))
    run_loop()
    assert log == ['closed']


def test_dgram_unref(run_loop):
    # test-dgram-unref.js: a bound, unref'd socket does not hold the loop.
    log = []
    sock = dgram.createSocket('udp4')
    sock.bind()
    sock.unref()
    timer = net.setTimeout(lambda: (log.append('timer'), sock.close()), 1000)
    timer.unref()
    run_loop()
    assert log == []
    sock.close()


def test_dgram_regress_4496():
    # test-dgram-regress-4496.js: a msg of the wrong type throws, with no
    # crash.
    sock = dgram.createSocket('udp4')
    assert_code('ERR_INVALID_ARG_TYPE', lambda: sock.send(True, 0, 1, 1, 'host'), TypeError)
    sock.close()


def test_dgram_udp6_send_default_host(run_loop):
    # test-dgram-udp6-send-default-host.js: a udp6 socket sending to its own
    # port with no address reaches itself through ::1, in each form (with
    # offset and length, plain, a list), from bytes and from the other
    # buffer types (Node's ArrayBufferViews: bytearray and memoryview here).
    to_send = [b'x' * 256, b'y' * 256, b'z' * 256, 'hello']
    received = []
    sent = [0]
    client = dgram.createSocket('udp6')

    def listening():
        port = client.address().port
        client.send(to_send[0], 0, len(to_send[0]), port)
        client.send(to_send[1], port)
        client.send([to_send[2]], port)
        client.send(to_send[3], 0, len(to_send[3]), port)
        sent[0] = 256 * 3 + 5
        for view in (bytearray, memoryview):
            client.send(view(to_send[0]), 0, 256, port)
            client.send(view(to_send[1]), port)
            client.send([view(to_send[2])], port)
            sent[0] += 256 * 3

    def on_message(msg, rinfo):
        received.append((msg, rinfo.address))
        if sum(len(m) for m, _ in received) == sent[0]:
            client.close()
    client.on('listening', listening)
    client.on('message', on_message)
    client.bind(0)
    run_loop()
    assert sorted(received) == sorted(
        [(b'x' * 256, '::1'), (b'y' * 256, '::1'), (b'z' * 256, '::1')] * 3
        + [(b'hello', '::1')])


def test_dgram_close(run_loop):
    # test-dgram-close.js: close() with a send not yet gone returns the
    # socket; its callback and 'close' both run, and nothing raises after.
    log = []
    sock = dgram.createSocket('udp4')
    getter = dgram.createSocket('udp4')

    def bound():
        sock.send(b'*' * 1024, 0, 1024, getter.address().port, getter.address().address)
        log.append(sock.close(lambda: log.append('callback')) is sock)
        sock.on('close', lambda: log.append('close'))
        net.setImmediate(lambda: net.setImmediate(lambda: log.append(sock.getSendQueueCount())))
        getter.close()
    getter.bind(0, 'localhost', bound)
    run_loop()
    assert log == [True, 'callback', 'close', 0]


def test_dgram_empty_packet(run_loop):
    # test-dgram-empty-packet.js: a zero-length slice sent to the socket's
    # own port arrives, and its callback runs: two calls, no more.
    log = []
    client = dgram.createSocket('udp4')

    def counted(what):
        log.append(what)
        if len(log) == 2:
            client.close()
    client.on('message', lambda msg, rinfo: counted(('message', msg)))
    client.bind(0, lambda: client.send(b'\0', 0, 0, client.address().port, '127.0.0.1',
                                       lambda err, size: counted(('sent', err, size))))
    run_loop()
    assert sorted(log, key=str) == [('message', b''), ('sent', None, 0)]
