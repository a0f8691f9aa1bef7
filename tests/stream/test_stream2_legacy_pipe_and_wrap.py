"""Node's tests of the legacy stream API, ported from Node 20 (each file
named in its test) and pinned under /usr/bin/node: Stream.pipe() into and
out of old-style streams (an emitter with write() and 'drain', no
Writable), and Readable.wrap() of an old-style emitter of 'data' and 'end'."""
import pytest

import pyuvnet as net
from pyuvnet import stream
from pyuvnet.events import EventEmitter
from pyuvnet.stream import Readable, Writable
from stream_support import calls, run  # noqa: F401 (calls is a fixture)


def test_pipe_into_a_legacy_stream_with_drain(calls):
    # test-stream2-readable-legacy-drain
    r = Readable()
    n = 256
    reads = [0]

    def read(size):
        reads[0] += 1
        return r.push(None if reads[0] == n else b'\0')
    r._read = read
    r.on('end', calls.must_call())
    w = stream.Stream()
    w.writable = True
    buffered = [0]
    over = []

    def drain():
        if buffered[0] > 3:
            over.append(buffered[0])
        buffered[0] = 0
        w.emit('drain')

    def write(chunk, *args):
        buffered[0] += len(chunk)
        net.nextTick(drain)
        return False
    w.write = write
    w.end = calls.must_call(lambda *args: None)
    r.pipe(w)
    run()
    assert over == []

class OldStream(EventEmitter):
    """An old-style stream: an emitter of 'data' and 'end' (attributes can
    be set on a Python subclass, as the tests set pause and resume)."""


OBJECT_CHUNKS = [5, 'a', False, 0, '', 'xyz', {'x': 4}, 7, [], 555]


@pytest.mark.parametrize('hwm, object_mode, produce', [
    (100, False, lambda: bytes(100)),
    (10, False, lambda: b'xxxxxxxxxx'),
    (1, True, lambda: {'foo': 'bar'}),
    (1, True, lambda chunks=list(OBJECT_CHUNKS): chunks.pop(0)),
])
def test_wrap_an_old_style_stream(calls, hwm, object_mode, produce):
    # test-stream2-readable-wrap
    old = OldStream()
    r = Readable(highWaterMark=hwm, objectMode=object_mode)
    assert r.wrap(old) is r
    r.on('end', calls.must_call())
    state = {'flowing': False, 'chunks': 10, 'ended': False, 'pausing': False}
    expected = []

    def flow():
        state['flowing'] = True
        while state['flowing'] and state['chunks'] > 0:
            state['chunks'] -= 1
            item = produce()
            expected.append(item)
            old.emit('data', item)
        if state['chunks'] <= 0:
            state['ended'] = True
            old.emit('end')

    def pause():
        old.emit('pause')
        state['flowing'] = False

    def resume():
        old.emit('resume')
        flow()
    old.pause, old.resume = pause, resume

    def on_pause():
        assert state['pausing'] is False     # 'pause' once a tick at most
        state['pausing'] = True
        net.nextTick(state.__setitem__, 'pausing', False)
    r.on('pause', on_pause)
    w = Writable(highWaterMark=hwm * 2, objectMode=object_mode)
    written = []
    w._write = lambda chunk, encoding, cb: (written.append(chunk), net.setTimeout(cb, 1))
    w.on('finish', calls.must_call(lambda: (state['ended'] and written == expected) or pytest.fail()))
    r.pipe(w)
    flow()
    run()


@pytest.mark.parametrize('event', ['destroy', 'close'])
def test_wrap_destroys_on_the_old_streams_destroy_or_close(calls, event):
    # test-stream2-readable-wrap-destroy
    old = OldStream()
    old.pause = old.resume = lambda: None
    Readable(autoDestroy=False, destroy=calls.must_call(lambda self, err, cb: cb(err))).wrap(old)
    old.emit(event)
    run()


def test_wrap_of_an_empty_old_stream_ends(calls):
    # test-stream2-readable-wrap-empty
    old = OldStream()
    old.pause = old.resume = lambda: None
    new = Readable().wrap(old)
    new.on('readable', lambda: None).on('end', calls.must_call())
    old.emit('end')
    run()


@pytest.mark.parametrize('auto_destroy', [True, False])
def test_wrap_forwards_the_old_streams_error(calls, auto_destroy):
    # test-stream2-readable-wrap-error
    class LegacyStream(EventEmitter):
        def pause(self):
            pass

        def resume(self):
            pass
    err = RuntimeError()
    old = LegacyStream()
    r = Readable(autoDestroy=auto_destroy).wrap(old)

    def on_error(e):
        state = r._readableState
        assert state.errorEmitted is True and state.errored is err
        assert r.destroyed is auto_destroy
    r.on('error', calls.must_call(on_error))
    old.emit('error', err)
    run()

def test_legacy_pipe_leaves_no_listeners(calls):
    # test-stream-pipe-cleanup: Stream.pipe() of plain Stream emitters
    class W(stream.Stream):
        def __init__(self):
            super().__init__()
            self.writable = True
            self.end_calls = 0

        def end(self, *args):
            self.end_calls += 1

        def destroy(self, *args):
            self.end_calls += 1

    class R(stream.Stream):
        def __init__(self):
            super().__init__()
            self.readable = True

    class D(W):
        def __init__(self):
            super().__init__()
            self.readable = True
    limit = 100
    w = W()
    for event in ('end', 'close'):
        for _ in range(limit):
            r = R()
            r.pipe(w)
            r.emit(event)
        assert r.listenerCount(event) == 0 and w.end_calls == limit
        w.end_calls = 0
    r = R()
    for _ in range(limit):
        w = W()
        r.pipe(w)
        w.emit('close')
    assert w.listenerCount('close') == 0

    r, w, d = R(), W(), D()
    r.pipe(d)
    d.pipe(w)

    def counts():
        return [s.listenerCount(e) for s in (r, d, w) for e in ('end', 'close')]
    assert counts() == [2, 2, 2, 3, 0, 1]
    r.emit('end')
    assert (d.end_calls, w.end_calls) == (1, 0)
    assert counts() == [0, 0, 2, 2, 0, 1]
    d.emit('end')
    assert (d.end_calls, w.end_calls) == (1, 1)
    assert counts() == [0] * 6


def test_legacy_pipe_without_listener_count(calls):
    # test-stream-pipe-without-listenerCount
    r, w = stream.Stream(), stream.Stream()
    r.listenerCount = None
    w.listenerCount = None

    def on_pipe(src):
        r.emit('error', RuntimeError('Readable Error'))
        w.emit('error', RuntimeError('Writable Error'))
    w.on('pipe', on_pipe)
    r.on('error', calls.must_call())
    w.on('error', calls.must_call())
    r.pipe(w)
    run()


def test_pipe_of_an_ended_source_into_a_full_destination_finishes(calls):
    # test-stream-pipe-deadlock (Node issue 48666)
    src = Readable(read=lambda self, n: None)
    src.push(bytes(100))
    src.push(None)
    src.pause()

    def later():
        dst = Writable(highWaterMark=1000, write=lambda self, buf, enc, cb: net.nextTick(cb))
        dst.write(bytes(1000))
        dst.on('finish', calls.must_call())
        src.pipe(dst)
    net.setImmediate(later)
    run()
