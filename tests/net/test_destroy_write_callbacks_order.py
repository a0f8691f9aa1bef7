"""The order of the write callbacks, 'error' and 'close' when a socket is
destroyed with writes in flight (a big write to a peer that does not
read), queued behind one, corked, or taken whole by the kernel; over TCP
and a unix socket (uv/stream/discarded_writes.pyx).

Node 20.20 pins it (the same over TCP loopback and a unix socket; each
case's writes in its 'connect' listener, then destroy() and a nextTick and
a setImmediate that log; 'big' is 32 MiB, the others one byte each)::

  inflight        write(big, cb1); write(cb2); write(cb3); end(end_cb); destroy()
    destroy returned, nextTick, setImmediate, cb1(null),
    cb2(ERR_STREAM_DESTROYED), cb3(ERR_STREAM_DESTROYED),
    end_cb(ERR_STREAM_DESTROYED), close(false)
  inflight_err    the same with destroy(new Error('boom'))
    destroy returned, error(boom), nextTick, setImmediate, cb1(null),
    cb2(boom), cb3(boom), end_cb(boom), close(true)
  inflight_only   write(big, cb1); destroy()
    destroy returned, nextTick, setImmediate, cb1(null), close(false)
  inflight_later  write(big, cb1); 20 ms later write(cb2); write(cb3);
                  end(end_cb); destroy()
    destroy returned, nextTick, setImmediate, cb1(null),
    cb2(ERR_STREAM_DESTROYED), cb3(ERR_STREAM_DESTROYED),
    end_cb(ERR_STREAM_DESTROYED), close(false)
  inflight_turn   write(big, cb1); write(cb2); write(cb3); 20 ms later
                  destroy(new Error('boom'))
    destroy returned, error(boom), nextTick, setImmediate, cb1(null),
    cb2(boom), cb3(boom), close(true)
  in_cb           write(a, cb1 = destroy()); write(big, cb2); write(cb3);
                  end(end_cb)
    cb1(null), destroy returned, nextTick, setImmediate, cb2(null),
    cb3(ERR_STREAM_DESTROYED), end_cb(ERR_STREAM_DESTROYED), close(false)
  in_cb_async     write(4 MiB, cb1 = destroy()); write(cb2); write(cb3);
                  end(end_cb); the peer reads after 30 ms
    cb1(null), destroy returned, end_cb(ERR_STREAM_DESTROYED), cb2(null),
    cb3(null), nextTick, setImmediate, close(false)
  corked          cork(); write(cb1); write(cb2); write(cb3); destroy()
    destroy returned, cb1(ERR_STREAM_DESTROYED), cb2(ERR_STREAM_DESTROYED),
    cb3(ERR_STREAM_DESTROYED), nextTick, setImmediate, close(false)
  corked_err      the same with destroy(new Error('boom'))
    destroy returned, cb1(boom), cb2(boom), cb3(boom), error(boom),
    nextTick, setImmediate, close(true)
  small           write(cb1); write(cb2); write(cb3); end(end_cb); destroy()
    destroy returned, cb1(null), end_cb(ERR_STREAM_DESTROYED), cb2(null),
    cb3(null), nextTick, setImmediate, close(false)
  connecting_err  before 'connect': write(cb1); write(cb2);
                  destroy(new Error('boom'))
    destroy returned, error(boom), nextTick, setImmediate, close(true),
    cb1(ERR_SOCKET_CLOSED_BEFORE_CONNECTION), cb2(boom)
  uncork_destroy  cork(); write(64 KiB, cb1); uncork(); destroy() (with a
                  'drain' listener; the kernel takes it inside uncork())
    write=false, writableLength=0, destroy returned, cb1(null), nextTick,
    setImmediate, close(false)
  uncork_only     the same with destroy() 20 ms later
    write=false, writableLength=0, drain, cb1(null), destroy returned,
    nextTick, setImmediate, close(false)
  in_cb_turns     write(4 MiB, cb1 = destroy()); write(cb2); two setImmediate
                  turns later write(cb3); the peer reads after 30 ms
    drain, cb1(null), destroy returned, cb2(null), cb3(null), nextTick,
    setImmediate, close(false)
  corked_big      cork(); write(big, cb1); write(cb2); write(cb3); uncork();
                  20 ms later destroy()
    destroy returned, nextTick, setImmediate, cb1(null), cb2(null),
    cb3(null), close(false)
  turn_big        write(big, cb1); write(cb2); write(cb3); 20 ms later
                  destroy() (the same as inflight_turn without the error)
    destroy returned, nextTick, setImmediate, cb1(null),
    cb2(ERR_STREAM_DESTROYED), cb3(ERR_STREAM_DESTROYED), close(false)

pyuvnet matches the write callbacks' order and errors in every case.  Its
differences, left: end()'s callback is a once 'finish' listener, so a
destroyed socket never calls it (Node calls it with the error); in
in_cb_async and in_cb_turns, cb2 and cb3 (sent behind the first write as
libuv requests of their own) come at the close, after the ticks, and
in in_cb_turns no 'drain' comes (Node's comes before cb1: its writev of
cb2's and cb3's writes left at once, where pyuvnet's requests still count
until their callbacks); while connecting, the callbacks come before
'close' (Node's wait for it as 'close' listeners added by write()).
"""
import pytest

import pyuvnet as net

BIG = 16 << 20     # far more than loopback's socket buffers take


def fmt(err):
    return 'null' if err is None else getattr(err, 'code', None) or str(err)


def destroy_log(run_loop, sockdir, transport, begin, peer_reads_after=None,
                options=None):
    """Connect (with ``options`` besides the address) to a server whose end
    does not read (until ``peer_reads_after`` ms, if given), run
    ``begin(client, log, destroy)`` on 'connect' and return the log of
    callbacks and events."""
    log, held = [], []

    def on_connection(sock):
        sock.pause()
        held.append(sock)
        if peer_reads_after is not None:
            sock.on('data', lambda _chunk: None)
            net.setTimeout(sock.resume, peer_reads_after)
    server = net.createServer(on_connection)
    if transport == 'tcp':
        server.listen(0, '127.0.0.1')
        address = {'port': server.address().port, 'host': '127.0.0.1'}
    else:
        server.listen(sockdir + '/s')
        address = {'path': sockdir + '/s'}
    client = net.connect(dict(address, **(options or {})))

    def destroy(err=None):
        client.destroy(err)
        log.append('destroy returned')
        net.nextTick(lambda: log.append('nextTick'))
        net.setImmediate(lambda: log.append('setImmediate'))

    def on_close(had_error):
        log.append('close(%s)' % str(had_error).lower())
        for sock in held:
            sock.destroy()
        server.close()
    client.on('error', lambda err: log.append('error(%s)' % fmt(err)))
    client.on('close', on_close)
    client.on('connect', lambda: begin(client, log, destroy))
    run_loop()
    return ', '.join(log)


def noting(log, name):
    return lambda err: log.append('%s(%s)' % (name, fmt(err)))


def write_three(client, log, first=bytes(BIG), cb1=None):
    """``first`` (cb1), then a byte each (cb2, cb3)."""
    client.write(first, cb1 or noting(log, 'cb1'))
    client.write(b'b', noting(log, 'cb2'))
    client.write(b'c', noting(log, 'cb3'))


def destroying_in_cb1(log, destroy):
    """A cb1 that logs, then destroys the socket."""
    def cb1(err):
        log.append('cb1(%s)' % fmt(err))
        destroy()
    return cb1


transports = pytest.mark.parametrize('transport', ['tcp', 'unix'])


@transports
@pytest.mark.parametrize('error, expected', [
    (None, 'ERR_STREAM_DESTROYED'), (Exception('boom'), 'boom')])
def test_writes_queued_behind_one_in_flight_get_destroys_error_after_its_callback(
        run_loop, sockdir, transport, error, expected):
    def begin(client, log, destroy):
        write_three(client, log)
        client.end()
        destroy(error)
    got = destroy_log(run_loop, sockdir, transport, begin)
    tail = 'cb1(null), cb2(%s), cb3(%s), close(%s)' % (
        expected, expected, 'false' if error is None else 'true')
    if error is None:
        assert got == 'destroy returned, nextTick, setImmediate, ' + tail
    else:
        assert got == 'destroy returned, error(boom), nextTick, setImmediate, ' + tail


@transports
def test_a_lone_write_in_flight_calls_back_with_none_before_close(
        run_loop, sockdir, transport):
    def begin(client, log, destroy):
        client.write(bytes(BIG), noting(log, 'cb1'))
        destroy()
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'destroy returned, nextTick, setImmediate, cb1(null), close(false)')


@transports
def test_writes_queued_a_while_after_the_one_in_flight_keep_its_order(
        run_loop, sockdir, transport):
    def begin(client, log, destroy):
        client.write(bytes(BIG), noting(log, 'cb1'))

        def later():
            client.write(b'b', noting(log, 'cb2'))
            client.write(b'c', noting(log, 'cb3'))
            client.end()
            destroy()
        net.setTimeout(later, 20)
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'destroy returned, nextTick, setImmediate, cb1(null), '
        'cb2(ERR_STREAM_DESTROYED), cb3(ERR_STREAM_DESTROYED), close(false)')


@transports
def test_writes_sent_behind_the_one_in_flight_get_destroys_error(
        run_loop, sockdir, transport):
    # Flushed before the next poll, they are a second libuv request:
    # cancelled after the first, they get the error, not None.
    def begin(client, log, destroy):
        write_three(client, log)
        net.setTimeout(lambda: destroy(Exception('boom')), 20)
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'destroy returned, error(boom), nextTick, setImmediate, cb1(null), '
        'cb2(boom), cb3(boom), close(true)')


@transports
def test_a_write_the_kernel_took_whole_calls_back_before_the_big_one_after_it(
        run_loop, sockdir, transport):
    # 'a' and the big write leave as one writev; the kernel takes 'a' and
    # part of the big one: cb1 on the next tick, not with the big one's.
    def begin(client, log, destroy):
        client.write(b'a', destroying_in_cb1(log, destroy))
        client.write(bytes(BIG), noting(log, 'cb2'))
        client.write(b'c', noting(log, 'cb3'))
        client.end()
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'cb1(null), destroy returned, nextTick, setImmediate, cb2(null), '
        'cb3(ERR_STREAM_DESTROYED), close(false)')


@transports
def test_destroy_in_the_callback_of_a_write_that_finished_keeps_later_ones(
        run_loop, sockdir, transport):
    # The writes sent behind the finished one call back with None (Node
    # calls them before the ticks; here at the close).
    def begin(client, log, destroy):
        write_three(client, log, bytes(4 << 20), destroying_in_cb1(log, destroy))
        client.end()
    log = destroy_log(run_loop, sockdir, transport, begin, peer_reads_after=30)
    assert log.startswith('cb1(null), destroy returned, ')
    assert log.index('cb2(null), cb3(null)') > 0
    assert log.endswith('close(false)')


@transports
@pytest.mark.parametrize('error, expected', [
    (None, 'ERR_STREAM_DESTROYED'), (Exception('boom'), 'boom')])
def test_corked_writes_get_destroys_error_on_the_next_tick(
        run_loop, sockdir, transport, error, expected):
    def begin(client, log, destroy):
        client.cork()
        write_three(client, log, b'a')
        destroy(error)
    got = destroy_log(run_loop, sockdir, transport, begin)
    callbacks = 'cb1(%s), cb2(%s), cb3(%s)' % ((expected,) * 3)
    if error is None:
        assert got == ('destroy returned, %s, nextTick, setImmediate, close(false)'
                       % callbacks)
    else:
        assert got == ('destroy returned, %s, error(boom), nextTick, setImmediate, '
                       'close(true)' % callbacks)


@transports
def test_small_writes_the_kernel_takes_at_destroy_call_back_with_none(
        run_loop, sockdir, transport):
    def begin(client, log, destroy):
        write_three(client, log, b'a')
        client.end()
        destroy()
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'destroy returned, cb1(null), cb2(null), cb3(null), nextTick, '
        'setImmediate, close(false)')


def test_writes_dropped_while_connecting_get_the_closed_error_then_destroys(
        listening_server, run_loop):
    # Node: the first write (waiting for 'connect') gets
    # ERR_SOCKET_CLOSED_BEFORE_CONNECTION, the rest destroy()'s error.
    server, port = listening_server()
    log = []
    client = net.connect(port, '127.0.0.1')
    client.on('error', lambda err: log.append('error(%s)' % fmt(err)))
    client.on('close', lambda _had_error: server.close())
    client.write(b'a', noting(log, 'cb1'))
    client.write(b'b', noting(log, 'cb2'))
    client.destroy(Exception('boom'))
    run_loop()
    assert log == ['cb1(ERR_SOCKET_CLOSED_BEFORE_CONNECTION)', 'cb2(boom)', 'error(boom)']


def uncork_a_write_the_kernel_takes(client, log):
    """cork(), a write of the high-water mark (answered False), uncork():
    the kernel takes it whole inside uncork(), so 'drain' is due on the
    next tick."""
    client.on('drain', lambda: log.append('drain'))
    client.cork()
    log.append('write=%s' % client.write(bytes(65536), noting(log, 'cb1')))
    client.uncork()
    log.append('writableLength=%d' % client.writableLength)


@transports
@pytest.mark.parametrize('destroy_after, expected', [
    (None, 'destroy returned, cb1(null), nextTick, setImmediate, close(false)'),
    (20, 'drain, cb1(null), destroy returned, nextTick, setImmediate, close(false)')])
def test_drain_uncork_queued_comes_unless_destroy_came_first(
        run_loop, sockdir, transport, destroy_after, expected):
    def begin(client, log, destroy):
        uncork_a_write_the_kernel_takes(client, log)
        if destroy_after is None:
            destroy()
        else:
            net.setTimeout(destroy, destroy_after)
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'write=False, writableLength=0, ' + expected)


@transports
def test_writes_sent_on_two_turns_behind_a_finished_write_call_back_with_none(
        run_loop, sockdir, transport):
    # cb2's and cb3's writes are two requests behind the big one (the
    # turn's flush comes between the two setImmediate turns).  Node hands
    # both on as one writev when the big one is done, before its callback
    # destroys the socket: in flight, they get null.
    def begin(client, log, destroy):
        client.write(bytes(4 << 20), destroying_in_cb1(log, destroy))
        client.write(b'b', noting(log, 'cb2'))
        net.setImmediate(lambda: net.setImmediate(
            lambda: client.write(b'c', noting(log, 'cb3'))))
    log = destroy_log(run_loop, sockdir, transport, begin, peer_reads_after=30)
    assert log.startswith('cb1(null), destroy returned, ')
    assert log.index('cb2(null), cb3(null)') > 0
    assert log.endswith('close(false)')


@transports
def test_writes_gathered_behind_a_partly_taken_one_get_destroys_error(
        run_loop, sockdir, transport):
    # Under a high-water mark above the big write, the three leave as one
    # writev and the kernel takes part of the first: Node had handed that
    # one on alone and buffered the two behind it.
    def begin(client, log, destroy):
        write_three(client, log)
        net.setTimeout(destroy, 20)
    got = destroy_log(run_loop, sockdir, transport, begin,
                      options={'highWaterMark': 4 * BIG})
    assert got == ('destroy returned, nextTick, setImmediate, cb1(null), '
                   'cb2(ERR_STREAM_DESTROYED), cb3(ERR_STREAM_DESTROYED), close(false)')


@transports
def test_corked_writes_uncork_released_together_call_back_with_none(
        run_loop, sockdir, transport):
    # uncork() hands the three on as one writev (Node's too), the kernel
    # taking part of the first: all in flight together.
    def begin(client, log, destroy):
        client.cork()
        write_three(client, log)
        client.uncork()
        net.setTimeout(destroy, 20)
    assert destroy_log(run_loop, sockdir, transport, begin) == (
        'destroy returned, nextTick, setImmediate, cb1(null), cb2(null), '
        'cb3(null), close(false)')
