"""What write() takes and calls back: Node's chunk types and encodings,
the bad arguments it refuses at once (with Node's codes), an empty write,
and the write callback (after the data left, None on success, the error
of a write after end(), after destroy(), on a socket never connected or
destroyed before connecting)."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from tcp_write_support import connect, sink_server


# -- data types and encodings ------------------------------------------------------

@pytest.mark.parametrize('args, expected', [
    (('héllo',), 'héllo'.encode('utf-8')),
    (('héllo', 'utf8'), 'héllo'.encode('utf-8')),
    (('héllo', 'utf-8'), 'héllo'.encode('utf-8')),
    (('héllo', 'latin1'), 'héllo'.encode('latin-1')),
    (('héllo', 'binary'), 'héllo'.encode('latin-1')),
    (('hello', 'ascii'), b'hello'),
    (('deadBEEF', 'hex'), b'\xde\xad\xbe\xef'),
    (('aGVsbG8=', 'base64'), b'hello'),
    (('-_8', 'base64url'), b'\xfb\xff'),
    (('hé', 'utf16le'), 'hé'.encode('utf-16-le')),
    (('hé', 'ucs2'), 'hé'.encode('utf-16-le')),
    ((b'raw',), b'raw'),
    ((bytearray(b'ba'),), b'ba'),
    ((memoryview(b'mv'),), b'mv'),
])
def test_write_accepts_node_chunk_types_and_encodings(listening_server, run_loop, args, expected):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    client.on('connect', lambda: (client.write(*args), client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == expected


@pytest.mark.parametrize('args, code, builtin', [
    ((123,), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((1.5,), 'ERR_INVALID_ARG_TYPE', TypeError),
    (({'a': 1},), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((['x'],), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((object(),), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((None,), 'ERR_STREAM_NULL_VALUES', TypeError),
    (('x', 'no-such-encoding'), 'ERR_UNKNOWN_ENCODING', LookupError),
], ids=['int', 'float', 'dict', 'list', 'object', 'None', 'unknown-encoding'])
def test_bad_write_arguments_raise_at_once_with_nodes_code(listening_server, run_loop,
                                                           args, code, builtin):
    server, port = listening_server()
    client = connect(port)
    with pytest.raises(net.NodeError) as info:
        client.write(*args)
    assert info.value.code == code
    assert isinstance(info.value, builtin)
    client.destroy()
    server.close()
    run_loop()


def test_empty_write_is_fine_and_calls_back(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    got = []
    client = connect(port)
    client.on('connect', lambda: (client.write(b'', lambda *a: got.append('cb')),
                                  client.write(''), client.end(b'!')))
    client.on('close', lambda _: server.close())
    run_loop()
    assert got == ['cb']
    assert b''.join(received) == b'!'


# -- write callbacks ------------------------------------------------------------------

def test_write_callback_runs_after_the_data_left_the_buffer(listening_server, run_loop):
    size = 16 << 20
    state = {}

    def on_connection(sock):
        state['server'] = sock
        sock.on('data', lambda d: None)

    server, port = listening_server(on_connection, pauseOnConnect=True)
    client = connect(port)

    def on_write_done(*args):
        state['cb_args'] = args
        state['writableLength_at_cb'] = client.writableLength
        state['server_read_at_cb'] = state['server'].bytesRead
        client.end()

    def check_then_let_the_reader_read():
        if 'server' not in state:       # not accepted yet: a loaded machine
            net.setTimeout(check_then_let_the_reader_read, 10)
            return
        state.setdefault('called_at_100ms', 'cb_args' in state)
        state['server'].resume()

    def on_connect():
        client.write(b'\1' * size, on_write_done)
        net.setTimeout(check_then_let_the_reader_read, 100)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    # Nothing read the 16 MiB before the check: they cannot have left.
    assert state['called_at_100ms'] is False
    assert state['cb_args'] in ((), (None,))
    assert state['writableLength_at_cb'] == 0
    assert state['server_read_at_cb'] > 0


def test_callbacks_of_successive_turns_each_run_once_in_order(listening_server, run_loop):
    """Writes with and without callbacks over several loop turns, some
    made from a callback while the turn's callbacks are being called: each
    callback runs once, in the writes' order, and every byte arrives in
    order (the stream reuses a turn's emptied callback list for the next)."""
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    order = []

    def turn(n):
        if n == 4:
            client.end()
            return
        client.write(b'a%d' % n)
        client.write(b'b%d' % n, lambda err: (
            order.append(('b', n, err)), client.write(b'c%d' % n, lambda err: (
                order.append(('c', n, err)), net.setImmediate(turn, n + 1)))))
        client.write(b'd%d' % n)
    client.on('connect', lambda: turn(0))
    client.on('close', lambda _: server.close())
    run_loop()
    assert order == [(kind, n, None) for n in range(4) for kind in 'bc']
    assert b''.join(received) == b''.join(b'a%db%dd%dc%d' % (n, n, n, n) for n in range(4))


def test_write_callback_argument_is_none_on_success(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    got = []
    client = connect(port)
    client.on('connect', lambda: client.write('ok', 'utf8', lambda *a: (got.append(a), client.end())))
    client.on('close', lambda _: server.close())
    run_loop()
    assert got in ([(None,)], [()])


def test_write_after_end_errors_through_callback_and_error_event(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    log = []
    client = connect(port)

    def on_connect():
        client.end(b'last')
        ret = client.write(b'too late', lambda *a: log.append(('cb', a)))
        log.append(('returned', ret))
    client.on('connect', on_connect)
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log[0] == ('returned', False)
    cb = [a for n, a in log if n == 'cb']
    errs = [e for n, e in log if n == 'error']
    assert len(cb) == 1 and cb[0][0].code == 'ERR_STREAM_WRITE_AFTER_END'
    assert isinstance(cb[0][0], errors.ERR_STREAM_WRITE_AFTER_END)
    assert isinstance(cb[0][0], RuntimeError) and isinstance(cb[0][0], net.NodeError)
    assert len(errs) == 1 and errs[0].code == 'ERR_STREAM_WRITE_AFTER_END'
    assert log[-1] == ('close', True)
    assert b''.join(received) == b'last'


def test_write_after_destroy_calls_back_with_err_stream_destroyed_without_error_event(
        listening_server, run_loop):
    server, port = listening_server()
    log = []
    client = connect(port)

    def on_connect():
        client.destroy()
        ret = client.write(b'x', lambda *a: log.append(('cb', a)))
        log.append(('returned', ret))
    client.on('connect', on_connect)
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log[0] == ('returned', False)
    cb = [a for n, a in log if n == 'cb']
    assert len(cb) == 1 and cb[0][0].code == 'ERR_STREAM_DESTROYED'
    assert [n for n, _ in log if n == 'error'] == []
    assert ('close', False) in log


def test_write_on_a_never_connected_socket_is_err_socket_closed(run_loop):
    sock = net.Socket()
    log = []
    sock.on('error', lambda err: log.append(('error', err.code)))
    sock.on('close', lambda *a: log.append('close'))
    ret = sock.write(b'nowhere', lambda err: log.append(('cb', err.code)))
    assert ret is False
    assert log == []
    run_loop()
    assert ('cb', 'ERR_SOCKET_CLOSED') in log
    assert ('error', 'ERR_SOCKET_CLOSED') in log
    assert log.index(('cb', 'ERR_SOCKET_CLOSED')) < log.index(('error', 'ERR_SOCKET_CLOSED'))


def test_pending_write_callbacks_get_an_error_when_destroyed_before_connect(listening_server,
                                                                           run_loop):
    # Node (test-net-write-cb-on-destroy-before-connect): the callback gets
    # ERR_SOCKET_CLOSED_BEFORE_CONNECTION; there is no 'error' event.
    server, port = listening_server()
    log = []
    client = connect(port)
    client.write(b'queued', lambda *a: log.append(a))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('connect', lambda: log.append('connect'))
    client.destroy()
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert len(log) == 2
    assert log[0][0] is not None and log[0][0].code == 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION'
    assert log[1] == ('close', False)
