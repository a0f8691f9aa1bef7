"""end(callback) of a net.Socket against destroy(), in Node 20's order: the
stream core's end() sequence over the socket's C fields (the write seam),
Node's kOnFinished list failed by Writable.destroy()'s errorBuffer() on
the next tick, ahead of 'error' and of ticks queued after destroy(); behind
a write still in flight, after its callback. Each expectation was run
under Node 20 (v20.20.2) first, the same program in JavaScript."""
import gc

import pytest

import pyuvnet as net


def code(value):
    return getattr(value, 'code', None) or str(value)


def sink(listening_server):
    def on_connection(sock):
        sock.resume()
        sock.on('error', lambda err: None)
    return listening_server(on_connection)


def test_end_callback_of_an_idle_socket_destroyed_with_an_error_runs_before_error(
        listening_server, run_loop):
    # Node 20: connected, end(cb), destroy(err), nextTick: 'end boom',
    # 'error boom', 'tick' (errorBuffer's tick was queued first).
    server, port = sink(listening_server)
    log = []

    def scenario():
        client.end(lambda err=None: log.append(('end', code(err))))
        client.on('error', lambda err: log.append(('error', code(err))))
        client.destroy(Exception('boom'))
        net.nextTick(lambda: log.append('tick'))
    client = net.connect(port, '127.0.0.1', scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [('end', 'boom'), ('error', 'boom'), 'tick']


def test_end_callback_of_an_idle_socket_destroyed_runs_on_the_next_tick(
        listening_server, run_loop):
    # Node 20: connected, end(cb), destroy(), nextTick: 'end
    # ERR_STREAM_DESTROYED' then 'tick'.
    server, port = sink(listening_server)
    log = []

    def scenario():
        client.end(lambda err=None: log.append(('end', code(err))))
        client.destroy()
        log.append('destroyed')
        net.nextTick(lambda: log.append('tick'))
    client = net.connect(port, '127.0.0.1', scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == ['destroyed', ('end', 'ERR_STREAM_DESTROYED'), 'tick']


def test_end_after_destroy_with_an_error_is_refused_and_leaves_writable_ended_false(run_loop):
    # Node 20: new Socket(), destroy(err), end(cb), write('x', cb):
    # writableEnded false (end() does nothing once errored), then 'error',
    # 'close', end's callback and the write's with ERR_STREAM_DESTROYED.
    log = []
    socket = net.Socket()
    socket.on('error', lambda err: log.append(('error', code(err))))
    socket.destroy(Exception('boom'))
    socket.end(lambda err=None: log.append(('end', code(err))))
    log.append(('writableEnded', socket.writableEnded))
    socket.write('x', lambda err=None: log.append(('write', code(err))))
    socket.on('close', lambda *_: log.append('close'))
    run_loop()
    assert log == [('writableEnded', False), ('error', 'boom'), 'close',
                   ('end', 'ERR_STREAM_DESTROYED'), ('write', 'ERR_STREAM_DESTROYED')]


def test_write_after_destroy_then_end_fails_as_a_write_after_end(run_loop):
    # Node 20: new Socket(), destroy(), end(cb), write('x', cb):
    # writableEnded true, end's callback never called, the write's gets
    # ERR_STREAM_WRITE_AFTER_END (ending is tested before destroyed), and
    # no 'error' (destroyed already).
    log = []
    socket = net.Socket()
    socket.destroy()
    socket.end(lambda err=None: log.append(('end', code(err))))
    log.append(('writableEnded', socket.writableEnded))
    socket.write('x', lambda err=None: log.append(('write', code(err))))
    socket.on('error', lambda err: log.append(('error', code(err))))
    socket.on('close', lambda *_: log.append('close'))
    run_loop()
    assert log == [('writableEnded', True), 'close', ('write', 'ERR_STREAM_WRITE_AFTER_END')]


@pytest.mark.parametrize('error, expected', [
    (Exception('c'), [('end', 'c'), ('error', 'c'), 'close', 'tick']),
    (None, [('end', 'ERR_STREAM_DESTROYED'), 'close', 'tick']),
])
def test_end_callback_of_a_socket_never_connected_fails_before_error_and_close(
        run_loop, error, expected):
    # Node 20: new Socket(), end(cb), destroy(err) (or destroy()), then a
    # nextTick: end's callback, 'error', 'close', then the tick.
    log = []
    socket = net.Socket()
    socket.on('error', lambda err: log.append(('error', code(err))))
    socket.end(lambda err=None: log.append(('end', code(err))))
    socket.destroy(error)
    socket.on('close', lambda *_: log.append('close'))
    net.nextTick(lambda: log.append('tick'))
    run_loop()
    assert log == expected


def test_end_callbacks_of_a_destroyed_socket_are_freed_with_the_gc_off(
        listening_server, run_loop):
    # end(cb) with a callback closing over the socket, then destroy(err):
    # the kept callback list goes with its tick, so 'close' leaves nothing
    # that holds the socket.
    def on_connection(sock):
        def on_data(chunk):
            sock.end(lambda err=None: sock.bytesWritten)
            sock.end(lambda err=None: sock.bytesWritten)
            sock.destroy(Exception('gone'))
        sock.on('data', on_data)
        sock.on('error', lambda err: None)
        sock.on('close', lambda *_: server.close())
    server, port = listening_server(on_connection)
    gc.collect()
    before = sum(1 for obj in gc.get_objects() if isinstance(obj, net.Socket))
    gc.disable()
    try:
        client = net.connect(port, '127.0.0.1')
        client.on('error', lambda err: None)
        client.resume()
        client.write(b'x' * 100)
        client.on('end', client.destroy)
        client.on('close', lambda *_: client.destroy())
        run_loop()
        del client
        after = sum(1 for obj in gc.get_objects() if isinstance(obj, net.Socket))
        # The client is kept by its connect plan until the GC; the
        # server's socket must be gone already.
        assert after - before <= 1
    finally:
        gc.enable()
