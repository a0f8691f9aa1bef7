"""stream.Readable, pinned against Node 20 (ports of test-stream-readable-*,
test-stream2-basic, test-stream2-push, test-stream2-set-encoding,
test-stream-push-order, test-stream-unshift-*, test-stream-ispaused,
test-stream-end-paused, test-stream-objectmode-undefined)."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import Readable
from stream_support import calls, recorder, run  # noqa: F401 (calls is a fixture)


def idle(self, size):
    pass


def test_data_then_end_then_close():
    r = Readable(read=idle)
    log = []
    r.on('data', lambda chunk: log.append(chunk))
    recorder(r, ['end', 'close', 'error'], log)
    r.push('a')
    r.push(b'b')
    r.push(None)
    run()
    assert log == [b'a', b'b', 'end', 'close']
    assert r.readableEnded and r.destroyed and r.readableDidRead


def test_push_returns_false_at_the_high_water_mark():
    r = Readable(highWaterMark=4, read=idle)
    assert [r.push('abc'), r.push('de')] == [True, False]
    o = Readable(objectMode=True, highWaterMark=2, read=idle)
    assert [o.push(1), o.push(2), o.push(3)] == [True, False, False]
    assert o.readableLength == 3
    assert Readable().readableHighWaterMark == 65536
    assert Readable(objectMode=True).readableHighWaterMark == 16


def test_push_none_and_an_empty_chunk():
    r = Readable(read=idle)
    assert r.push('') is True and r.readableLength == 0
    assert r.push(None) is False


def test_push_after_eof_is_an_error():
    # test-stream-readable-invalid-chunk, test-stream2-push
    r = Readable(read=idle)
    log = recorder(r, ['end', 'close', 'error'])
    r.push(None)
    assert r.push('x') is False
    run()
    assert log == ['error:ERR_STREAM_PUSH_AFTER_EOF', 'close']


def test_pushing_a_non_chunk_errors():
    r = Readable(read=idle)
    seen = []
    r.on('error', seen.append)
    assert r.push(5) is False
    run()
    assert isinstance(seen[0], errors.ERR_INVALID_ARG_TYPE)


def test_object_mode_takes_any_value_but_none():
    # test-stream-objectmode-undefined: falsy values are chunks
    r = Readable(objectMode=True, read=idle)
    got = []
    r.on('data', got.append)
    for value in (0, False, '', [], {}):
        r.push(value)
    r.push(None)
    run()
    assert got == [0, False, '', [], {}]


def test_read_of_a_size():
    # test-stream-readable-event, test-stream2-basic: read(n) in 'readable'
    r = Readable(highWaterMark=4, read=idle)
    r.push('abc')
    r.push('de')
    got = []

    def on_readable():
        while True:
            chunk = r.read(2)
            if chunk is None:
                break
            got.append(chunk)
    r.on('readable', on_readable)
    r.on('end', lambda: got.append('end'))
    net.setImmediate(lambda: r.push(None))
    run()
    assert got == [b'ab', b'cd', b'e', 'end']


def test_read_of_more_than_the_mark_raises_it():
    # test-readable-large-hwm
    r = Readable(read=idle)
    r.read(100000)
    assert r.readableHighWaterMark == 131072
    with pytest.raises(errors.ERR_OUT_OF_RANGE):
        r.read(2 ** 31)


def test_readable_event_then_end():
    r = Readable(read=idle)
    log = []
    r.on('readable', lambda: log.append(r.read()))
    r.on('end', lambda: log.append('end'))
    r.push('x')
    r.push(None)
    run()
    assert log == [b'x', 'end']


def test_unshift_puts_data_back_in_front():
    # test-stream-readable-unshift
    r = Readable(read=idle)
    r.push('world')
    r.unshift('hello ')
    assert r.read() == b'hello world'


def test_unshift_after_end_is_an_error():
    r = Readable(read=idle)
    r.resume()
    r.push(None)
    run()
    seen = []
    r2 = Readable(read=idle, autoDestroy=False)
    r2.on('error', lambda e: seen.append(e.code))
    r2.resume()
    r2.push(None)
    run()
    r2.unshift('late')
    assert seen == ['ERR_STREAM_UNSHIFT_AFTER_END_EVENT']


def test_flowing_states_and_is_paused():
    # test-stream-ispaused, test-stream-readable-pause-and-resume
    r = Readable(read=idle)
    assert r.readableFlowing is None and not r.isPaused()
    r.on('data', lambda chunk: None)
    assert r.readableFlowing is True
    r.pause()
    assert r.readableFlowing is False and r.isPaused()
    r.resume()
    assert not r.isPaused()


def test_pause_and_resume_events():
    r = Readable(read=idle)
    log = recorder(r, ['resume', 'pause'])
    r.resume()
    r.pause()
    r.resume()
    run()
    assert log == ['pause', 'resume']


def test_set_encoding_keeps_split_characters_whole():
    # test-stream2-set-encoding, test-stream-readable-setEncoding-existing-buffers
    r = Readable(read=idle)
    r.setEncoding('utf8')
    got = []
    r.on('data', got.append)
    euro = '€'.encode()
    r.push(euro[:1])
    r.push(euro[1:2])
    r.push(euro[2:] + b'x')
    r.push(None)
    run()
    assert got == ['€x']


def test_set_encoding_decodes_what_is_buffered():
    r = Readable(read=idle)
    r.push(bytes([0xe2, 0x82]))
    r.push(bytes([0xac, 0x41]))
    r.setEncoding('utf8')
    assert r.readableEncoding == 'utf8'
    assert r.read() == '€A'
    h = Readable(read=idle, encoding='hex')
    h.push(b'hi')
    assert h.read() == '6869'
    with pytest.raises(errors.ERR_UNKNOWN_ENCODING):
        Readable().setEncoding('nope')


def test_base64_decoding_across_chunks():
    # test-stream2-base64-single-char-read-end
    r = Readable(read=idle)
    r.setEncoding('base64')
    got = []
    r.on('data', got.append)
    r.push(b'h')
    r.push(b'el')
    r.push(b'lo')
    r.push(None)
    run()
    assert ''.join(got) == 'aGVsbG8='


def test_read_is_called_for_more_until_the_mark():
    # test-stream-readable-reading-readingMore, test-stream-push-order
    pushed = []

    def read(self, size):
        n = len(pushed)
        if n == 5:
            self.push(None)
        else:
            pushed.append(n)
            self.push(str(n))
    r = Readable(highWaterMark=3, read=read)
    got = []
    r.on('data', got.append)
    run()
    assert got == [b'0', b'1', b'2', b'3', b'4']


def test_paused_stream_reads_ahead_to_the_mark_only():
    calls_made = []

    def read(self, size):
        calls_made.append(size)
        self.push(b'xx')
    r = Readable(highWaterMark=6, read=read)
    r.read(0)
    run()
    assert r.readableLength == 6 and len(calls_made) == 3


def test_read_without_read_is_err_method_not_implemented():
    # test-stream-readable-with-unimplemented-_read
    r = Readable()
    seen = []
    r.on('error', lambda e: seen.append((e.code, str(e))))
    r.read()
    run()
    assert seen == [('ERR_METHOD_NOT_IMPLEMENTED', 'The _read() method is not implemented')]


def test_read_that_raises_destroys_with_the_error():
    def read(self, size):
        raise ValueError('in _read')
    r = Readable(read=read)
    log = recorder(r, ['error', 'close'])
    r.resume()
    run()
    assert log == ['error:in _read', 'close']


def test_destroy_order_and_flags():
    # test-stream-readable-destroy
    r = Readable(read=idle)
    log = recorder(r, ['end', 'error', 'close'])
    r.destroy(RuntimeError('boom'))
    assert r.destroyed and r.readableAborted
    run()
    assert log == ['error:boom', 'close']
    assert r.errored is not None and not r.readable


def test_destroy_while_flowing_emits_no_end():
    r = Readable(read=idle)
    log = recorder(r, ['data', 'end', 'close'])
    r.resume()
    r.push('x')
    r.destroy()
    r.push('y')
    run()
    assert 'end' not in log and log[-1] == 'close'


def test_destroy_callback_and_custom_destroy(calls):
    r = Readable(read=idle, destroy=calls.must_call(lambda self, err, cb: cb(err)))
    r.destroy(None, calls.must_call(lambda err: None))
    run()


def test_no_end_before_the_buffer_is_read():
    # test-stream-end-paused: a paused stream with data ends once resumed
    # (an empty one ends at once, as Node's does)
    r = Readable(read=idle)
    log = recorder(r, ['end'])
    r.on('data', lambda chunk: None)
    r.pause()
    r.push('x')
    r.push(None)
    run()
    assert log == []
    r.resume()
    run()
    assert log == ['end']


def test_construct_runs_before_read():
    log = []

    def construct(self, callback):
        log.append('construct')
        net.setImmediate(callback)

    def read(self, size):
        log.append('read')
        self.push(None)
    r = Readable(construct=construct, read=read)
    r.resume()
    r.on('end', lambda: log.append('end'))
    run()
    assert log == ['construct', 'read', 'end']


def test_subclass_overrides_read():
    class Counter(Readable):
        def __init__(self, limit):
            super().__init__()
            self.n = 0
            self.limit = limit

        def _read(self, size):
            self.n += 1
            self.push(str(self.n) if self.n <= self.limit else None)
    got = []
    c = Counter(3)
    c.on('data', got.append)
    run()
    assert got == [b'1', b'2', b'3']


def test_remove_readable_listener_lets_data_flow():
    # test-stream-readable-readable-then-resume, test-stream-readableListening-state
    r = Readable(read=idle)
    got = []
    on_readable = lambda: None  # noqa: E731
    r.on('readable', on_readable)
    r.on('data', got.append)
    assert r._readableState.readableListening is True
    r.removeListener('readable', on_readable)
    r.push('a')
    run()
    assert got == [b'a']


@pytest.mark.parametrize('method', ['on', 'once', 'addListener'])
def test_a_data_listener_added_by_decorator_starts_the_flow(method):
    # r.on('data', fn) resumes the stream (Node's Readable.prototype.on);
    # the decorator form adds the same listener, so it must too.
    r = Readable(read=idle)
    got = []

    @getattr(r, method)('data')
    def on_data(chunk):
        got.append(chunk)
    assert on_data is not None and r.readableFlowing is True
    r.push('a')
    r.push(None)
    run()
    assert got == [b'a'] and r.readableEnded


def test_a_readable_listener_added_by_decorator_pauses_the_flow():
    r = Readable(read=idle)
    r.on('data', lambda chunk: None)

    @r.on('readable')
    def on_readable():
        pass
    assert r._readableState.readableListening is True and r.readableFlowing is False


def test_snake_case_twins_and_from_alias():
    r = Readable(read=idle, high_water_mark=10)
    assert r.readable_high_water_mark == 10
    assert r.set_encoding is not None and r.is_paused() is False
    assert getattr(Readable, 'from') == Readable.from_


def test_bad_options():
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        Readable(highWaterMark=-1)
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        Readable(highWaterMark=1.5)
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        Readable(readz=idle)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        Readable(read=5)
