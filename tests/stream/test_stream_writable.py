"""stream.Writable, pinned against Node 20 (ports of test-stream-writable-*,
test-stream-writev, test-stream3-cork-*, test-stream2-writable and
test-stream-write-*)."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import Writable
from stream_support import calls, recorder, run  # noqa: F401 (calls is a fixture)


def ok_write(self, chunk, encoding, callback):
    callback()


def test_write_returns_false_at_the_high_water_mark_then_drain():
    # test-stream-writable-needdrain-state, test-stream-write-drain
    w = Writable(highWaterMark=3, write=lambda self, c, e, cb: net.setImmediate(cb))
    log = recorder(w, ['drain'])
    assert w.write('ab') is True
    assert w.write('c') is False
    assert (w.writableLength, w.writableNeedDrain) == (3, True)
    run()
    assert log == ['drain']
    assert (w.writableLength, w.writableNeedDrain) == (0, False)


def test_drain_comes_once_the_buffer_is_empty_in_object_mode():
    w = Writable(objectMode=True, highWaterMark=2, write=lambda self, c, e, cb: net.nextTick(cb))
    assert [w.write({'a': 1}), w.write([]), w.write(0)] == [True, False, False]
    lengths = []
    w.on('drain', lambda: lengths.append(w.writableLength))
    run()
    assert lengths == [0]


def test_default_high_water_marks_are_spec_section_5s():
    assert Writable().writableHighWaterMark == 65536
    assert Writable(objectMode=True).writableHighWaterMark == 16
    assert Writable(highWaterMark=0).writableHighWaterMark == 0


def test_write_end_and_finish_in_nodes_order():
    log = []

    def write(self, chunk, encoding, callback):
        log.append('write ' + chunk.decode())
        callback()
    w = Writable(write=write)
    recorder(w, ['prefinish', 'finish', 'close', 'error'], log)
    assert w.write('x') is True
    w.end('y', lambda err: log.append('end callback %r' % (err,)))
    assert log == ['write x', 'write y', 'prefinish']
    assert (w.writableEnded, w.writableFinished) == (True, False)
    run()
    assert log == ['write x', 'write y', 'prefinish', 'end callback None', 'finish', 'close']
    assert w.writableFinished and w.destroyed and w.closed


def test_write_after_end_fails_the_write_and_errors_the_stream():
    # test-stream-writable-write-error, test-stream-writable-ended-state
    w = Writable(write=ok_write)
    log = recorder(w, ['finish', 'close', 'error'])
    w.end()
    w.write('z', lambda err: log.append('callback:' + err.code))
    run()
    assert log == ['callback:ERR_STREAM_WRITE_AFTER_END', 'error:ERR_STREAM_WRITE_AFTER_END', 'close']


def test_write_after_destroy_fails_the_callback_without_an_error_event():
    w = Writable(write=ok_write)
    w.destroy()
    log = recorder(w, ['error', 'close'])
    w.write('x', lambda err: log.append('callback:' + err.code))
    run()
    assert log == ['close', 'callback:ERR_STREAM_DESTROYED']


def test_callback_called_twice_is_err_multiple_callback():
    # test-stream-writable-write-cb-twice
    def write(self, chunk, encoding, callback):
        callback()
        callback()
    w = Writable(write=write)
    log = recorder(w, ['finish', 'close', 'error'])
    w.write('a')
    run()
    assert log == ['error:ERR_MULTIPLE_CALLBACK', 'close']


def test_write_error_goes_to_the_callback_then_error_then_close():
    # test-stream-writable-write-cb-error
    boom = RuntimeError('write failed')
    w = Writable(write=lambda self, c, e, cb: cb(boom))
    log = []
    w.write('a', lambda err: log.append(('callback', err)))
    w.on('error', lambda err: log.append(('error', err)))
    w.on('close', lambda: log.append(('close',)))
    run()
    assert log == [('callback', boom), ('error', boom), ('close',)]
    assert w.writableErrored is boom and w.errored is boom


def test_bad_chunks_raise_at_once():
    # test-stream-writable-invalid-chunk, test-stream-writable-null
    w = Writable(write=ok_write)
    with pytest.raises(errors.ERR_STREAM_NULL_VALUES):
        w.write(None)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        w.write(5)
    assert 'string or an instance of Buffer, TypedArray, or DataView' in str(info.value)
    with pytest.raises(errors.ERR_UNKNOWN_ENCODING):
        w.write('x', 'nope')
    # Object mode takes any value but None.
    o = Writable(objectMode=True, write=ok_write)
    assert o.write(5) is True
    with pytest.raises(errors.ERR_STREAM_NULL_VALUES):
        o.write(None)


def test_without_write_the_write_is_err_method_not_implemented():
    # test-stream-writable-constructor-set-methods
    with pytest.raises(errors.ERR_METHOD_NOT_IMPLEMENTED, match=r'The _write\(\) method'):
        Writable().write('x')


def test_strings_are_encoded_unless_decode_strings_is_false():
    # test-stream-writable-decoded-encoding, test-stream-writable-change-default-encoding
    seen = []
    w = Writable(write=lambda self, c, e, cb: (seen.append((c, e)), cb()))
    w.write('6869', 'hex')
    w.setDefaultEncoding('base64')
    w.write('aGk=')
    kept = Writable(decodeStrings=False, write=lambda self, c, e, cb: (seen.append((c, e)), cb()))
    kept.write('hé', 'latin1')
    assert seen == [(b'hi', 'buffer'), (b'hi', 'buffer'), ('hé', 'latin1')]
    with pytest.raises(errors.ERR_UNKNOWN_ENCODING):
        w.setDefaultEncoding('klingon')


def test_a_bytearray_is_copied_at_write():
    seen = []
    w = Writable(write=lambda self, c, e, cb: net.setImmediate(lambda: (seen.append(c), cb())))
    data = bytearray(b'abc')
    w.write(b'first')
    w.write(data)
    data[:] = b'xyz'
    run()
    assert seen == [b'first', b'abc']


def test_cork_buffers_and_uncork_hands_writev_every_chunk():
    # test-stream3-cork-uncork, test-stream-writev
    log = []
    w = Writable(write=lambda self, c, e, cb: (log.append('write ' + c.decode()), cb()),
                 writev=lambda self, chunks, cb: (
                     log.append('writev ' + ','.join(x['chunk'].decode() for x in chunks)), cb()))
    w.cork()
    for c in 'abc':
        w.write(c)
    assert (w.writableCorked, w.writableLength) == (1, 3)
    assert [x['chunk'] for x in w.writableBuffer] == [b'a', b'b', b'c']
    net.nextTick(w.uncork)
    run()
    assert log == ['writev a,b,c']
    assert w.writableLength == 0


def test_end_uncorks():
    # test-stream3-cork-end
    log = []
    w = Writable(writev=lambda self, chunks, cb: (log.append([x['chunk'] for x in chunks]), cb()))
    w.cork()
    w.cork()
    w.write('a')
    w.write('b')
    w.end('c')
    run()
    assert log == [[b'a', b'b', b'c']]


def test_writev_callbacks_each_get_the_result():
    done = []
    w = Writable(write=lambda self, c, e, cb: net.setImmediate(cb),
                 writev=lambda self, chunks, cb: net.setImmediate(cb))
    for n in range(4):
        w.write(str(n), lambda err, n=n: done.append(n))
    run()
    assert done == [0, 1, 2, 3]


def test_sync_write_callbacks_are_deferred_to_a_tick():
    # test-stream-writable-samecb-singletick: one tick for every sync write
    order = []
    w = Writable(write=ok_write)
    for n in range(3):
        w.write('x', lambda err, n=n: order.append(n))
    order.append('returned')
    run()
    assert order == ['returned', 0, 1, 2]


def test_final_runs_before_finish(calls):
    # test-stream-write-final, test-stream-writable-final-async
    log = []

    def final(self, callback):
        log.append('final')
        net.setTimeout(callback, 1)
    w = Writable(write=ok_write, final=final)
    w.on('prefinish', lambda: log.append('prefinish'))
    w.on('finish', calls.must_call(lambda: log.append('finish')))
    w.end('x')
    run()
    assert log == ['final', 'prefinish', 'finish']


def test_final_error_is_error_then_close_without_finish():
    # test-stream-writable-final-throw, test-stream-writable-end-cb-error
    w = Writable(write=ok_write, final=lambda self, cb: cb(RuntimeError('fin')))
    log = recorder(w, ['prefinish', 'finish', 'error', 'close'])
    ends = []
    w.end(lambda err: ends.append(str(err)))
    run()
    assert log == ['error:fin', 'close']
    assert ends == ['fin']


def test_final_that_raises_is_the_error():
    def final(self, callback):
        raise ValueError('raised in final')
    w = Writable(write=ok_write, final=final)
    log = recorder(w, ['finish', 'error', 'close'])
    w.end()
    run()
    assert log == ['error:raised in final', 'close']


def test_end_twice_and_end_after_finish():
    # test-stream-writable-end-multiple
    w = Writable(write=ok_write)
    got = []
    w.end()
    w.end(lambda err: got.append(('second', err)))
    run()
    w.end(lambda err: got.append(('after finish', err.code)))
    run()
    assert got == [('second', None), ('after finish', 'ERR_STREAM_ALREADY_FINISHED')]


def test_construct_holds_writes_until_done():
    # test-stream-construct
    log = []

    def construct(self, callback):
        log.append('construct')
        net.setImmediate(lambda: (log.append('constructed'), callback()))
    w = Writable(construct=construct,
                 write=lambda self, c, e, cb: (log.append('write ' + c.decode()), cb()),
                 final=lambda self, cb: (log.append('final'), cb()))
    w.write('q')
    w.end()
    recorder(w, ['finish', 'close'], log)
    run()
    assert log == ['construct', 'constructed', 'write q', 'final', 'finish', 'close']


def test_construct_error_destroys():
    w = Writable(construct=lambda self, cb: cb(RuntimeError('no')), write=ok_write)
    log = recorder(w, ['error', 'close', 'finish'])
    w.write('never')
    run()
    assert log == ['error:no', 'close']


def test_destroy_during_construct_waits_for_it():
    log = []

    def construct(self, callback):
        net.setImmediate(lambda: (log.append('constructed'), callback()))
    w = Writable(construct=construct, write=ok_write,
                 destroy=lambda self, err, cb: (log.append('_destroy'), cb(err)))
    w.on('close', lambda: log.append('close'))
    w.destroy()
    run()
    assert log == ['constructed', '_destroy', 'close']


def test_subclass_overrides_write():
    # test-stream-writable-constructor-set-methods, the class form
    class Collect(Writable):
        def __init__(self):
            super().__init__(highWaterMark=10)
            self.chunks = []

        def _write(self, chunk, encoding, callback):
            self.chunks.append(chunk)
            callback()
    c = Collect()
    c.write(b'a')
    c.end(b'b')
    run()
    assert c.chunks == [b'a', b'b'] and c.writableFinished


def test_options_in_both_spellings_and_unknown_options():
    w = Writable({'highWaterMark': 5}, decode_strings=False)
    assert w.writable_high_water_mark == 5
    assert w._writableState.decodeStrings is False
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        Writable(hightWaterMark=5)
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        Writable(highWaterMark=-1)


def test_writable_flags():
    # test-stream-writable-writable, test-stream-writable-finished-state
    w = Writable(write=ok_write)
    assert w.writable is True
    w.end()
    assert (w.writable, w.writableEnded, w.writableFinished) == (False, True, False)
    run()
    assert w.writableFinished is True
    d = Writable(write=ok_write)
    d.destroy()
    assert d.writable is False and d.writableAborted is True


def test_destroy_fails_buffered_writes():
    # test-stream-write-destroy
    results = []
    w = Writable(write=lambda self, c, e, cb: net.setImmediate(cb))
    w.write('a', lambda err: results.append(err))
    w.write('b', lambda err: results.append(getattr(err, 'code', err)))
    w.on('close', lambda: results.append('close'))
    w.destroy()
    run()
    assert 'ERR_STREAM_DESTROYED' in results and 'close' in results


def test_custom_destroy_swallowing_the_error():
    # test-stream-writable-destroy: an error given to destroy() is dropped
    # when _destroy calls back without it
    w = Writable(write=ok_write, destroy=lambda self, err, cb: cb())
    log = recorder(w, ['error', 'close', 'finish'])
    w.destroy(RuntimeError('kaboom'))
    assert w.destroyed
    run()
    assert log == ['close']


def test_double_destroy_emits_the_first_error_once():
    w = Writable(write=ok_write)
    errors_seen = []
    w.on('error', errors_seen.append)
    first = RuntimeError('kaboom 1')
    w.destroy(first)
    w.destroy(RuntimeError('kaboom 2'))
    assert w._writableState.errored is first
    assert w._writableState.errorEmitted is False
    run()
    assert errors_seen == [first]


def test_destroy_without_autodestroy_leaves_error_event_only():
    w = Writable(autoDestroy=False, write=lambda self, c, e, cb: cb(RuntimeError('x')))
    log = recorder(w, ['error', 'close'])
    w.write('a')
    run()
    assert log == ['error:x'] and not w.destroyed


def test_emit_close_false():
    w = Writable(emitClose=False, write=ok_write)
    log = recorder(w, ['close', 'finish'])
    w.end()
    run()
    assert log == ['finish']


def test_undestroy_makes_a_destroyed_stream_usable_again():
    # Node's _undestroy(), what net.Socket does before it reconnects
    got = []
    w = Writable(write=lambda self, c, e, cb: (got.append(c), cb()))
    w.destroy()
    run()
    w._undestroy()
    assert not w.destroyed and w.writable
    w.end(b'again')
    run()
    assert got == [b'again'] and w.writableFinished


class _Sink(Writable):
    def _write(self, chunk, encoding, callback):
        net.nextTick(callback)


@pytest.mark.parametrize('make', [
    _Sink,
    lambda: Writable(write=lambda self, chunk, encoding, callback: net.nextTick(callback),
                     final=lambda self, callback: callback()),
], ids=['subclass', 'options'])
def test_a_writable_that_wrote_is_freed_without_gc(make):
    # Neither the callback _write() gets nor an option function bound as a
    # method is kept over the stream: a stream that wrote and finished
    # holds no cycle through itself.
    import gc
    import weakref

    w = make()
    w.write(b'a')
    w.end(b'b')
    run()
    assert w.writableFinished
    ref = weakref.ref(w)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del w
        assert ref() is None
    finally:
        if enabled:
            gc.enable()
