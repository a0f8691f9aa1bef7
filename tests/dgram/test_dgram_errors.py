"""dgram's system errors as Node 20's (each pinned under /usr/bin/node on
the same program): ``errno`` is libuv's negative code on every path, an
address of the other family is EINVAL, and an 'error' listener may close
the socket whose bind failed."""
import errno

import pytest

from pyuvnet import dgram
from support import assert_code


def test_an_error_listener_closing_the_socket_ends_a_bind_with_a_callback_quietly(run_loop):
    # Node: 'error' (EADDRINUSE, errno -98), then 'close'; the bind
    # callback's own clean-up does not run a second time.
    holder = dgram.createSocket('udp4')
    log = []

    def held():
        sock = dgram.createSocket('udp4')

        def on_error(err):
            log.append((err.code, err.errno, err.syscall))
            sock.close()
        sock.on('error', on_error)
        sock.on('close', lambda: (log.append('close'), holder.close()))
        sock.bind(holder.address().port, '127.0.0.1', lambda: log.append('bound'))
    holder.bind(0, '127.0.0.1', held)
    run_loop()
    assert log == [('EADDRINUSE', -errno.EADDRINUSE, 'bind'), 'close']


def test_errno_is_the_negative_libuv_code_on_every_path(run_loop):
    sock = dgram.createSocket('udp4')
    caught = [assert_code('EBADF', lambda: sock.setTTL(3)), assert_code('EBADF', sock.address)]
    sent = []

    def bound():
        caught.append(assert_code('EINVAL', lambda: sock.setTTL(1000)))
        caught.append(assert_code('EINVAL', lambda: sock.addMembership('1.2.3.4')))
        caught.append(assert_code('EADDRNOTAVAIL',
                                  lambda: sock.setMulticastInterface('1.2.3.4')))
        # Too big a datagram, by the C path and the Python path (a list).
        sock.send(b'\0' * 70000, 5, '127.0.0.1', lambda err, *_: sent.append(err))
        sock.send([b'\0' * 70000], 5, '127.0.0.1',
                  lambda err, *_: (sent.append(err), sock.close()))
    sock.bind(0, '127.0.0.1', bound)
    run_loop()
    assert [(e.code, e.errno, str(e)) for e in caught] == [
        ('EBADF', -9, 'setTTL EBADF'), ('EBADF', -9, 'getsockname EBADF'),
        ('EINVAL', -22, 'setTTL EINVAL'), ('EINVAL', -22, 'addMembership EINVAL'),
        ('EADDRNOTAVAIL', -99, 'setMulticastInterface EADDRNOTAVAIL')]
    assert [(e.code, e.errno, str(e)) for e in sent] == [
        ('EMSGSIZE', -90, 'send EMSGSIZE 127.0.0.1:5')] * 2


@pytest.mark.parametrize('family, address', [('udp4', '::1'), ('udp4', '::ffff:127.0.0.1'),
                                             ('udp6', '127.0.0.1')])
def test_an_address_of_the_other_family_is_einval(run_loop, family, address):
    log = []
    sender = dgram.createSocket(family)
    sender.send(b'x', 5000, address, lambda err, *_: (log.append(('send', err)), sender.close()))
    connecter = dgram.createSocket(family)
    connecter.connect(5000, address, lambda err=None: (log.append(('connect', err)),
                                                       connecter.close()))
    binder = dgram.createSocket(family)
    binder.on('error', lambda err: (log.append(('bind', err)), binder.close()))
    binder.bind(0, address)
    run_loop()
    assert sorted((what, e.code, e.errno, str(e), e.address, e.port) for what, e in log) == [
        ('bind', 'EINVAL', -22, 'bind EINVAL ' + address, address, None),
        ('connect', 'EINVAL', -22, 'connect EINVAL %s:5000' % address, address, 5000),
        ('send', 'EINVAL', -22, 'send EINVAL %s:5000' % address, address, 5000)]


def test_membership_before_bind_binds_the_socket_as_libuv_does(run_loop):
    # Node: the membership calls bind the socket to the any address (no
    # 'listening'), the options work after, and a later bind() is EINVAL.
    sock = dgram.createSocket('udp4')
    log = []
    sock.on('listening', lambda: log.append('listening'))
    sock.on('error', lambda err: (log.append((err.code, err.errno, str(err))), sock.close()))
    sock.addMembership('224.0.0.114')
    address = sock.address()
    sock.addSourceSpecificMembership('127.0.0.1', '232.1.1.1')
    sock.dropMembership('224.0.0.114')
    assert sock.setTTL(5) == 5
    sock.bind(0)
    run_loop()
    assert (address.address, address.family, address.port > 0) == ('0.0.0.0', 'IPv4', True)
    assert log == [('EINVAL', -22, 'bind EINVAL 0.0.0.0')]


def test_membership_before_bind_of_a_udp6_socket_binds_it_to_any(run_loop):
    sock = dgram.createSocket('udp6')
    sock.addMembership('ff02::114')
    address = sock.address()
    sock.close()
    run_loop()
    assert (address.address, address.family) == ('::', 'IPv6')
