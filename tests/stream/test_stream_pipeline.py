"""pipe(), pipeline(), finished(), addAbortSignal() and Readable.from(),
pinned against Node 20 (ports of test-stream-pipe-*, test-stream-pipeline*,
test-stream-finished, test-stream-add-abort-signal, test-readable-from*,
test-stream2-pipe-error-*, test-stream-unpipe-event)."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import (
    PassThrough, Readable, Transform, Writable, addAbortSignal, finished, pipeline,
)
from stream_support import calls, recorder, run  # noqa: F401 (calls is a fixture)


def idle(self, size):
    pass


def ok_write(self, chunk, encoding, callback):
    callback()


def collector(objectMode=False, **options):
    got = []
    w = Writable(objectMode=objectMode, write=lambda self, c, e, cb: (got.append(c), cb()),
                 **options)
    return w, got


def test_pipe_and_unpipe_events():
    # test-stream-pipe-event, test-stream-unpipe-event
    r = Readable(read=idle)
    w = Writable(write=ok_write)
    log = []
    w.on('pipe', lambda src: log.append(('pipe', src is r)))
    w.on('unpipe', lambda src, *info: log.append(('unpipe', src is r)))
    assert r.pipe(w) is w
    r.unpipe(w)
    assert log == [('pipe', True), ('unpipe', True)]
    assert r.readableFlowing is False


def test_pipe_ends_the_destination_unless_told():
    # test-stream-pipe-after-end, test-stream2-finish-pipe
    r = Readable(read=idle)
    w, got = collector()
    r.pipe(w)
    r.push('a')
    r.push(None)
    finishes = recorder(w, ['finish'])
    r2 = Readable(read=idle)
    w2 = Writable(write=ok_write)
    r2.pipe(w2, end=False)
    r2.push(None)
    run()
    assert got == [b'a'] and finishes == ['finish']
    assert not w2.writableEnded


def test_pipe_backpressure_pauses_the_source():
    # test-stream-pipe-await-drain, test-stream-backpressure
    n = 0

    def read(self, size):
        nonlocal n
        n += 1
        self.push(None if n > 5 else 'x%d' % n)
    r = Readable(highWaterMark=2, read=read)
    log = []
    w = Writable(highWaterMark=3,
                 write=lambda self, c, e, cb: (log.append(c.decode()), net.setImmediate(cb)))
    w.on('drain', lambda: log.append('drain'))
    r.on('pause', lambda: log.append('pause'))
    r.on('end', lambda: log.append('end'))
    w.on('finish', lambda: log.append('finish'))
    r.pipe(w)
    run()
    assert log == ['x1', 'pause', 'x2', 'drain', 'x3', 'pause', 'x4', 'drain', 'x5', 'end',
                   'finish', 'pause']


def test_pipe_to_two_destinations():
    # test-stream-pipe-multiple-pipes
    r = Readable(read=idle)
    a, got_a = collector()
    b, got_b = collector()
    r.pipe(a)
    r.pipe(b)
    r.push('1')
    r.push('2')
    r.push(None)
    run()
    assert got_a == got_b == [b'1', b'2']


def test_pipe_error_of_the_destination_unpipes():
    # test-stream-pipe-error-handling, test-stream2-pipe-error-handling
    r = Readable(read=idle)
    w = Writable(write=lambda self, c, e, cb: cb(RuntimeError('dest broke')))
    seen = []
    w.on('error', lambda e: seen.append(str(e)))
    r.pipe(w)
    r.push('x')
    run()
    assert seen == ['dest broke']
    assert len(r._readableState.pipes) == 0


def test_pipeline_joins_and_destroys_every_stage():
    r = Readable.from_(['a', 'b'])
    t = Transform(objectMode=True, transform=lambda self, c, e, cb: cb(None, c.upper()))
    w, got = collector(objectMode=True)
    results = []
    ret = pipeline(r, t, w, lambda err, value=None: results.append(
        (err, r.destroyed, t.destroyed, w.destroyed)))
    assert ret is w
    run()
    assert got == ['A', 'B']
    assert results == [(None, True, True, True)]


def test_pipeline_error_in_the_middle_destroys_all():
    r = Readable(read=idle)
    t = PassThrough()
    w = Writable(write=ok_write)
    results = []
    pipeline(r, t, w, lambda err, value=None: results.append(
        (str(err), r.destroyed, t.destroyed, w.destroyed)))
    r.push('a')
    net.setImmediate(lambda: t.destroy(RuntimeError('mid')))
    run()
    assert results == [('mid', True, True, True)]


def test_pipeline_destination_error():
    r = Readable(read=idle)
    w = Writable(write=lambda self, c, e, cb: cb(RuntimeError('wfail')))
    results = []
    pipeline(r, w, lambda err, value=None: results.append((str(err), r.destroyed)))
    r.push('x')
    run()
    assert results == [('wfail', True)]


def test_pipeline_premature_close():
    r = Readable(read=idle)
    w = Writable(write=ok_write)
    results = []
    pipeline(r, w, lambda err, value=None: results.append(err.code))
    net.setImmediate(r.destroy)
    run()
    assert results == ['ERR_STREAM_PREMATURE_CLOSE']


def test_pipeline_with_nothing_lacks_its_callback():
    # Node 20 looks for the callback first: ERR_INVALID_ARG_TYPE.
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE, match=r'streams\[stream.length - 1\]'):
        pipeline()


def test_pipeline_arguments():
    with pytest.raises(errors.ERR_MISSING_ARGS):
        pipeline(PassThrough(), lambda err: None)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE, match=r'streams\[stream.length - 1\]'):
        pipeline(PassThrough(), PassThrough())
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        pipeline(5, PassThrough(), lambda err: None)


def test_pipeline_of_a_generator_function_source():
    # test-stream-pipeline (generator sources), run without asyncio
    def source():
        yield 'a'
        yield 'b'
    w, got = collector(objectMode=True)
    results = []
    pipeline(source, w, lambda err, value=None: results.append((err, value)))
    run()
    assert got == ['a', 'b'] and results == [(None, None)]


def test_pipeline_of_sync_generator_stages():
    def double(source):
        for item in source:
            yield item * 2
    w, got = collector(objectMode=True)
    results = []
    pipeline([1, 2, 3], double, w, lambda err, value=None: results.append(err))
    run()
    assert got == [2, 4, 6] and results == [None]


def test_pipeline_stage_that_returns_no_iterable():
    with pytest.raises(errors.ERR_INVALID_RETURN_VALUE):
        pipeline([1], lambda source: 5, PassThrough(objectMode=True), lambda err: None)


def test_pipeline_generator_that_raises_fails_the_pipeline():
    def source():
        yield 'a'
        raise ValueError('gen failed')
    w, got = collector(objectMode=True)
    results = []
    pipeline(source, w, lambda err, value=None: results.append(str(err)))
    run()
    assert results == ['gen failed'] and w.destroyed


def test_pipeline_iterable_respects_backpressure():
    produced = []

    def source():
        for i in range(10):
            produced.append(i)
            yield b'x' * 4
    seen = []
    w = Writable(highWaterMark=8,
                 write=lambda self, c, e, cb: (seen.append(len(produced)), net.setImmediate(cb)))
    pipeline(source, w, lambda err, value=None: None)
    run()
    # Each write waited for the previous drain: the generator never ran ahead.
    assert seen[:3] == [1, 2, 3] and len(seen) == 10


def test_finished_on_writable_and_readable():
    # test-stream-finished
    w = Writable(write=ok_write)
    results = []
    finished(w, lambda err: results.append(('w', err)))
    w.end()
    r = Readable(read=idle)
    r.resume()
    r.push(None)
    r.on('end', lambda: finished(r, lambda err: results.append(('r', err))))
    run()
    assert sorted(results, key=str) == [('r', None), ('w', None)]


def test_finished_premature_close_and_errors():
    r = Readable(read=idle)
    results = []
    finished(r, lambda err: results.append(err.code))
    r.destroy()
    e = Readable(read=idle)
    e.on('error', lambda err: None)
    finished(e, {'error': False}, lambda err: results.append(str(err)))
    e.destroy(RuntimeError('x'))
    run()
    assert results == ['ERR_STREAM_PREMATURE_CLOSE', 'x']



@pytest.mark.parametrize('auto_destroy, listening, results', [
    (False, 1, ['ERR_STREAM_PREMATURE_CLOSE']), (True, 0, []),
], ids=['no_close_to_come', 'close_to_come'])
def test_finished_takes_aborted_for_a_close_when_none_will_come(auto_destroy, listening,
                                                                results):
    # Node 20's end-of-stream: a stream with an `aborted` flag that will
    # not emit 'close' (autoDestroy off) is done at its 'aborted'; one
    # that will waits for that 'close' (pinned under Node 20).
    r = Readable(read=idle, autoDestroy=auto_destroy)
    r.aborted = False
    got = []
    finished(r, lambda err: got.append(err.code))
    assert r.listenerCount('aborted') == listening
    r.emit('aborted')
    run()
    assert (got, r.destroyed) == (results, False)

def test_finished_cleanup_removes_listeners(calls):
    r = Readable(read=idle)
    before = {name: r.listenerCount(name) for name in ('end', 'close', 'error', 'finish')}
    cleanup = finished(r, calls.must_not_call('finished callback'))
    cleanup()
    after = {name: r.listenerCount(name) for name in ('end', 'close', 'error', 'finish')}
    assert before == after
    r.destroy()
    run()


def test_finished_arguments():
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        finished(PassThrough(), None)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        finished(5, lambda err: None)


def test_add_abort_signal_destroys_with_an_abort_error():
    # test-stream-add-abort-signal
    ac = net.AbortController()
    w = addAbortSignal(ac.signal, Writable(write=ok_write))
    seen = []
    w.on('error', lambda e: seen.append((type(e).__name__, e.code, e.cause)))
    ac.abort('why')
    run()
    assert seen == [('AbortError', 'ABORT_ERR', 'why')]
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        addAbortSignal('x', PassThrough())
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        addAbortSignal(net.AbortController().signal, 5)


def test_signal_option_aborts():
    signal = net.AbortSignal.abort()
    r = Readable(read=idle, signal=signal)
    log = recorder(r, ['error', 'close'])
    run()
    assert log == ['error:ABORT_ERR', 'close']


def test_pipeline_signal_keyword_aborts_everything():
    ac = net.AbortController()
    r = Readable(read=idle)
    w = Writable(write=ok_write)
    results = []
    pipeline(r, w, lambda err, value=None: results.append(
        (type(err).__name__, r.destroyed, w.destroyed)), signal=ac.signal)
    ac.abort()
    run()
    assert results == [('AbortError', True, True)]


def test_readable_from_values_string_and_none():
    # test-readable-from
    got = []
    Readable.from_('abc').on('data', got.append)
    Readable.from_(b'xy').on('data', got.append)
    r = Readable.from_([1, None, 3])
    r.on('data', got.append)
    r.on('error', lambda e: got.append(e.code))
    run()
    assert got == ['abc', b'xy', 1, 'ERR_STREAM_NULL_VALUES']


def test_readable_from_closes_the_generator_on_destroy():
    # test-readable-from-iterator-closing
    closed = []

    def gen():
        try:
            for i in range(100):
                yield i
        finally:
            closed.append(True)
    r = Readable.from_(gen())
    got = []

    def on_data(item):
        got.append(item)
        if item == 2:
            r.destroy()
    r.on('data', on_data)
    run()
    # Node's order: the chunk read in the same flow still comes.
    assert got == [0, 1, 2, 3] and closed == [True]


def test_readable_from_generator_error():
    def gen():
        yield 1
        raise ValueError('gen')
    r = Readable.from_(gen())
    log = []
    r.on('data', log.append)
    r.on('error', lambda e: log.append(str(e)))
    run()
    assert log == [1, 'gen']


def test_readable_from_rejects_a_non_iterable():
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        Readable.from_(5)
