"""bind() and connect() in Node's forms and orders (test-dgram-bind.js,
test-dgram-bind-default-address.js, test-dgram-bind-error-repeat.js,
test-dgram-bind-fd.js, test-dgram-close-during-bind.js,
test-dgram-close-in-listening.js, test-dgram-listen-after-bind.js,
test-dgram-connect.js, test-dgram-connect-send-callback-buffer.js,
test-dgram-connect-send-callback-buffer-length.js,
test-dgram-connect-send-callback-multi-buffer.js,
test-dgram-connect-send-default-host.js, test-dgram-connect-send-empty-array.js,
test-dgram-connect-send-empty-buffer.js, test-dgram-connect-send-empty-packet.js,
test-dgram-connect-send-multi-buffer-copy.js,
test-dgram-connect-send-multi-string-array.js; test-dgram-ipv6only.js,
test-dgram-address.js; orders pinned under /usr/bin/node 20)."""
import errno
import socket

import pytest

import pyuvnet as net
from pyuvnet import dgram
from dgram_support import receiver
from support import ipv6_loopback_available

needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_available(), reason='no IPv6 loopback here')


def test_listening_comes_before_a_tick_queued_after_bind(run_loop):
    log = []
    sock = dgram.createSocket('udp4')
    sock.on('listening', lambda: log.append('listening 1'))
    sock.bind(0, '127.0.0.1', lambda: log.append('bind cb'))
    sock.on('listening', lambda: log.append('listening 2'))
    net.nextTick(lambda: (log.append('tick'), sock.close()))
    run_loop()
    assert log == ['listening 1', 'bind cb', 'listening 2', 'tick']


@pytest.mark.parametrize('args, kwargs, address', [
    ((), {}, '0.0.0.0'),
    ((0,), {}, '0.0.0.0'),
    ((0, '127.0.0.1'), {}, '127.0.0.1'),
    (({'port': 0, 'address': '127.0.0.1'},), {}, '127.0.0.1'),
    ((), {'port': 0, 'address': '127.0.0.1', 'exclusive': True}, '127.0.0.1'),
])
def test_bind_forms(run_loop, args, kwargs, address):
    sock = dgram.createSocket('udp4')
    seen = []
    sock.bind(*args, lambda: (seen.append(dict(sock.address())), sock.close()), **kwargs)
    run_loop()
    assert seen[0]['address'] == address and seen[0]['family'] == 'IPv4'
    assert 0 < seen[0]['port'] < 65536


@needs_ipv6
def test_udp6_binds_to_every_interface_by_default(run_loop):
    sock = dgram.createSocket('udp6')
    seen = []
    sock.bind(lambda: (seen.append(dict(sock.address())), sock.close()))
    run_loop()
    assert seen[0]['address'] == '::' and seen[0]['family'] == 'IPv6'


@needs_ipv6
def test_udp6_datagrams_have_ipv6_rinfo(run_loop):
    got = []
    server = receiver(got, count=1, family='udp6', host='::1')

    def start():
        client = dgram.createSocket('udp6')
        client.send(b'six', server.address().port, '::1', lambda *a: client.close())
    server.on('listening', start)
    run_loop()
    assert got[0][1]['address'] == '::1' and got[0][1]['family'] == 'IPv6'


def test_bind_error_is_emitted_and_a_second_bind_may_follow(run_loop):
    holder = dgram.createSocket('udp4')
    log = []

    def held():
        port = holder.address().port
        sock = dgram.createSocket('udp4')

        def on_error(err):
            log.append((err.code, str(err), err.syscall, err.address, err.port, err.errno))
            sock.bind(0, '127.0.0.1', lambda: (log.append('listening again'), sock.close(),
                                               holder.close()))
        sock.on('error', on_error)
        sock.bind({'port': port, 'address': '127.0.0.1', 'exclusive': True},
                  lambda: log.append('callback must not run'))
        log.append(port)
    holder.bind(0, '127.0.0.1', held)
    run_loop()
    port = log[0]
    assert log[1:] == [('EADDRINUSE', 'bind EADDRINUSE 127.0.0.1:%d' % port, 'bind',
                        '127.0.0.1', port, -errno.EADDRINUSE), 'listening again']


def test_reuse_addr_lets_two_sockets_share_a_port(run_loop):
    first = dgram.createSocket({'type': 'udp4', 'reuseAddr': True})
    seen = []

    def second_bound():
        seen.append(second.address().port)
        first.close()
        second.close()

    def first_bound():
        seen.append(first.address().port)
        second.bind(seen[0], '127.0.0.1', second_bound)
    second = dgram.createSocket({'type': 'udp4', 'reuseAddr': True})
    first.bind(0, '127.0.0.1', first_bound)
    run_loop()
    assert seen[0] == seen[1]


def test_close_before_the_bind_completes_has_no_listening(run_loop):
    log = []
    sock = dgram.createSocket('udp4')
    sock.on('listening', lambda: log.append('listening'))
    sock.on('close', lambda: log.append('close'))
    sock.bind(0)
    sock.close(lambda: log.append('close cb'))
    log.append('sync')
    run_loop()
    assert log == ['sync', 'close', 'close cb']


def test_close_after_a_send_before_bind_waits_for_the_bind(run_loop):
    log = []
    sock = dgram.createSocket('udp4')
    sock.on('listening', lambda: log.append('listening'))
    sock.send(b'x', 9, '127.0.0.1', lambda *a: log.append('sent'))
    sock.close(lambda: log.append('close'))
    run_loop()
    # The queued close runs at 'listening', before the send's lookup tick.
    assert log == ['listening', 'close']


def test_close_in_listening(run_loop):
    sock = dgram.createSocket('udp4')
    log = []
    sock.on('listening', lambda: sock.close(lambda: log.append('closed')))
    sock.bind(0)
    run_loop()
    assert log == ['closed']


def test_bind_fd_adopts_a_bound_udp_socket(run_loop):
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.bind(('127.0.0.1', 0))
    port = raw.getsockname()[1]
    sock = dgram.createSocket('udp4')
    got = []
    sock.on('message', lambda msg, rinfo: (got.append(msg), sock.close()))
    sock.bind({'fd': raw.detach()})
    assert sock.address().port == port
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.sendto(b'via fd', ('127.0.0.1', port))
    sender.close()
    run_loop()
    assert got == [b'via fd']


def test_connect_sequence_and_its_errors(run_loop):
    log = []
    server = receiver([], count=1)

    def start():
        port = server.address().port
        client = dgram.createSocket('udp4')
        client.on('listening', lambda: log.append('listening'))

        def connected():
            log.append('connect')
            log.append(dict(client.remoteAddress()))
            try:
                client.connect(port)
            except Exception as err:
                log.append(('connect again', err.code))
            # Connected, Node reads (msg, port, address) as (msg, offset,
            # length): the datagram goes to the peer, nothing is raised.
            client.send(b'x', port, '127.0.0.1')

            def sent(err, n):
                log.append(('sent', err, n))
                client.disconnect()
                try:
                    client.remoteAddress()
                except Exception as exc:
                    log.append(('remote after disconnect', exc.code))
                client.close()
            client.send(b'hi', sent)
        client.on('connect', connected)
        client.connect(port, lambda: log.append('connect cb'))
        log.append('sync')
    server.on('listening', start)
    run_loop()
    port = log[3]['port']
    assert log == ['sync', 'listening', 'connect',
                   {'address': '127.0.0.1', 'family': 'IPv4', 'port': port},
                   ('connect again', 'ERR_SOCKET_DGRAM_IS_CONNECTED'),
                   'connect cb',
                   ('sent', None, 2), ('remote after disconnect', 'ERR_SOCKET_DGRAM_NOT_CONNECTED')]


def test_connected_send_forms(run_loop):
    got = []
    server = receiver(got, count=4)

    def start():
        client = dgram.createSocket('udp4')

        def connected():
            client.send(b'one')
            client.send([b't', 'wo'])
            client.send(b'xthreex', 1, 5)
            client.send(b'xfourx', 1, 4, lambda err, n: client.close())
        client.connect(server.address().port, '127.0.0.1', connected)
    server.on('listening', start)
    run_loop()
    assert sorted(m for m, _ in got) == [b'four', b'one', b'three', b'two']


def test_a_failed_connect_lookup_goes_to_the_callback(run_loop):
    def lookup(host, family, callback):
        if host == '0.0.0.0':
            callback(None, '0.0.0.0', 4)
        else:
            err = RuntimeError('no such host')
            err.code = 'ENOTFOUND'
            callback(err)
    sock = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
    log = []
    sock.on('connect', lambda: log.append('connect event'))
    sock.connect(9, 'host.invalid', lambda err=None: (log.append(err.code), sock.close()))
    run_loop()
    assert log == ['ENOTFOUND']
    assert sock._connect_state == 0


def test_a_bind_lookup_failing_after_close_emits_nothing_more(run_loop):
    # Node 20: the socket closed while its bind's lookup ran; the lookup's
    # error is dropped (log: ['close'] alone).
    def lookup(host, family, callback):
        net.setTimeout(lambda: callback(RuntimeError('nope')), 10)
    sock = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
    log = []
    sock.on('error', lambda err: log.append('error'))
    sock.on('close', lambda: log.append('close'))
    sock.bind(0, 'x.test')
    sock.close()
    run_loop()
    assert log == ['close']


def test_unref_lets_run_return(run_loop):
    sock = dgram.createSocket('udp4')
    sock.bind(0)
    sock.unref()
    run_loop(timeout=2)
    sock.ref()
    sock.close()
    run_loop()
