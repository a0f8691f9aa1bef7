"""stream.Duplex, Transform and PassThrough, pinned against Node 20 (ports of
test-stream-duplex-*, test-stream-transform-*, test-stream2-transform,
test-stream-passthrough-drain)."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import Duplex, PassThrough, Readable, Transform, Writable
from stream_support import recorder, run


def ok_write(self, chunk, encoding, callback):
    callback()


def test_a_duplex_is_readable_and_writable():
    # test-stream-duplex, test-stream-inheritance
    d = Duplex(read=lambda self, n: None, write=ok_write)
    assert isinstance(d, Readable) and isinstance(d, Writable)
    assert d.readable and d.writable and d.allowHalfOpen


def test_duplex_side_options():
    # test-stream-duplex-props
    d = Duplex(readableObjectMode=True, writableHighWaterMark=7, readableHighWaterMark=3)
    assert (d.readableObjectMode, d.writableObjectMode) == (True, False)
    assert (d.readableHighWaterMark, d.writableHighWaterMark) == (3, 7)
    # highWaterMark, when given, wins for both sides
    both = Duplex(highWaterMark=5, readableHighWaterMark=3)
    assert (both.readableHighWaterMark, both.writableHighWaterMark) == (5, 5)
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE, match='readableHighWaterMark'):
        Duplex(readableHighWaterMark=-2)


def test_readable_false_makes_a_write_only_duplex():
    # test-stream-duplex-readable-writable
    d = Duplex(readable=False, write=ok_write)
    assert (d.readable, d.writable, d.readableEnded) == (False, True, True)
    log = recorder(d, ['finish', 'close'])
    d.end()
    run()
    assert log == ['finish', 'close']


def test_half_open_duplex_stays_writable_after_end():
    # test-stream-duplex-end
    d = Duplex(read=lambda self, n: None, write=ok_write)
    log = []
    d.on('end', lambda: log.append('end writable=%s' % d.writable))
    d.on('close', lambda: log.append('close'))
    d.resume()
    d.push(None)
    net.setImmediate(lambda: (log.append('later destroyed=%s' % d.destroyed), d.end()))
    run()
    assert log == ['end writable=True', 'later destroyed=False', 'close']


def test_allow_half_open_false_ends_the_write_side():
    d = Duplex(allowHalfOpen=False, read=lambda self, n: None, write=ok_write)
    log = recorder(d, ['end', 'finish', 'close'])
    d.resume()
    d.push(None)
    run()
    assert log == ['end', 'finish', 'close']


def test_duplex_destroy_marks_both_sides():
    # test-stream-duplex-destroy
    d = Duplex(read=lambda self, n: None, write=ok_write)
    log = recorder(d, ['end', 'finish', 'close', 'error'])
    d.destroy()
    assert d.destroyed and d._readableState.destroyed and d._writableState.destroyed
    run()
    assert log == ['close']


def test_transform_and_flush():
    # test-stream2-transform, test-stream-transform-flush-data
    log = []

    def flush(self, callback):
        log.append('flush')
        callback(None, '!')
    t = Transform(transform=lambda self, c, e, cb: cb(None, c.upper()), flush=flush)
    t.on('data', lambda c: log.append(c))
    recorder(t, ['end', 'finish', 'close', 'prefinish'], log)
    t.write('ab')
    t.end('cd')
    run()
    assert log == [b'AB', b'CD', 'flush', b'!', 'prefinish', 'end', 'finish', 'close']


def test_transform_callback_twice_is_err_multiple_callback():
    # test-stream-transform-callback-twice
    def transform(self, chunk, encoding, callback):
        callback(None, chunk)
        callback(None, chunk)
    t = Transform(transform=transform)
    seen = []
    t.on('error', lambda e: seen.append(e.code))
    t.write('a')
    run()
    assert seen == ['ERR_MULTIPLE_CALLBACK']


def test_flush_error_is_error_and_close_without_finish():
    t = Transform(transform=lambda self, c, e, cb: cb(), flush=lambda self, cb: cb(RuntimeError('ff')))
    log = recorder(t, ['error', 'finish', 'close'])
    t.end('x')
    t.resume()
    run()
    assert log == ['error:ff', 'close']


def test_transform_waits_for_its_reader():
    # test-stream-transform-split-highwatermark: a full read side holds
    # the next transform back
    count = []

    def transform(self, chunk, encoding, callback):
        count.append(chunk)
        callback(None, chunk)
    t = Transform(highWaterMark=2, objectMode=True, transform=transform)
    for i in range(6):
        t.write(i)
    net.setImmediate(lambda: count.append((t.readableLength, t.writableLength)))
    run()
    assert count == [0, 1, (2, 5)]


def test_split_object_modes():
    # test-stream-transform-split-objectmode
    t = Transform(readableObjectMode=True, transform=lambda self, c, e, cb: cb(None, len(c)))
    got = []
    t.on('data', got.append)
    t.end('abcd')
    assert (t.readableObjectMode, t.writableObjectMode) == (True, False)
    run()
    assert got == [4]


def test_transform_destroy_only_closes():
    # test-stream-transform-destroy
    t = Transform(transform=lambda self, c, e, cb: cb())
    log = recorder(t, ['end', 'finish', 'close'])
    t.destroy()
    run()
    assert log == ['close']


def test_transform_with_its_own_final_flushes_at_prefinish():
    # test-stream-transform-final, test-stream-transform-final-sync
    log = []
    t = Transform(transform=lambda self, c, e, cb: cb(None, c),
                  final=lambda self, cb: (log.append('final'), cb()),
                  flush=lambda self, cb: (log.append('flush'), cb()))
    recorder(t, ['prefinish', 'finish', 'end'], log)
    t.resume()
    t.end('q')
    run()
    assert log == ['final', 'flush', 'prefinish', 'end', 'finish']


def test_transform_subclass():
    class Upper(Transform):
        def _transform(self, chunk, encoding, callback):
            callback(None, chunk.upper())
    got = []
    u = Upper()
    u.on('data', got.append)
    u.end(b'abc')
    run()
    assert got == [b'ABC']


def test_transform_without_transform_raises_at_write():
    # As Node: the write() call throws.
    with pytest.raises(errors.ERR_METHOD_NOT_IMPLEMENTED, match=r'_transform\(\)'):
        Transform().write('a')


def test_passthrough_passes_and_drains():
    # test-stream-passthrough-drain
    p = PassThrough(highWaterMark=4)
    assert p.write(b'abcd') is False
    drained = []
    p.on('drain', lambda: drained.append(True))
    got = []
    p.on('data', got.append)
    run()
    assert got == [b'abcd'] and drained == [True]


def test_transform_of_readable_hwm_0_buffers_on_neither_side():
    t = Transform(readableHighWaterMark=0, transform=lambda self, c, e, cb: cb(None, c))
    assert (t.readableHighWaterMark, t.writableHighWaterMark) == (0, 0)


def test_allow_half_open_has_its_snake_case_twin():
    duplex = Duplex(allowHalfOpen=False)
    assert duplex.allow_half_open is False
    duplex.allow_half_open = True
    assert duplex.allowHalfOpen is True
    assert Transform().allow_half_open is True and PassThrough().allow_half_open is True


@pytest.mark.parametrize('cls', [Readable, Writable, Duplex, Transform, PassThrough])
def test_every_camel_case_name_of_a_stream_has_its_twin(cls):
    import re
    from pyuvnet._internal.aliases import snake_name
    stream = cls()
    names = {name for name in set(dir(stream)) | set(vars(stream))
             if not name.startswith('_') and re.search('[a-z][A-Z]', name)}
    assert names and [name for name in sorted(names) if not hasattr(stream, snake_name(name))] == []


class _Made(Duplex):
    """A Duplex kind made often: its states copied from a template."""

    TEMPLATE = Duplex._states_template({'autoDestroy': False, 'allowHalfOpen': False})

    def __init__(self, log):
        self._init_duplex_as(self.TEMPLATE)
        self.log = log

    def _read(self, size):
        self.log.append('read')

    def _write(self, chunk, encoding, callback):
        self.log.append('write ' + bytes(chunk).decode())
        callback()


def _fields(state):
    # Every field of a state (its C struct's, read through its descriptors).
    return {name: getattr(state, name) for name, attr in vars(type(state)).items()
            if type(attr).__name__ in ('getset_descriptor', 'member_descriptor')
            and not name.startswith('_')}


def test_a_duplex_made_from_a_template_is_one_made_from_its_options():
    # Duplex._states_template()/_init_duplex_as() (http2's streams): each
    # stream has states of its own, with the template's options.
    one, two = _Made([]), _Made([])
    made = Duplex({'autoDestroy': False, 'allowHalfOpen': False})
    assert _fields(one._readableState) == _fields(made._readableState)
    assert _fields(one._writableState) == _fields(made._writableState)
    assert one.allowHalfOpen is made.allowHalfOpen is False
    one.push(b'a')
    assert (one.readableLength, two.readableLength) == (1, 0)
    assert (list(one._readableState.buffer), list(two._readableState.buffer)) == ([b'a'], [])
    log = recorder(one, ['finish', 'close'])
    one.end(b'x')
    run()
    assert 'write x' in one.log and log == ['finish'] and not one.destroyed


def test_template_made_duplexes_keep_their_pipes_writes_and_end_callbacks_apart():
    # The lists start as one shared empty tuple (a held HTTP/2 stream's
    # states make none); the first entry makes a list of the stream's own.
    one, two = _Made([]), _Made([])
    one.cork()
    one.write(b'x')
    one.pipe(Writable(write=lambda self, c, e, cb: cb()))
    assert len(one._readableState.pipes) == 1 and one.writableBuffer[0]['chunk'] == b'x'
    one.end(lambda *args: None)     # (it uncorks: the write goes, 'finish' waits a tick)
    assert len(one._writableState.onFinished) == 1 and one.writableBuffer == []
    assert (len(two._readableState.pipes), two.writableBuffer, len(two._writableState.onFinished)) \
        == (0, [], 0)


class _MadeWithConstruct(_Made):
    def _construct(self, callback):
        self.log.append('construct')
        net.setImmediate(lambda: (self.log.append('constructed'), callback()))


def test_a_template_made_duplex_waits_for_its_construct():
    # As test_construct_holds_writes_until_done, on a template's copy.
    d = _MadeWithConstruct([])
    d.write('q')
    d.end()
    recorder(d, ['finish'], d.log)
    run()
    assert d.log == ['construct', 'constructed', 'write q', 'finish']
