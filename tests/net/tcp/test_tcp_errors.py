"""System errors on TCP sockets, with Node's fields and messages:
ECONNREFUSED, ECONNRESET from resetAndDestroy(), and the class hierarchy
of the errors pyuvnet raises."""
import errno

import pytest

import pyuvnet as net
from support import needs_ipv6, refused_port
from pyuvnet import errors


# -- ECONNREFUSED --------------------------------------------------------------

def test_connect_to_a_closed_port_is_econnrefused_with_nodes_fields(run_loop):
    port = refused_port()
    log = []
    client = net.connect(port, '127.0.0.1')
    client.on('connect', lambda: log.append('connect'))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert [e if isinstance(e, str) else e[0] for e in log] == ['error', 'close']
    err = log[0][1]
    assert isinstance(err, ConnectionRefusedError)
    assert isinstance(err, OSError)
    assert isinstance(err, net.NodeError)
    assert err.code == 'ECONNREFUSED'
    assert err.errno == errno.ECONNREFUSED
    assert err.syscall == 'connect'
    assert err.address == '127.0.0.1'
    assert err.port == port
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:%d' % port
    assert log[1] == ('close', True)
    assert client.destroyed is True
    assert client.connecting is False


@needs_ipv6
def test_econnrefused_on_ipv6_loopback_message(run_loop):
    port = refused_port('::1')
    errs = []
    client = net.connect(port, '::1')
    client.on('error', errs.append)
    run_loop()
    assert errs[0].code == 'ECONNREFUSED'
    assert errs[0].address == '::1'
    assert str(errs[0]) == 'connect ECONNREFUSED ::1:%d' % port


def test_econnrefused_with_local_address_alone_does_not_name_the_local_end(run_loop):
    # node v20: only localAddress *and* localPort add " - Local (a:p)".
    port = refused_port()
    errs = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'localAddress': '127.0.0.1'})
    client.on('error', errs.append)
    run_loop()
    err = errs[0]
    assert err.code == 'ECONNREFUSED'
    assert str(err) == 'connect ECONNREFUSED 127.0.0.1:%d' % port
    assert getattr(err, 'localAddress', None) is None


def test_econnrefused_connect_callback_is_not_called(run_loop):
    port = refused_port()
    called = []
    client = net.connect(port, '127.0.0.1', lambda: called.append(True))
    client.on('error', lambda e: None)
    run_loop()
    assert called == []


def test_econnrefused_via_localhost_reports_the_address_tried(run_loop):
    port = refused_port()
    errs = []
    lookups = []
    client = net.connect(port, 'localhost')
    client.on('lookup', lambda *a: lookups.append(a))
    client.on('error', errs.append)
    run_loop()
    assert len(lookups) == 1
    err = errs[0]
    # With several addresses Node may report an AggregateError whose code is
    # the first attempt's; either way the code is ECONNREFUSED.
    assert err.code == 'ECONNREFUSED'


# -- ECONNRESET via resetAndDestroy ------------------------------------------------

def test_reset_and_destroy_gives_the_peer_econnreset(listening_server, run_loop):
    server_log = []

    def on_connection(sock):
        def on_data(chunk):
            server_log.append(('reset returns socket', sock.resetAndDestroy() is sock))
        sock.on('data', on_data)
        sock.on('error', lambda e: server_log.append(('error', e)))
        sock.on('close', lambda had_error: (server_log.append(('close', had_error)), server.close()))

    server, port = listening_server(on_connection)
    log = []
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'reset me'))
    client.on('data', lambda d: log.append(('data', d)))
    client.on('end', lambda: log.append('end'))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert server_log == [('reset returns socket', True), ('close', False)]
    assert [e if isinstance(e, str) else e[0] for e in log] == ['error', 'close']
    err = log[0][1]
    assert isinstance(err, ConnectionResetError)
    assert err.code == 'ECONNRESET'
    assert err.errno == errno.ECONNRESET
    assert err.syscall == 'read'
    assert str(err) == 'read ECONNRESET'
    assert log[1] == ('close', True)


def test_reset_and_destroy_while_connecting_resets_once_connected(listening_server, run_loop):
    server_log = []

    def on_connection(sock):
        sock.resume()
        sock.on('error', lambda e: server_log.append(('error', e.code)))
        sock.on('end', lambda: server_log.append('end'))
        sock.on('close', lambda had_error: (server_log.append(('close', had_error)), server.close()))

    server, port = listening_server(on_connection)
    log = []
    client = net.connect(port, '127.0.0.1')
    client.on('connect', lambda: log.append('connect'))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    assert client.resetAndDestroy() is client
    run_loop()
    assert log == ['connect', ('close', False)]
    # The server saw a reset, never a clean FIN.
    assert 'end' not in server_log
    assert server_log[-1][0] == 'close'


def test_reset_and_destroy_discards_pending_writes(listening_server, run_loop):
    received = []
    server_log = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('error', lambda e: server_log.append(e.code))
        sock.on('close', lambda _: server.close())
        net.setTimeout(sock.resume, 100)

    server, port = listening_server(on_connection, pauseOnConnect=True)
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        client.write(b'\0' * (8 << 20))
        net.setTimeout(client.resetAndDestroy, 30)
    client.on('connect', on_connect)
    closes = []
    client.on('close', closes.append)
    run_loop(timeout=20)
    assert closes == [False]
    assert len(b''.join(received)) < 8 << 20


def test_reset_and_destroy_twice_is_harmless(listening_server, run_loop):
    def on_connection(sock):
        sock.on('error', lambda e: None)
        sock.resume()
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection)
    closes = []
    client = net.connect(port, '127.0.0.1', lambda: (client.resetAndDestroy(), client.resetAndDestroy()))
    client.on('close', closes.append)
    run_loop()
    assert closes == [False]


# -- error classes -----------------------------------------------------------------

@pytest.mark.parametrize('name, base', [
    ('ERR_INVALID_ARG_TYPE', TypeError),
    ('ERR_MISSING_ARGS', TypeError),
    ('ERR_INVALID_ARG_VALUE', TypeError),
    ('ERR_INVALID_ARG_VALUE', ValueError),
    ('ERR_SOCKET_BAD_PORT', ValueError),
    ('ERR_OUT_OF_RANGE', ValueError),
    ('ERR_INVALID_IP_ADDRESS', ValueError),
    ('ERR_SERVER_ALREADY_LISTEN', RuntimeError),
    ('ERR_SERVER_NOT_RUNNING', RuntimeError),
    ('ERR_SOCKET_CLOSED', RuntimeError),
    ('ERR_STREAM_DESTROYED', RuntimeError),
    ('ERR_STREAM_WRITE_AFTER_END', RuntimeError),
])
def test_node_error_classes_derive_from_the_fitting_builtin(name, base):
    cls = getattr(errors, name)
    assert issubclass(cls, base)
    assert issubclass(cls, net.NodeError)
    assert cls.code == name


def test_econnreset_on_write_to_a_reset_peer_reaches_write_callback(listening_server, run_loop):
    def on_connection(sock):
        sock.resetAndDestroy()
        net.setTimeout(server.close, 0)

    server, port = listening_server(on_connection)
    log = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        # Keep writing until the reset is noticed.
        def again():
            if client.destroyed:
                return
            client.write(b'x' * 65536, lambda err=None: err is not None and log.append(('cb', err)))
            net.setTimeout(again, 5)
        again()
    client.on('connect', on_connect)
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    errs = [e for k, e in log if k == 'error']
    assert len(errs) == 1
    assert errs[0].code in ('ECONNRESET', 'EPIPE')
    assert log[-1] == ('close', True)
