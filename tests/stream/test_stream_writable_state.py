"""Writable's and Transform's bookkeeping, ported from Node 20's
test-stream-writable-*, test-stream-writableState-*, test-stream-transform-*
and test-stream-auto-destroy (each named in its test), pinned under
/usr/bin/node: the buffered request count while corked, ending/finished/
ended, prefinish and _final called synchronously, a write error with and
without _writev, writes from 'prefinish' and 'finish', a zero mark."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import Readable, Transform, Writable
from stream_support import calls, run  # noqa: F401 (calls is a fixture)


def ok_write(self, chunk, encoding, callback):
    callback()


def test_buffered_request_count_matches_the_buffer(calls):
    # test-stream-writable-clear-buffer
    class StreamWritable(Writable):
        def __init__(self):
            super().__init__(objectMode=True)

        def _write(self, chunk, encoding, cb):
            net.setImmediate(cb)
    s = StreamWritable()
    s.cork()

    def check(err=None):
        state = s._writableState
        assert state.bufferedRequestCount == len(state.getBuffer())
    for i in range(1, 6):
        s.write(i, calls.must_call(check))
    s.end()
    run()


def test_uncork_at_the_end_of_the_tick_and_end_uncorks(calls):
    # test-stream-writableState-uncorked-bufferedRequestCount
    w = Writable()
    w._writev = calls.must_call(lambda chunks, cb: (len(chunks) == 2 or pytest.fail(), cb()))
    w._write = calls.must_call(lambda chunk, encoding, cb: cb())
    state = w._writableState
    w.cork()
    assert (state.corked, state.bufferedRequestCount) == (1, 0)
    w.cork()
    assert state.corked == 2
    w.write('first chunk')
    assert state.bufferedRequestCount == 1
    w.uncork()
    assert (state.corked, state.bufferedRequestCount) == (1, 1)

    def uncork():
        w.uncork()
        assert (state.corked, state.bufferedRequestCount) == (0, 0)
        w.cork()
        w.write('third chunk')
        w.end()
        assert (state.corked, state.bufferedRequestCount) == (0, 0)
    net.nextTick(calls.must_call(uncork))
    w.write('second chunk')
    assert (state.corked, state.bufferedRequestCount) == (1, 2)
    run()


def test_ending_finished_ended(calls):
    # test-stream-writableState-ending
    w = Writable()

    def states():
        s = w._writableState
        return (s.ending, s.finished, s.ended)
    w._write = calls.must_call(lambda chunk, encoding, cb: (
        states() == (False, False, False) or pytest.fail(str(states())), cb()))
    w.on('finish', calls.must_call(lambda: states() == (True, True, True) or pytest.fail()))
    result = w.end('testing function end()',
                   calls.must_call(lambda err=None: states() == (True, True, True) or pytest.fail()))
    assert result is w
    assert states() == (True, False, True)
    run()


def test_writable_finished(calls):
    # test-stream-writable-finished
    assert isinstance(Writable.writableFinished, property)
    w = Writable()
    w._write = lambda chunk, encoding, cb: (w.writableFinished is False or pytest.fail(), cb())
    w.on('finish', calls.must_call(lambda: w.writableFinished is True or pytest.fail()))
    w.end('testing finished state',
          calls.must_call(lambda err=None: w.writableFinished is True or pytest.fail()))

    later = Writable(write=ok_write)
    later.end()
    later.on('finish', calls.must_call())

    for final in (None, lambda self, cb: cb()):
        sync = [True]
        w2 = Writable(write=ok_write, final=final)
        w2.on('prefinish', calls.must_call(lambda sync=sync: sync[0] or pytest.fail('async')))
        w2.end()
        sync[0] = False

    sync = [True]
    w3 = Writable(write=ok_write,
                  final=calls.must_call(lambda self, cb: (sync[0] or pytest.fail(), cb())))
    w3.end()
    sync[0] = False
    run()


def test_writable_corked_counts_cork_calls():
    # test-stream-writable-properties
    w = Writable()
    assert w.writableCorked == 0
    w.uncork()
    assert w.writableCorked == 0
    w.cork()
    w.cork()
    assert w.writableCorked == 2
    w.uncork()
    assert w.writableCorked == 1
    w.uncork()
    w.uncork()
    assert w.writableCorked == 0


def test_destroy_while_final_is_pending_emits_only_close(calls):
    # test-stream-writable-final-destroy (queueMicrotask -> nextTick)
    w = Writable(write=lambda self, c, e, cb: cb(None),
                 final=lambda self, cb: net.nextTick(cb))
    w.end()
    w.destroy()
    w.on('prefinish', calls.must_not_call())
    w.on('finish', calls.must_not_call())
    w.on('close', calls.must_call())
    run()


def test_an_error_from_final_reaches_end_callback_and_is_raised():
    # test-stream-writable-end-cb-uncaught: end()'s callback gets the error,
    # and the unhandled 'error' is raised (Node: uncaughtException)
    w = Writable()
    err = RuntimeError('kaboom')
    w._write = lambda chunk, encoding, cb: cb()
    w._final = lambda cb: cb(err)
    w.write('asd')
    got = []
    w.end(got.append)
    with pytest.raises(RuntimeError, match='kaboom'):
        run()
    run()
    assert got == [err]


@pytest.mark.parametrize('later', [False, True])
def test_a_write_error_means_no_finish(calls, later):
    # test-stream-writable-write-writev-finish (without _writev)
    w = Writable()
    if later:
        w._write = lambda chunks, encoding, cb: net.setImmediate(cb, RuntimeError('write test error'))
    else:
        w._write = lambda chunks, encoding, cb: cb(RuntimeError('write test error'))
    w.on('finish', calls.must_not_call())
    w.on('prefinish', calls.must_not_call())
    w.on('error', calls.must_call(lambda er: str(er) == 'write test error' or pytest.fail()))
    w.end('test')
    run()


@pytest.mark.parametrize('later', [False, True])
def test_a_writev_error_means_no_finish(calls, later):
    # test-stream-writable-write-writev-finish (corked, so _writev)
    w = Writable()

    def fail(cb, message):
        if later:
            net.setImmediate(cb, RuntimeError(message))
        else:
            cb(RuntimeError(message))
    w._write = lambda chunks, encoding, cb: fail(cb, 'write test error')
    w._writev = lambda chunks, cb: fail(cb, 'writev test error')
    w.on('finish', calls.must_not_call())
    w.on('prefinish', calls.must_not_call())
    w.on('error', calls.must_call(lambda er: str(er) == 'writev test error' or pytest.fail()))
    w.cork()
    w.write('test')
    net.setImmediate(w.end, 'test')
    run()


@pytest.mark.parametrize('later', [False, True])
def test_a_piped_destination_that_fails_does_not_finish(calls, later):
    # test-stream-writable-write-writev-finish (Node issue 13812)
    rs = Readable()
    rs.push('ok')
    rs.push(None)
    rs._read = lambda size: None
    ws = Writable()
    ws.on('finish', calls.must_not_call())
    ws.on('error', calls.must_call())
    if later:
        ws._write = lambda chunk, encoding, done: net.setImmediate(done, RuntimeError())
    else:
        ws._write = lambda chunk, encoding, done: done(RuntimeError())
    rs.pipe(ws)
    run()


@pytest.mark.parametrize('event', ['prefinish', 'finish'])
def test_a_write_from_prefinish_or_finish_is_an_error(calls, event):
    # test-stream-writable-write-writev-finish (the last two cases)
    w = Writable()
    w._write = lambda chunk, encoding, cb: net.nextTick(cb)
    seen = []
    w.on('error', calls.must_call(lambda err: seen.append(err.code)))
    if event == 'prefinish':
        w.on('finish', calls.must_not_call())
    w.on(event, lambda: w.write("shouldn't write in %s listener" % event))
    w.end()
    run()
    assert seen == ['ERR_STREAM_WRITE_AFTER_END']


def test_transform_options_become_its_methods(calls):
    # test-stream-transform-constructor-set-methods
    t = Transform()
    with pytest.raises(errors.ERR_METHOD_NOT_IMPLEMENTED,
                       match=r'^The _transform\(\) method is not implemented$'):
        t.end(b'blerg')
    transform = calls.must_call(lambda self, chunk, _, nxt: nxt())
    final = calls.must_call(lambda self, nxt: nxt())
    flush = calls.must_call(lambda self, nxt: nxt())
    t2 = Transform(transform=transform, flush=flush, final=final)
    assert t2._transform.__func__ is transform and t2._flush.__func__ is flush
    assert t2._final.__func__ is final
    t2.end(b'blerg')
    t2.resume()
    run()


def test_transform_with_a_zero_mark(calls):
    # test-stream-transform-hwm0
    t = Transform(objectMode=True, highWaterMark=0,
                  transform=lambda self, chunk, enc, cb: net.nextTick(cb, None, chunk, enc))
    assert t.write(1) is False

    def on_drain():
        assert t.write(2) is False
        t.end()
    t.on('drain', calls.must_call(on_drain))

    def on_readable():
        assert t.read() == 1

        def later():
            assert t.read() is None
            t.once('readable', calls.must_call(lambda: t.read() == 2 or pytest.fail()))
        net.setImmediate(calls.must_call(later))
    t.once('readable', calls.must_call(on_readable))
    run()


def test_auto_destroy_after_end_and_finish(calls):
    # test-stream-auto-destroy
    def destroy(self, err, cb):
        cb()
    r = Readable(autoDestroy=True, destroy=calls.must_call(destroy),
                 read=lambda self, size: (self.push('hello'), self.push('world'), self.push(None)))
    log = []
    r.resume()
    r.on('end', calls.must_call(lambda: log.append('r end')))
    r.on('close', calls.must_call(lambda: log.append('r close')))

    w = Writable(autoDestroy=True, destroy=calls.must_call(destroy),
                 write=lambda self, data, enc, cb: cb(None))
    w.write('hello')
    w.write('world')
    w.end()
    w.on('finish', calls.must_call(lambda: log.append('w finish')))
    w.on('close', calls.must_call(lambda: log.append('w close')))

    t = Transform(autoDestroy=True, destroy=calls.must_call(destroy),
                  transform=lambda self, data, enc, cb: cb(None, data))
    t.write('hello')
    t.write('world')
    t.end()
    t.resume()
    t.on('end', calls.must_call(lambda: log.append('t end')))
    t.on('finish', calls.must_call(lambda: log.append('t finish')))
    t.on('close', calls.must_call(lambda: log.append('t close')))
    run()
    assert log.index('r end') < log.index('r close')
    assert log.index('w finish') < log.index('w close')
    assert max(log.index('t end'), log.index('t finish')) < log.index('t close')


@pytest.mark.parametrize('kind', [Readable, Writable])
def test_an_error_emitted_on_a_pipe_destination_destroys_it(calls, kind):
    # test-stream-auto-destroy (the last two cases): a pipe destination
    # with no 'error' listener of its own that errors is destroyed with
    # the error (its _destroy's callback drops it: no 'error' again)
    def read(self, size):
        dest.emit('error', RuntimeError('fail'))
    r = Readable(read=read)
    seen = []
    dest = kind(autoDestroy=True,
                destroy=calls.must_call(lambda self, err, cb: (seen.append(str(err)), cb())))
    dest.on('close', calls.must_call())
    r.pipe(dest)
    run()
    assert seen == ['fail']


def test_is_writable_until_end_or_destroy_and_none_for_no_writable():
    """stream.isWritable (Node 20.0's): True, then False after end() or
    destroy(); None for a Readable or an object that is no stream; True
    for a new net.Socket (each run under Node 20.20)."""
    from pyuvnet import stream
    from pyuvnet.stream import PassThrough
    w = Writable(write=lambda self, chunk, encoding, cb: cb())
    assert stream.isWritable(w) is True and stream.is_writable(w) is True
    w.end()
    assert stream.isWritable(w) is False
    assert stream.isWritable(Readable(read=lambda self, size: None)) is None
    assert stream.isWritable(object()) is None
    sock = net.Socket()
    assert stream.isWritable(sock) is True
    sock.destroy()
    p = PassThrough()
    p.destroy()
    assert stream.isWritable(p) is False
