"""Node's Writable API on a net.Socket: the writable* fields, cork()/uncork()
batching with callbacks, setDefaultEncoding(), end(callback) as Node's
Writable.end() calls it, write after end() or destroy(), destroy(err)
ordering, and a socket freed at close with the GC off after writing,
corking, uncorking, writing past its high-water mark and draining, or
being destroyed mid-write. Each expectation was run under
Node 20 first (v20.20.2); the Node test a case ports is named in it."""
import gc

import pytest

import pyuvnet as net
from pyuvnet import errors


def sink(listening_server):
    """A server that reads and drops everything; its sockets ignore errors."""
    def on_connection(sock):
        sock.resume()
        sock.on('error', lambda err: None)
    return listening_server(on_connection)


def connected(port, scenario):
    """A client that runs ``scenario(client)`` once connected."""
    client = net.connect(port, '127.0.0.1')
    client.once('connect', lambda: scenario(client))
    return client


def code(value):
    return getattr(value, 'code', value)


def test_writable_fields_of_a_fresh_connected_socket(listening_server, run_loop):
    # Node 20: objectMode false, nothing corked or buffered, not ended,
    # closed false and errored null. (The high-water mark is SPEC 5's
    # 64 KiB, where Node 20's is 16 KiB.)
    server, port = sink(listening_server)
    seen = {}

    def scenario(client):
        seen.update(mode=client.writableObjectMode, corked=client.writableCorked,
                    length=client.writableLength, need=client.writableNeedDrain,
                    ended=client.writableEnded, finished=client.writableFinished,
                    closed=client.closed, errored=client.errored,
                    hwm=client.writableHighWaterMark, buffer=client.writableBuffer,
                    aborted=client.writableAborted, werrored=client.writableErrored)
        client.destroy()
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen == {'mode': False, 'corked': 0, 'length': 0, 'need': False, 'ended': False,
                    'finished': False, 'closed': False, 'errored': None, 'hwm': 65536,
                    'buffer': [], 'aborted': False, 'werrored': None}
    assert client.writable_object_mode is False


def test_corked_writes_count_until_the_last_uncork_sends_them(listening_server, run_loop):
    # Node 20: cork() twice, writes of 2 + 2 bytes: writableCorked 2,
    # writableLength 4 (and in writableBuffer) until the second uncork(),
    # 0 after it; a small write then answers True with writableLength 0.
    server, port = sink(listening_server)
    seen = []

    def scenario(client):
        client.cork()
        client.cork()
        client.write('ab')
        client.write(b'cd')
        seen.append((client.writableCorked, client.writableLength,
                     [entry['chunk'] for entry in client.writableBuffer]))
        client.uncork()
        seen.append((client.writableCorked, client.writableLength))
        client.uncork()
        seen.append((client.writableCorked, client.writableLength, client.writableBuffer))
        seen.append((client.write('x'), client.writableLength))
        client.end()
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen == [(2, 4, [b'ab', b'cd']), (1, 4), (0, 0, []), (True, 0)]


def test_uncork_sends_at_once_and_calls_back_before_later_ticks(listening_server, run_loop):
    # Node 20: cork, write a and b with callbacks, uncork; a nextTick
    # queued after uncork() runs after both callbacks, end()'s last.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.cork()
        client.write('a', lambda err=None: log.append(('a', err)))
        client.write('b', lambda err=None: log.append(('b', err)))
        client.uncork()
        log.append('uncorked')
        net.nextTick(lambda: log.append('tick'))
        client.end(lambda err=None: log.append(('end', err)))
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == ['uncorked', ('a', None), ('b', None), 'tick', ('end', None)]


def test_sync_cork_uncork_pairs_never_answer_false(listening_server, run_loop):
    # Node's test-net-sync-cork.js: 100 rounds of cork(), two 2-byte
    # writes, uncork(): every write answers True.
    received = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('close', lambda *_: server.close())
    server, port = listening_server(on_connection)
    answers = []

    def scenario(client):
        for _ in range(100):
            client.cork()
            client.write(b'aa')
            answers.append(client.write(b'aa'))
            client.uncork()
        client.end()
    connected(port, scenario)
    run_loop()
    assert answers == [True] * 100
    assert b''.join(received) == b'a' * 400


def test_set_default_encoding_applies_to_later_string_writes(listening_server, run_loop):
    # Node 20: setDefaultEncoding('hex') returns the socket; write('6869')
    # sends "hi"; an unknown encoding is ERR_UNKNOWN_ENCODING (TypeError).
    received = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: server.close())
    server, port = listening_server(on_connection)
    seen = {}

    def scenario(client):
        seen['returns'] = client.setDefaultEncoding('hex') is client
        client.write('6869')
        with pytest.raises(TypeError) as info:
            client.setDefaultEncoding('bogus')
        seen['bogus'] = info.value.code
        client.end()
    connected(port, scenario)
    run_loop()
    assert seen == {'returns': True, 'bogus': 'ERR_UNKNOWN_ENCODING'}
    assert b''.join(received) == b'hi'


def test_write_arguments_that_are_not_data_throw_type_errors():
    # Node's test-net-write-arguments.js: null is ERR_STREAM_NULL_VALUES,
    # anything but a buffer or a string ERR_INVALID_ARG_TYPE, both
    # TypeErrors, with no 'error' event; end(5) too (Node 20).
    socket = net.Socket()
    socket.on('error', lambda err: pytest.fail('no error event'))
    with pytest.raises(TypeError) as info:
        socket.write(None)
    assert info.value.code == 'ERR_STREAM_NULL_VALUES'
    for value in (True, False, 1, 1.0, float('inf'), [], {}):
        with pytest.raises(TypeError) as info:
            socket.write(value)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    with pytest.raises(TypeError) as info:
        socket.end(5)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    socket.destroy()


def test_a_callback_that_is_not_callable_is_ignored(listening_server, run_loop):
    # Node 20: write('x', 'utf8', 5) neither throws nor fails: Writable's
    # write() takes a callback that is no function for none.
    received = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: server.close())
    server, port = listening_server(on_connection)
    answers = []

    def scenario(client):
        answers.append(client.write('x', 'utf8', 5))
        client.end()
    connected(port, scenario)
    run_loop()
    assert answers == [True] and b''.join(received) == b'x'


@pytest.mark.parametrize('args', [(), ('foo',), ('foo', 'utf8')])
def test_end_callback_runs_once_finished(listening_server, run_loop, args):
    # Node's test-net-socket-end-callback.js: end(cb), end('foo', cb) and
    # end('foo', 'utf8', cb) each call cb; Node 20 gives it null, before
    # the 'finish' listeners, with writableFinished already true.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.on('finish', lambda: log.append('finish'))
        client.end(*args, lambda *a: log.append(('cb', a, client.writableFinished)))
        log.append(('ended', client.writableEnded, client.writableFinished, client.writable))
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [('ended', True, False, False), ('cb', (None,), True), 'finish']


def test_end_callback_after_finish_gets_already_finished(listening_server, run_loop):
    # Node 20: end(cb) on a finished socket, or a second end(cb) after
    # 'finish': ERR_STREAM_ALREADY_FINISHED; a second end(cb) before it
    # shares the first's success.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.end()
        client.end(lambda err=None: log.append(('second', code(err))))
        client.on('finish', lambda: client.end(lambda err=None: log.append(('third', code(err)))))

        def on_close(*_):
            client.end(lambda err=None: log.append(('after close', code(err))))
            net.setTimeout(server.close, 10)
        client.on('close', on_close)
    connected(port, scenario)
    run_loop()
    assert log == [('second', None), ('third', 'ERR_STREAM_ALREADY_FINISHED'),
                   ('after close', 'ERR_STREAM_ALREADY_FINISHED')]


def test_end_callback_of_a_socket_destroyed_mid_write_gets_the_error(listening_server, run_loop):
    # Node 20: 4 MiB written, end(cb), destroy(): the write's callback
    # gets null, end's ERR_STREAM_DESTROYED, no 'finish'. With
    # destroy(err): 'error' first, then the write's callback, then end's
    # with err.
    server, port = sink(listening_server)
    log = []

    def plain(client):
        client.write(bytes(4 << 20), lambda err=None: log.append(('write', code(err))))
        client.end(lambda err=None: log.append(('end', code(err))))
        client.on('finish', lambda: log.append('finish'))
        client.destroy()
        client.on('close', lambda *_: connected(port, with_error))

    def with_error(client):
        log.append('--')
        client.write(bytes(4 << 20), lambda err=None: log.append(('write', code(err))))
        client.end(lambda err=None: log.append(('end', str(err))))
        client.on('error', lambda err: log.append(('error', str(err))))
        client.destroy(Exception('boom'))
        client.on('close', lambda *_: net.setTimeout(server.close, 10))
    connected(port, plain)
    run_loop()
    assert log == [('write', None), ('end', 'ERR_STREAM_DESTROYED'), '--',
                   ('error', 'boom'), ('write', None), ('end', 'boom')]


def test_end_callback_after_destroy_of_a_socket_never_ended_is_not_called(listening_server,
                                                                          run_loop):
    # Node 20: destroy() then end(cb): cb is never called (Writable.end()
    # queues it after destroy() failed the queue).
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.destroy()
        client.end(lambda err=None: log.append(err))
        client.on('close', lambda *_: net.setTimeout(server.close, 20))
    connected(port, scenario)
    run_loop()
    assert log == []


def test_write_after_end_fails_callback_then_error_then_close(listening_server, run_loop):
    # Node 20: end(), then write('x', cb): cb(ERR_STREAM_WRITE_AFTER_END)
    # then 'error' with it, no 'finish' once destroyed, and 'close'(true)
    # with errored that error.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.end()
        client.on('error', lambda err: log.append(('error', code(err))))
        answer = client.write('x', lambda err=None: log.append(('cb', code(err))))
        log.append(('answer', answer))
        client.on('close', lambda had: log.append(('close', had, code(client.errored))))
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [('answer', False), ('cb', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('error', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('close', True, 'ERR_STREAM_WRITE_AFTER_END')]


def test_write_after_end_destroys_the_socket_before_write_returns(listening_server, run_loop):
    # Node 20 (Writable's _write(): errorOrDestroy(stream, err, sync),
    # and a socket destroys itself): end(), a tick queued, write('x', cb):
    # write() answers false with the socket destroyed already; the queued
    # tick, the callback, 'error', a tick queued after write(), 'close'.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.end()
        client.on('error', lambda err: log.append(('error', code(err), client.destroyed)))
        client.on('close', lambda *_: (log.append('close'), server.close()))
        net.nextTick(lambda: log.append('tick before'))
        answer = client.write('x', lambda err=None: log.append(('cb', code(err))))
        log.append(('answer', answer, client.destroyed))
        net.nextTick(lambda: log.append(('tick after', client.destroyed)))
    connected(port, scenario)
    run_loop()
    assert log == [('answer', False, True), 'tick before', ('cb', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('error', 'ERR_STREAM_WRITE_AFTER_END', True), ('tick after', True), 'close']


def test_write_with_no_connection_fails_on_the_next_tick(run_loop):
    # Node 20 (Socket._writeGeneric with no handle: its onwrite error runs
    # on the next tick): new Socket().write('x', cb) answers false, not
    # destroyed; then cb(ERR_SOCKET_CLOSED), the socket destroyed after it,
    # 'error', 'close'.
    sock = net.Socket()
    log = []
    sock.on('error', lambda err: log.append(('error', code(err), sock.destroyed)))
    sock.on('close', lambda *_: log.append('close'))
    net.nextTick(lambda: log.append('tick before'))
    answer = sock.write('x', lambda err=None: log.append(('cb', code(err), sock.destroyed)))
    log.append(('answer', answer, sock.destroyed))
    net.nextTick(lambda: log.append(('tick after', sock.destroyed)))
    run_loop()
    assert log == [('answer', False, False), 'tick before', ('cb', 'ERR_SOCKET_CLOSED', False),
                   ('tick after', True), ('error', 'ERR_SOCKET_CLOSED', True), 'close']


def test_write_after_the_peer_ended_and_close_fails_with_epipe_only(listening_server, run_loop):
    # test-net-write-after-close.js, as Node 20 runs it: the client ends;
    # the server's socket ends too (no allowHalfOpen), finishes and
    # closes; a write 250 ms later answers false and its callback gets
    # Node's writeAfterFIN error (EPIPE), with no 'error' (destroyed).
    log = []

    def on_connection(sock):
        sock.resume()
        sock.on('error', lambda err: log.append(('error', code(err))))
        sock.on('close', lambda *_: log.append(('close', sock.writableEnded,
                                                sock.writableFinished)))

        def later():
            log.append(('destroyed', sock.destroyed))
            log.append(('answer', sock.write('test', lambda err=None: (
                log.append(('cb', code(err))), server.close()))))
        net.setTimeout(later, 250)
    server, port = listening_server(on_connection)
    connected(port, lambda client: client.end())
    run_loop()
    assert log == [('close', True, True), ('destroyed', True), ('answer', False), ('cb', 'EPIPE')]


def test_end_leaves_the_socket_undestroyed_until_the_peer_ends(listening_server, run_loop):
    # test-net-end-destroyed.js: a client's end() is answered by the
    # server's; at 'end' the socket is finished and not yet destroyed.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.on('finish', lambda: log.append(('finish', client.destroyed)))
        client.on('end', lambda: (log.append(('end', client.destroyed, client.writableFinished)),
                                  server.close()))
        client.on('close', lambda *_: log.append('close'))
        client.end()
    connected(port, scenario)
    run_loop()
    assert log == [('finish', False), ('end', False, True), 'close']


def test_end_of_a_socket_never_connected_waits_for_a_connection(run_loop):
    # test-net-end-without-connect.js, with what Node 20 then shows: end()
    # does not throw; the socket is ended, neither finished nor destroyed,
    # and stays so (Node's _final waits for 'connect'): no 'finish', no
    # 'close'.
    sock = net.Socket()
    log = []
    sock.on('finish', lambda: log.append('finish'))
    sock.on('close', lambda *_: log.append('close'))
    sock.end()
    log.append((sock.writableEnded, sock.writableFinished, sock.destroyed))
    net.setTimeout(lambda: log.append((sock.writableEnded, sock.writableFinished,
                                       sock.destroyed)), 50)
    run_loop()
    assert log == [(True, False, False), (True, False, False)]


def test_end_before_connect_sends_the_fin_once_connected(listening_server, run_loop):
    # Node 20: new Socket(), end(), then connect(): 'connect'; the server
    # reads our FIN and ends its side ('end' here) while ours finishes
    # (Node showed 'end' first: the two race); 'close'(false).
    server, port = sink(listening_server)
    sock = net.Socket()
    log = []
    for event in ('connect', 'finish', 'end'):
        sock.on(event, lambda event=event: log.append(event))
    sock.on('close', lambda had: (log.append(('close', had)), server.close()))
    sock.end()
    sock.connect(port, '127.0.0.1')
    sock.resume()
    run_loop()
    assert log[0] == 'connect' and log[-1] == ('close', False)
    assert sorted(log[1:-1]) == ['end', 'finish']


def test_write_after_destroy_fails_its_callback_only(listening_server, run_loop):
    # Node 20: destroy(), then write('x', cb): False, cb(ERR_STREAM_DESTROYED),
    # no 'error'; 'close'(false); a write after 'close' the same.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        client.destroy()
        client.on('error', lambda err: log.append(('error', err)))
        log.append(('answer', client.write('x', lambda err=None: log.append(('cb', code(err))))))

        def on_close(had):
            log.append(('close', had, client.errored))
            client.write('y', lambda err=None: log.append(('cb2', code(err))))
            net.setTimeout(server.close, 10)
        client.on('close', on_close)
    connected(port, scenario)
    run_loop()
    assert log == [('answer', False), ('cb', 'ERR_STREAM_DESTROYED'), ('close', False, None),
                   ('cb2', 'ERR_STREAM_DESTROYED')]


def test_destroy_with_an_error_emits_error_then_close(listening_server, run_loop):
    # Node 20: write('hello', cb) then destroy(err): closed, destroyed and
    # errored at once, writable false; the write's callback gets null
    # (it left), then 'error'(err) and 'close'(true).
    server, port = sink(listening_server)
    log = []
    boom = Exception('boom')

    def scenario(client):
        client.on('error', lambda err: log.append(('error', err is boom, client.closed)))
        client.on('close', lambda had: log.append(('close', had, client.errored is boom)))
        client.write('hello', lambda err=None: log.append(('write', err)))
        client.destroy(boom)
        log.append(('now', client.closed, client.destroyed, client.errored is boom,
                    client.writable, client.writableAborted, client.writableErrored is boom))
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [('now', True, True, True, False, True, True), ('write', None),
                   ('error', True, True), ('close', True, True)]


def test_drain_follows_a_false_answer_once_the_buffer_is_empty(listening_server, run_loop):
    # Node 20: a 4 MiB write answers False with writableLength 4 MiB and
    # writableNeedDrain true; 'drain' comes with both reset, before the
    # write's callback.
    server, port = sink(listening_server)
    log = []

    def scenario(client):
        big = bytes(4 << 20)
        log.append((client.write(big, lambda err=None: log.append('cb')),
                    client.writableLength, client.writableNeedDrain))

        def on_drain():
            log.append(('drain', client.writableLength, client.writableNeedDrain))
            client.end()
        client.on('drain', on_drain)
    client = connected(port, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [(False, 4 << 20, True), ('drain', 0, False), 'cb']


def test_buffer_size_counts_writes_made_before_the_connection(listening_server, run_loop):
    # Node's test-net-buffersize.js: writes before 'connect' count in
    # bufferSize one by one, and it is 0 at 'finish'.
    server, port = sink(listening_server)
    client = net.connect(port, '127.0.0.1')
    sizes = []
    for _ in range(1, 10):
        client.write('a')
        sizes.append(client.bufferSize)
    client.on('finish', lambda: sizes.append(client.bufferSize))
    client.end()
    client.on('close', lambda *_: server.close())
    run_loop()
    assert sizes == list(range(1, 10)) + [0]


def test_write_after_the_peer_ended_a_half_closed_socket(listening_server, run_loop):
    # Node's test-net-writable.js: the server ends, the client (not
    # allowHalfOpen) is still writable in its 'end' listener.
    def on_connection(sock):
        server.close()
        sock.end()
    server, port = listening_server(on_connection)
    seen = []
    client = net.connect(port, '127.0.0.1')

    def on_end():
        seen.append(client.writable)
        client.write('hello world')
    client.on('end', on_end)
    run_loop()
    assert seen == [True]


def test_write_after_the_fin_fails_with_epipe_on_the_next_tick(listening_server, run_loop):
    # Node's test-net-write-after-end-nt.js: after the peer's end and our
    # end(), write() answers False and its error comes a tick later, to
    # the callback (EPIPE) and to 'error'.
    server, port = listening_server(lambda sock: sock.end())
    log = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        def on_end():
            log.append(('answer', client.write('hello', lambda err=None: log.append(
                ('cb', code(err))))))
            log.append('returned')
        client.on('error', lambda err: (log.append(('error', code(err))), server.close()))
        client.on('end', on_end)
        client.end()
    client.on('connect', on_connect)
    run_loop()
    assert log == [('answer', False), 'returned', ('cb', 'EPIPE'), ('error', 'EPIPE')]


def sockets_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, net.Socket))


@pytest.mark.parametrize('how', ['written', 'corked', 'uncorked', 'drained', 'destroyed mid-write',
                                 'ended with callback', 'written after end'])
def test_a_socket_is_freed_at_close_with_the_gc_off(listening_server, run_loop, how):
    # The server's end of each connection holds itself only through its
    # own listeners (closures over it): 'close' must leave nothing behind.
    def on_connection(sock):
        def on_data(chunk):
            if how == 'written':
                sock.write(chunk)
            elif how == 'corked':
                sock.cork()
                sock.write(chunk, lambda err=None: None)
                sock.write(chunk)
            elif how == 'uncorked':
                sock.cork()
                sock.write(chunk, lambda err=None: sock.writableCorked)
                sock.uncork()
            elif how == 'drained':
                # Past the high-water mark: 'drain' (a closure over the
                # socket) ends it once the kernel took everything.
                if not sock.write(bytes(4 << 20)):
                    sock.once('drain', lambda: sock.end(chunk))
                    return
            elif how == 'destroyed mid-write':
                sock.write(bytes(4 << 20), lambda err=None: None)
                sock.destroy()
                return
            elif how == 'written after end':
                # Refused through the stream core's sequence: the callback
                # (closing over the socket) on a tick, destroy(err) now.
                sock.end()
                sock.write(chunk, lambda err=None: sock.bytesWritten)
                return
            else:
                sock.end(chunk, lambda err=None: sock.bytesWritten)
            sock.end()
        sock.on('data', on_data)
        sock.on('error', lambda err: None)
        sock.on('close', lambda *_: server.close())
    server, port = listening_server(on_connection)
    gc.collect()
    before = sockets_alive()
    gc.disable()
    try:
        client = net.connect(port, '127.0.0.1')
        client.on('error', lambda err: None)
        client.resume()
        client.write(b'x' * 1000)
        client.on('end', client.destroy)
        run_loop()
        del client
        # The client is kept by its connect plan until the GC (as on
        # main); the server's socket must be gone already.
        assert sockets_alive() - before <= 1
    finally:
        gc.enable()
