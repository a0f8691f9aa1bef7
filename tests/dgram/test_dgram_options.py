"""A bound socket's options (test-dgram-setTTL.js,
test-dgram-multicast-setTTL.js, test-dgram-multicast-loopback.js,
test-dgram-multicast-set-interface.js, test-dgram-membership.js,
test-dgram-setBroadcast.js, test-dgram-socket-buffer-size.js,
test-dgram-close-signal.js, test-dgram-abort-closed.js; each answer pinned under /usr/bin/node 20 on this kind of machine)."""
import pytest

import pyuvnet as net
from pyuvnet import dgram
from support import assert_code


def _bound(run_loop, scenario):
    """``scenario(sock)`` once a udp4 socket is bound; its result."""
    sock = dgram.createSocket('udp4')
    results = []
    sock.bind(0, lambda: (results.append(scenario(sock)), sock.close()))
    run_loop()
    return results[0]


def _answer(call):
    try:
        return ('ok', call())
    except Exception as err:
        return (getattr(err, 'code', None), str(err))


def test_ttls_return_what_was_set_and_refuse_what_is_out_of_range(run_loop):
    answers = _bound(run_loop, lambda s: [_answer(call) for call in (
        lambda: s.setTTL(16), lambda: s.setTTL(0), lambda: s.setTTL(256),
        lambda: s.setMulticastTTL(16), lambda: s.setMulticastTTL(256))])
    assert answers == [('ok', 16), ('EINVAL', 'setTTL EINVAL'), ('EINVAL', 'setTTL EINVAL'),
                       ('ok', 16), ('EINVAL', 'setMulticastTTL EINVAL')]


def test_broadcast_and_multicast_loopback(run_loop):
    answers = _bound(run_loop, lambda s: [_answer(call) for call in (
        lambda: s.setBroadcast(True), lambda: s.setMulticastLoopback(True),
        lambda: s.setMulticastLoopback(0))])
    assert answers == [('ok', None), ('ok', True), ('ok', 0)]


def test_multicast_interface(run_loop):
    answers = _bound(run_loop, lambda s: [_answer(call) for call in (
        lambda: s.setMulticastInterface('0.0.0.0'), lambda: s.setMulticastInterface('x'))])
    assert answers == [('ok', None), ('EINVAL', 'setMulticastInterface EINVAL')]


def test_membership_join_drop_and_their_errors(run_loop):
    answers = _bound(run_loop, lambda s: [_answer(call) for call in (
        lambda: s.addMembership('224.0.0.114'), lambda: s.addMembership('224.0.0.114'),
        lambda: s.dropMembership('224.0.0.114'), lambda: s.dropMembership('224.0.0.114'),
        lambda: s.addMembership('256.0.0.1'))])
    if answers[0][0] == 'ENODEV':
        pytest.skip('no multicast route on this machine')
    assert answers == [('ok', None), ('EADDRINUSE', 'addMembership EADDRINUSE'), ('ok', None),
                       ('EADDRNOTAVAIL', 'dropMembership EADDRNOTAVAIL'),
                       ('EINVAL', 'addMembership EINVAL')]


def test_source_specific_membership(run_loop):
    answers = _bound(run_loop, lambda s: [_answer(call) for call in (
        lambda: s.addSourceSpecificMembership('10.0.0.1', '232.1.1.1'),
        lambda: s.dropSourceSpecificMembership('10.0.0.1', '232.1.1.1'))])
    if answers[0][0] == 'ENODEV':
        pytest.skip('no multicast route on this machine')
    assert answers == [('ok', None), ('ok', None)]


def test_buffer_sizes_are_set_and_read_back_doubled_by_linux(run_loop):
    def scenario(s):
        s.setRecvBufferSize(10000)
        s.setSendBufferSize(10000)
        return s.getRecvBufferSize(), s.getSendBufferSize()
    assert _bound(run_loop, scenario) == (20000, 20000)


def test_a_buffer_size_over_a_c_int_is_einval(run_loop):
    def scenario(s):
        return [str(assert_code('ERR_SOCKET_BUFFER_SIZE', lambda: s.setRecvBufferSize(2 ** 31))),
                str(assert_code('ERR_SOCKET_BUFFER_SIZE', lambda: s.setSendBufferSize(2 ** 31)))]
    assert _bound(run_loop, scenario) == [
        'Could not get or set buffer size: uv_recv_buffer_size returned EINVAL (invalid argument)',
        'Could not get or set buffer size: uv_send_buffer_size returned EINVAL (invalid argument)']


def test_buffer_size_options_are_set_at_the_bind(run_loop):
    sock = dgram.createSocket({'type': 'udp4', 'recvBufferSize': 10000,
                               'sendBufferSize': 12000})
    seen = []
    sock.bind(0, lambda: (seen.append((sock.getRecvBufferSize(), sock.getSendBufferSize())),
                          sock.close()))
    run_loop()
    assert seen == [(20000, 24000)]


def test_an_abort_signal_closes_the_socket(run_loop):
    controller = net.AbortController()
    sock = dgram.createSocket({'type': 'udp4', 'signal': controller.signal})
    log = []
    sock.on('close', lambda: log.append('close'))
    sock.bind(0, lambda: (log.append('listening'), controller.abort(), log.append('aborted')))
    run_loop()
    assert log == ['listening', 'aborted', 'close']


def test_a_signal_aborted_before_makes_a_closed_socket(run_loop):
    sock = dgram.createSocket({'type': 'udp4', 'signal': net.AbortSignal.abort()})
    assert_code('ERR_SOCKET_DGRAM_NOT_RUNNING', lambda: sock.bind(0))
    run_loop()
