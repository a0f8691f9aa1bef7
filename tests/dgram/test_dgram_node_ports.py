"""Node's own dgram tests (test/parallel/test-dgram-*.js), ported: each
test names its Node file; the expectations were run under /usr/bin/node 20."""
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
