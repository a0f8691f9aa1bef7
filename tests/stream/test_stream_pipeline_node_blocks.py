"""Node 20's test/parallel/test-stream-pipeline.js, block by block: the
blocks run without asyncio and without HTTP (each test names its block by
its first lines or its intent; the asyncio blocks are in
test_stream_pipeline_node_async_blocks.py, the HTTP and net ones in
test_stream_pipeline_node_http_blocks.py). Every expectation was run
under /usr/bin/node (v20.20.2) first.

Blocks ported elsewhere: the first (three pushes, then null) and the
premature close of a destroyed source (test_stream_pipeline.py's joins,
premature-close and arguments tests); the generator sources
(test_pipeline_of_a_generator_function_source; the async ones and
promisify(pipeline) in test_stream_async.py). Blocks not applicable: the
closed fs.WriteStream (its ERR_STREAM_UNABLE_TO_PIPE is newer than Node
20: v20.20.2 has no such code and its pipeline neither rejects nor
resolves there), a generator *function* as the last
stage (Node refuses it, ERR_INVALID_RETURN_VALUE; pyuvnet takes sync
generator stages by design, docs/api/stream.md), a thenable whose `then`
getter throws on a second read (Python has no thenables: an awaitable is
awaited once), a stream whose Symbol.asyncIterator is set to null (Python
looks `__aiter__` up on the type), and a stage reading the `{ signal }`
Node passes it (pyuvnet calls a source with no argument, docs/api/stream.md).
"""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import (
    Duplex, PassThrough, Readable, Stream, Transform, Writable, pipeline,
)
from stream_support import calls, run  # noqa: F401 (calls is a fixture)


def idle(self, size):
    pass


def ok_write(self, chunk, encoding, callback):
    callback()


def legacy_echo(destroy=None):
    """A legacy Stream whose write() emits 'data' and end() 'end' (the
    block's oldStream); ``destroy`` becomes its destroy() if given."""
    old = Stream()
    old.pause = old.resume = lambda *args: None
    old.write = lambda data, *args: (old.emit('data', data), True)[1]
    old.end = lambda *args: old.emit('end')
    if destroy is not None:
        old.destroy = destroy
    return old


def test_a_source_and_only_a_function_lack_arguments():
    # "pipeline(read, () => {})", "pipeline(() => {})", "pipeline()"
    with pytest.raises(errors.ERR_MISSING_ARGS):
        pipeline(Readable(read=idle), lambda err: None)
    with pytest.raises(errors.ERR_MISSING_ARGS):
        pipeline(lambda err: None)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        pipeline()


def test_a_source_destroyed_with_an_error_fails_the_pipeline(calls):
    # "setImmediate(() => read.destroy(new Error('kaboom')))": the
    # callback gets kaboom, and pipeline() returned the destination.
    read = Readable(read=idle)
    write = Writable(write=ok_write)
    read.push('data')
    net.setImmediate(lambda: read.destroy(ValueError('kaboom')))
    dst = pipeline(read, write, calls.must_call(lambda err, value=None: (
        str(err) == 'kaboom' and read.destroyed and write.destroyed) or pytest.fail(err)))
    assert dst is write
    run()


def test_a_failing_transform_errors_and_closes_every_stage(calls):
    # "transform(data, enc, cb) { cb(new Error('kaboom')) }": each stage
    # gets 'error' then 'close', the transform first, then the callback.
    read = Readable(read=idle)
    transform = Transform(transform=lambda self, data, enc, cb: cb(ValueError('kaboom')))
    write = Writable(write=ok_write)
    log = []
    for name, stream in (('r', read), ('t', transform), ('w', write)):
        stream.on('close', lambda name=name: log.append(name + ' close'))
        stream.on('error', lambda err, name=name: log.append('%s error %s' % (name, err)))
    dst = pipeline(read, transform, write,
                   calls.must_call(lambda err, value=None: log.append('callback %s' % err)))
    assert dst is write
    read.push('hello')
    run()
    assert log == ['t error kaboom', 't close', 'r error kaboom', 'r close', 'w error kaboom',
                   'w close', 'callback kaboom']


def test_a_failing_sink_closes_six_transforms_behind_it(calls):
    # "makeTransform()" six times into a sink failing at its tenth write:
    # the sink closes first, then the source, then the transforms in order.
    log = []

    def make_transform(i):
        tr = Transform(transform=lambda self, data, enc, cb: cb(None, data))
        tr.on('close', lambda: log.append('t%d' % i))
        return tr
    count = [10]

    def write(self, data, enc, cb):
        count[0] -= 1
        cb(ValueError('kaboom') if count[0] == 0 else None)
    rs = Readable(read=lambda self, size: self.push('hello'))
    ws = Writable(write=write)
    rs.on('close', lambda: log.append('rs'))
    ws.on('close', lambda: log.append('ws'))
    pipeline(rs, *[make_transform(i) for i in range(1, 7)], ws,
             calls.must_call(lambda err, value=None: log.append('callback %s' % err)))
    run()
    assert log == ['ws', 'rs', 't1', 't2', 't3', 't4', 't5', 't6', 'callback kaboom']


def test_a_legacy_stream_in_the_middle(calls):
    # "const oldStream = new Stream()" between a Readable and a Writable.
    got = []
    finished = []
    rs = Readable(read=lambda self, size: (self.push('hello'), self.push('world'),
                                           self.push(None)))
    ws = Writable(write=lambda self, data, enc, cb: (got.append(data), cb()))
    ws.on('finish', lambda: finished.append(True))
    pipeline(rs, legacy_echo(), ws, calls.must_call(
        lambda err, value=None: err is None or pytest.fail(err)))
    run()
    assert got == [b'hello', b'world'] and finished == [True]


def test_legacy_streams_with_and_without_destroy_on_a_failure(calls):
    # "const destroyableOldStream = new Stream()": the source fails; the
    # legacy stream with a destroy() has it called, the one without gets
    # Node's 'error' then 'close' (no destroy() to call), and the
    # callback gets the source's error, the sink never finishing.
    log = []
    plain = legacy_echo()
    plain.on('close', lambda: log.append('plain close'))
    plain.on('error', lambda err: log.append('plain error %s' % err))

    def destroy(*args):
        log.append('destroy')
        destroyable.emit('close')
    destroyable = legacy_echo(calls.must_call(destroy))
    rs = Readable(read=lambda self, size: self.destroy(ValueError('stop')))
    ws = Writable(write=ok_write)
    ws.on('finish', calls.must_not_call("the sink's 'finish'"))
    pipeline(rs, plain, destroyable, ws, calls.must_call(
        lambda err, value=None: log.append('callback %s' % err)))
    run()
    assert log == ['destroy', 'plain error stop', 'callback stop', 'plain close']


def test_a_legacy_stream_has_no_destroy():
    # Node's Stream.prototype has none (pipeline()'s destroyer relies on it).
    assert not hasattr(Stream(), 'destroy')
    assert callable(Readable().destroy) and callable(Writable().destroy)


def test_a_transform_with_no_callback_is_refused():
    # "pipeline(read, transform, write)" without a callback
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        pipeline(Readable(read=idle), Transform(transform=lambda *args: None),
                 Writable(write=ok_write))


@pytest.mark.parametrize('shape', ['source', 'middle', 'last'])
def test_a_stage_that_returns_nothing_is_refused_before_anything_is_destroyed(shape):
    # "pipeline(function(source) {}, s, () => {})", "pipeline(s,
    # function(source) {}, s, ...)", "pipeline(s, function(source) {},
    # ...)": ERR_INVALID_RETURN_VALUE, s not destroyed, its 'error' and
    # 'close' listeners (0 when s comes after the stage that failed) left.
    s = PassThrough()
    stages = {'source': [lambda: None, s], 'middle': [s, lambda source: None, s],
              'last': [s, lambda source: None]}[shape]
    with pytest.raises(errors.ERR_INVALID_RETURN_VALUE):
        pipeline(*stages, lambda err, value=None: None)
    left = 0 if shape == 'source' else 2
    assert (s.destroyed, s.listenerCount('error'), s.listenerCount('close')) == (False, left, left)


def test_no_autodestroy_streams_stay_undestroyed(calls):
    # "new PassThrough({ autoDestroy: false })" both ways
    src = PassThrough(autoDestroy=False)
    dst = PassThrough(autoDestroy=False)
    pipeline(src, dst, calls.must_call(lambda err, value=None: (
        err is None and not src.destroyed and not dst.destroyed) or pytest.fail(err)))
    src.end()
    run()


def test_close_before_end_after_eof_is_no_error(calls):
    # "Make sure 'close' before 'end' finishes without error if readable
    # has received eof" (Node issue 29699)
    r = Readable()
    w = Writable(write=ok_write)
    pipeline(r, w, calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    r.push('asd')
    r.push(None)
    r.emit('close')
    run()


@pytest.mark.parametrize('readable, destroyed', [(True, False), (False, True)])
def test_a_passthrough_destination_is_destroyed_only_once_unreadable(calls, readable, destroyed):
    # "pipeline(src, dst, ...)" then "dst.readable = false": a readable
    # last stage is left open, an unreadable one destroyed.
    src = PassThrough()
    dst = PassThrough()
    if not readable:
        dst.readable = False
    pipeline(src, dst, calls.must_call(lambda err, value=None: (
        err is None and dst.destroyed is destroyed) or pytest.fail(err)))
    src.end()
    run()


def test_a_duplex_source_keeps_its_writable_side(calls):
    # "Might still want to be able to use the writable side of src"
    src = PassThrough()
    assert src.writable is True
    pipeline(src, PassThrough(), calls.must_call(lambda err, value=None: (
        err is None and src.writable is True and src.destroyed is False) or pytest.fail(err)))
    src.push(None)
    run()


@pytest.mark.parametrize('make_dst, destroyed', [
    (lambda: Writable(write=ok_write), True), (lambda: Duplex(), False)],
    ids=['writable', 'duplex'])
def test_a_source_closing_late_has_closed_at_the_callback(calls, make_dst, destroyed):
    # "destroy(err, cb) { process.nextTick(cb) }" into a Writable, then
    # into "new Duplex({})": the source's 'close' came before the
    # callback; the Writable has finished (destroyed), the Duplex not.
    closed = []
    src = Readable(read=idle, destroy=lambda self, err, cb: net.nextTick(cb))
    dst = make_dst()
    src.on('close', calls.must_call(lambda: closed.append(True)))
    src.push(None)
    pipeline(src, dst, calls.must_call(lambda err, value=None: (
        err is None and closed == [True] and dst.destroyed is destroyed) or pytest.fail(err)))
    run()


def test_a_duplex_with_no_autodestroy_is_not_destroyed_by_its_slow_final(calls):
    # "autoDestroy: false ... final: setTimeout(cb, 1000) ... destroy:
    # common.mustNotCall()" (twice in Node's file): the pipeline is done
    # with the readable side; the final runs after, the Duplex not destroyed.
    log = []
    d = Duplex(autoDestroy=False,
               write=calls.must_call(lambda self, data, enc, cb: (self.push(data), cb())),
               read=calls.must_call(lambda self, size: self.push(None)),
               final=calls.must_call(lambda self, cb: net.setTimeout(
                   lambda: (log.append('final %s' % self.destroyed), cb()), 20)),
               destroy=calls.must_not_call('destroy'))
    sink = Writable(write=calls.must_call(lambda self, data, enc, cb: (log.append(data), cb())))
    pipeline(d, sink, calls.must_call(lambda err, value=None: log.append('callback %s' % err)))
    d.write('test')
    d.end()
    run()
    assert log == [b'test', 'callback None', 'final False']


def test_stages_given_as_one_list(calls):
    # "pipeline([r, w], ...)"
    r = Readable(read=idle)
    r.push('hello')
    r.push('world')
    r.push(None)
    got = []
    w = Writable(write=lambda self, chunk, enc, cb: (got.append(chunk), cb()))
    pipeline([r, w], calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    run()
    assert b''.join(got) == b'helloworld'


def test_a_last_transform_is_flushed_before_the_callback(calls):
    # "flush: (cb) => setTimeout(() => { flushed = true; cb(null) }, 1)"
    flushed = []
    t = Transform(transform=lambda self, chunk, enc, cb: cb(None, chunk),
                  flush=lambda self, cb: net.setTimeout(lambda: (flushed.append(True), cb(None)), 1))
    source = Readable()
    source.push(None)
    pipeline(source, t, calls.must_call(lambda err, value=None: (
        err is None and flushed == [True]) or pytest.fail(err)))
    run()


def test_a_list_of_values_is_a_source(calls):
    # "pipeline([1, 2, 3], PassThrough({ objectMode: true }))" and
    # "pipeline(['1', '2', '3'], w)"
    pipeline([1, 2, 3], PassThrough(objectMode=True),
             calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    got = []
    w = Writable(write=lambda self, chunk, enc, cb: (got.append(chunk), cb()))
    pipeline(['1', '2', '3'], w, calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    run()
    assert b''.join(got) == b'123'


def test_bytes_are_a_source_of_their_byte_values(calls):
    # "pipeline(Buffer.from(content), PassThrough({ objectMode: true }))":
    # a Buffer is iterated, one number per byte (Node's [97, 98, 99]).
    got = []
    sink = Writable(objectMode=True, write=lambda self, chunk, enc, cb: (got.append(chunk), cb()))
    pipeline(b'abc', PassThrough(objectMode=True), sink,
             calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    run()
    assert got == [97, 98, 99]


def test_an_overridden_end_is_called_once(calls):
    # "class CustomWritable extends Writable { end() { this.endCount += 1 } }"
    class CustomReadable(Readable):
        def _read(self, size):
            self.push('asd')
            self.push(None)

    class CustomWritable(Writable):
        def __init__(self):
            super().__init__()
            self.end_count = 0
            self.got = b''

        def _write(self, chunk, enc, cb):
            self.got += chunk
            cb()

        def end(self, *args, **kwargs):
            self.end_count += 1
            return super().end()
    writable = CustomWritable()
    pipeline(CustomReadable(), writable, calls.must_call(lambda err, value=None: (
        err is None and writable.got == b'asd' and writable.end_count == 1) or pytest.fail(err)))
    run()


@pytest.mark.parametrize('make', [
    lambda: Readable(read=idle), lambda: Duplex(read=idle, write=ok_write)],
    ids=['readable', 'duplex'])
def test_a_pipeline_from_a_stream_that_has_ended(calls, make):
    # "readable.on('end', () => pipeline(readable, new PassThrough(), ...))"
    # and the same with a Duplex
    stream = make()
    stream.on('end', calls.must_call(lambda: pipeline(
        stream, PassThrough(), calls.must_call(
            lambda err, value=None: err is None or pytest.fail(err)))))
    stream.push(None)
    stream.read()
    run()


def test_the_source_has_ended_before_the_sinks_final(calls):
    # "for (let i = 0; i < 4000; i++) r.push('asdfdagljanfgkaljdfn')":
    # final() sees the source's 'end' already emitted.
    r = Readable()
    for _ in range(4000):
        r.push('asdfdagljanfgkaljdfn')
    r.push(None)
    ended = []
    r.on('end', lambda: ended.append(True))
    w = Writable(write=lambda self, chunk, enc, cb: cb(None),
                 final=calls.must_call(lambda self, cb: (
                     ended == [True] or pytest.fail('final before end'), cb(None))))
    pipeline(r, w, calls.must_call(lambda err, value=None: err is None or pytest.fail(err)))
    run()


@pytest.mark.parametrize('middle', [0, 10])
def test_a_slowly_destroyed_sink_has_not_closed_at_the_callback(calls, middle):
    # "See https://github.com/nodejs/node/issues/51540" (both blocks):
    # the source destroyed with an error, the sink's _destroy() calling
    # back on an immediate. Node 20.20 calls back before that sink has
    # closed (dst.closed false; Node 22 waits for it), each PassThrough
    # between closed.
    seen = []
    src = Readable()
    dst = Writable(destroy=lambda self, err, cb: net.setImmediate(cb))
    between = [PassThrough() for _ in range(middle)]
    pipeline(src, *between, dst, calls.must_call(lambda err, value=None: seen.append(
        (str(err), src.closed, dst.closed, all(p.closed for p in between)))))
    src.destroy(ValueError('problem'))
    run()
    assert seen == [('problem', True, False, True)]
