"""Holding and ending the write side: cork()/uncork() (nested, and end()
while corked), end() (with data and a callback, twice, before connecting)
and destroySoon() (after the queued data; on a finished socket), and a
write just before destroy() still sent."""
import os

import pyuvnet as net
from tcp_write_support import connect, sink_server


# -- cork / uncork ------------------------------------------------------------------

def test_cork_holds_writes_until_uncork(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        client.cork()
        client.write(b'a')
        client.write(b'b')
        seen['corked'] = client.writableCorked

        def later():
            seen['while corked'] = b''.join(received)
            client.uncork()
            seen['after uncork'] = client.writableCorked
            net.setTimeout(client.end, 30)
        net.setTimeout(later, 60)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'corked': 1, 'while corked': b'', 'after uncork': 0}
    assert b''.join(received) == b'ab'


def test_nested_cork_needs_as_many_uncorks(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        client.cork()
        client.cork()
        client.write(b'xy')
        client.uncork()

        def check():
            seen['after one uncork'] = b''.join(received)
            client.uncork()
            net.setTimeout(client.end, 30)
        net.setTimeout(check, 60)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['after one uncork'] == b''
    assert b''.join(received) == b'xy'


def test_end_while_corked_sends_everything(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)

    def on_connect():
        client.cork()
        client.write(b'held ')
        client.end(b'and ended')
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'held and ended'


# -- end() and destroySoon() ---------------------------------------------------------

def test_end_with_data_and_callback(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    log = []
    client = connect(port)
    client.on('connect', lambda: log.append(('end returns socket', client.end('fin', 'utf8',
                                                                             lambda *a: log.append('cb')) is client)))
    client.on('finish', lambda: log.append('finish'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('end returns socket', True)
    assert sorted(log[1:]) == ['cb', 'finish']
    assert b''.join(received) == b'fin'


def test_end_twice_is_harmless(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    errs = []
    client = connect(port)
    client.on('connect', lambda: (client.end(b'once'), client.end()))
    client.on('error', errs.append)
    client.resume()
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert errs == []
    assert b''.join(received) == b'once'


def test_end_before_connect_sends_queued_data_then_fin(listening_server, run_loop):
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    client = connect(port)
    client.write(b'early ')
    client.end(b'bird')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'early bird'
    assert ended == [True]


def test_destroy_soon_flushes_queued_data_before_closing(listening_server, run_loop):
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    payload = os.urandom(3 << 20)
    client = connect(port)
    log = []

    def on_connect():
        client.write(payload)
        client.destroySoon()
        log.append(('writableEnded', client.writableEnded, client.destroyed))
    client.on('connect', on_connect)
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop(timeout=20)
    assert log[0] == ('writableEnded', True, False)
    assert log[1:] == ['finish', ('close', False)]
    assert b''.join(received) == payload
    assert ended == [True]


def test_destroy_soon_on_a_finished_socket_destroys_it(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    log = []
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.on('finish', lambda: (client.destroySoon(), log.append(client.destroyed)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log == [True, ('close', False)]


def test_data_written_just_before_destroy_on_a_connected_socket_is_sent(listening_server, run_loop):
    # Node hands a write on a connected socket to the kernel at once
    # (try-write), so write() followed by destroy() still delivers it; only
    # what could not be written yet is discarded.
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    client = connect(port)
    client.on('connect', lambda: (client.write(b'final words'), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'final words'
