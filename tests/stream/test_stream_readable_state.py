"""Readable's bookkeeping, ported from Node 20's test-stream-readable-*
files (each named in its test) and pinned under /usr/bin/node:
needReadable, emittedReadable, resumeScheduled, readableDidRead, the
'readable' events of short streams, a zero high-water mark with async
pushes, a read(size) that raises the mark, and push()/unshift() from a
'data' listener."""
import pytest

import pyuvnet as net
from pyuvnet import stream
from pyuvnet.stream import PassThrough, Readable, Transform, Writable
from stream_support import calls, rewrap, run  # noqa: F401 (calls is a fixture)


def idle(self, size):
    pass


@pytest.mark.parametrize('method', ['push', 'unshift'])
def test_push_or_unshift_from_a_data_listener(calls, method):
    # test-stream-readable-add-chunk-during-data
    r = Readable(read=idle)

    def first(chunk):
        assert r.readableLength == 0
        getattr(r, method)(chunk)
        assert r.readableLength == len(chunk)
        r.on('data', calls.must_call(lambda again: again == b'Hello, world' or pytest.fail()))
    r.once('data', calls.must_call(first))
    r.push('Hello, world')
    run()


def test_read_option_is_the_read_method(calls):
    # test-stream-readable-constructor-set-methods
    r = Readable(read=calls.must_call(lambda self, n: self.push(None)))
    r.resume()
    run()


def test_a_removed_readable_listener_lets_data_flow(calls):
    # test-stream-readable-data
    readable = Readable(read=idle)

    def read():
        pass
    readable.setEncoding('utf8')
    readable.on('readable', read)
    readable.removeListener('readable', read)

    def later():
        readable.on('data', calls.must_call())
        readable.push('hello')
    net.nextTick(later)
    run()


@pytest.mark.parametrize('case', ['read', 'resume', 'destroy', 'destroy-error', 'data',
                                  'data-on-off'])
def test_readable_did_read_and_is_disturbed(calls, case):
    # test-stream-readable-didRead
    data = {'read': 0, 'resume': 0, 'destroy': -2, 'destroy-error': -1, 'data': 1,
            'data-on-off': 1}[case]

    def read(self, size):
        if data > 0:
            self.push('data')
        self.push(None)
    readable = Readable(read=read)
    assert readable.readableDidRead is False
    assert stream.isDisturbed(readable) is False and stream.isErrored(readable) is False
    if data == -1:
        readable.on('error', calls.must_call(
            lambda err: stream.isErrored(readable) or pytest.fail('not errored')))
        readable.on('data', calls.must_not_call())
        readable.on('end', calls.must_not_call())
    else:
        readable.on('error', calls.must_not_call())
        readable.on('end', calls.must_not_call() if data == -2 else calls.must_call())
        if data <= 0:
            readable.on('data', calls.must_not_call())
    readable.on('close', calls.must_call())
    noop = (lambda chunk: None)
    if case == 'read':
        readable.read()
    elif case == 'resume':
        readable.resume()
    elif case == 'destroy':
        readable.destroy()
    elif case == 'destroy-error':
        readable.destroy(RuntimeError())
    else:
        readable.on('data', noop)
        if case == 'data-on-off':
            readable.off('data', noop)
    after = []
    net.setImmediate(lambda: after.append((readable.readableDidRead, stream.isDisturbed(readable))))
    run()
    assert after[0][0] is (data > 0)
    if data > 0:
        assert after[0][1] is True


def passing_transform(calls):
    return Transform(transform=calls.must_call(lambda self, chunk, enc, cb: (self.push(chunk), cb())),
                     flush=calls.must_call(lambda self, cb: cb()))


def drain_content(t):
    def on_readable():
        while True:
            chunk = t.read()
            if not chunk:
                break
            assert chunk == b'content'
    return on_readable


@pytest.mark.parametrize('case, readables', [('piped', 2), ('end-chunk', 1), ('write-end', 1),
                                             ('push-sync', 1), ('push-tick', 2),
                                             ('listen-then-write', 2)])
def test_readable_events_of_a_short_stream(calls, case, readables):
    # test-stream-readable-emit-readable-short-stream
    if case in ('push-sync', 'push-tick'):
        t = Readable(read=idle)
    else:
        t = passing_transform(calls)
    if case == 'piped':
        r = Readable(read=calls.must_call(lambda self, size: (self.push('content'), self.push(None))))
        r.pipe(t)
    elif case == 'end-chunk':
        t.end('content')
    elif case == 'write-end':
        t.write('content')
        t.end()
    t.on('readable', calls.must_call(drain_content(t), readables))
    if case == 'push-sync':
        t.push('content')
        t.push(None)
    elif case == 'push-tick':
        net.nextTick(lambda: (t.push('content'), t.push(None)))
    elif case == 'listen-then-write':
        t.write('content')
        t.end()
    run()


def test_emitted_readable_is_set_while_readable_is_emitted(calls):
    # test-stream-readable-emittedReadable
    readable = Readable(read=idle)
    assert readable._readableState.emittedReadable is False
    expected = [b'foobar', b'quo', None]

    def on_readable():
        assert readable._readableState.emittedReadable is True
        assert readable.read() == expected.pop(0)
        assert readable._readableState.emittedReadable is False
    readable.on('readable', calls.must_call(on_readable, 3))
    assert readable._readableState.emittedReadable is False
    net.nextTick(calls.must_call(lambda: readable.push('foo')))
    net.nextTick(calls.must_call(lambda: readable.push('bar')))
    net.setImmediate(calls.must_call(
        lambda: (readable.push('quo'), net.nextTick(calls.must_call(lambda: readable.push(None))))))

    no_read = Readable(read=idle)

    def on_no_read():
        assert no_read._readableState.emittedReadable is True
        no_read.read(0)
        assert no_read._readableState.emittedReadable is True
    no_read.on('readable', calls.must_call(on_no_read))
    no_read.push('foo')
    no_read.push(None)

    flowing = Readable(read=idle)

    def on_data(chunk):
        assert flowing._readableState.emittedReadable is False
        flowing.read()
        assert flowing._readableState.emittedReadable is False
    flowing.on('data', calls.must_call(on_data, 3))
    for chunk in ('foooo', 'bar', 'quo'):
        flowing.push(chunk)
    net.nextTick(calls.must_call(lambda: flowing.push(None)))
    run()


def test_need_readable(calls):
    # test-stream-readable-needReadable
    readable = Readable(read=idle)
    assert readable._readableState.needReadable is False

    def on_readable():
        assert readable._readableState.needReadable is False
        readable.read()
    readable.on('readable', calls.must_call(on_readable))
    assert readable._readableState.needReadable is True
    readable.push('foo')
    readable.push(None)
    readable.on('end', calls.must_call(
        lambda: readable._readableState.needReadable is False or pytest.fail('needReadable')))

    async_readable = Readable(read=idle)

    def on_async_readable():
        if async_readable.read() is not None:
            assert async_readable._readableState.needReadable is True
    async_readable.on('readable', calls.must_call(on_async_readable, 2))
    net.nextTick(calls.must_call(lambda: async_readable.push('foooo')))
    net.nextTick(calls.must_call(lambda: async_readable.push('bar')))

    def finish_async():
        async_readable.push(None)
        assert async_readable._readableState.needReadable is False
    net.setImmediate(calls.must_call(finish_async))

    flowing = Readable(read=idle)
    for chunk in ('foooo', 'bar', 'quo'):
        flowing.push(chunk)
    net.nextTick(calls.must_call(lambda: flowing.push(None)))
    flowing.on('data', calls.must_call(
        lambda data: flowing._readableState.needReadable is False or pytest.fail(), 3))

    slow = Readable(read=idle)

    def on_slow():
        chunk = slow.read(8)
        assert slow._readableState.needReadable is (chunk is None)
    slow.on('readable', calls.must_call(on_slow, 4))

    def push_later(items):
        if items:
            slow.push(items[0])
            net.nextTick(push_later, items[1:])
    net.nextTick(push_later, ['foo', 'foo', 'foo', None])
    run()


def test_resume_scheduled(calls):
    # test-stream-readable-resumeScheduled
    r = Readable(read=idle)
    w = Writable(write=lambda self, c, e, cb: cb())
    assert r._readableState.resumeScheduled is False
    r.pipe(w)
    assert r._readableState.resumeScheduled is True
    net.nextTick(calls.must_call(
        lambda: r._readableState.resumeScheduled is False or pytest.fail()))

    r2 = Readable(read=idle)
    r2.push(bytes([1, 2, 3]))
    r2.on('data', calls.must_call(
        lambda chunk: r2._readableState.resumeScheduled is False or pytest.fail()))
    assert r2._readableState.resumeScheduled is True
    net.nextTick(calls.must_call(
        lambda: r2._readableState.resumeScheduled is False or pytest.fail()))

    r3 = Readable(read=idle)
    r3.resume()
    assert r3._readableState.resumeScheduled is True
    r3.on('resume', calls.must_call(
        lambda: r3._readableState.resumeScheduled is False or pytest.fail()))
    net.nextTick(calls.must_call(
        lambda: r3._readableState.resumeScheduled is False or pytest.fail()))
    run()


def test_read_of_a_huge_size_raises_the_high_water_mark():
    # test-stream-readable-flow-recursion
    s = Readable(highWaterMark=2)
    reads = [0]
    total = [5000]

    def _read(size):
        reads[0] += 1
        size = min(size, total[0])
        total[0] -= size
        s.push(bytes(size) if size else None)
    s._read = _read
    depth = [0]
    done = []

    def flow(size):
        depth[0] += 1
        chunk = s.read(size)
        if not chunk:
            s.once('readable', lambda: flow(size))
        else:
            done.append(len(chunk))
        depth[0] -= 1
    flow(5000)
    run()
    assert reads[0] == 2 and s.readableHighWaterMark == 8192
    assert s.readableLength == 0 and depth[0] == 0 and done == [5000]


def test_zero_high_water_mark_with_async_pushes_keeps_reading(calls):
    # test-stream-readable-hwm-0-async
    count = [5]

    def read(self, size):
        def later():
            count[0] -= 1
            r.push('a' if count[0] >= 0 else None)
        net.nextTick(calls.must_call(later))
    r = Readable(highWaterMark=0, read=calls.must_call(read, 6))
    r.on('end', calls.must_call())
    r.on('data', calls.must_call(times=5))
    run()


def test_zero_high_water_mark_data_listener_does_not_make_it_flow():
    # test-stream-readable-hwm-0-no-flow-data
    stream_data = ['a', None]
    log = []

    def read(self, size):
        log.append('_read:%s' % stream_data[0])

        def later():
            log.append('push:%s' % stream_data[0])
            r.push(stream_data.pop(0))
        net.nextTick(later)
    r = Readable(highWaterMark=0, objectMode=True, read=read)
    assert r.readableFlowing is None
    r.on('readable', lambda: log.append('readable'))
    assert r.readableFlowing is False
    r.on('data', lambda data: log.append('data:%s' % data))
    r.on('end', lambda: log.append('end'))
    assert r.readableFlowing is False
    checks = []

    def first():
        checks.append(list(log))
        checks.append(r.read())
        checks.append(list(log))
        checks.append(r.read())

        def second():
            checks.append(list(log))
            checks.append(r.read())
            checks.append(list(log))
            net.nextTick(lambda: checks.append(list(log)))
        net.setImmediate(second)
    net.setImmediate(first)
    run()
    start = ['_read:a', 'push:a', 'readable']
    later = start + ['data:a', '_read:None', 'push:None', 'readable']
    assert checks == [start, 'a', start + ['data:a'], None, later, None, later, later + ['end']]


def test_an_endless_source_read_on_readable(calls):
    # test-stream-readable-infinite-read (Node's default 16 KiB mark
    # given, as the test's sizes assume it)
    buf = bytes(8192)
    readable = Readable(highWaterMark=16384, read=calls.must_call(lambda self, n: self.push(buf), 31))
    sizes = []

    def on_readable():
        if len(sizes) == 10:
            sizes.append('stop')
            return
        sizes.append(len(readable.read()))
    readable.on('readable', calls.must_call(on_readable, 11))
    run()
    assert sizes == [8192 * 2] + [8192 * 3] * 9 + ['stop']


@pytest.mark.parametrize('piped', [True, False])
def test_no_unneeded_readable_event(calls, piped):
    # test-stream-readable-no-unneeded-readable
    if piped:
        source = Readable(read=idle)
        for chunk in ('foo', 'bar', None):
            source.push(chunk)
        r = source.pipe(PassThrough())
    else:
        chunks = ['foo', 'bar']

        def read(self, size):
            if chunks:
                self.push(chunks.pop(0))
            else:
                net.nextTick(self.push, None)
        r = Readable(read=read)

    wrapper = rewrap(r)
    wrapper.once('end', calls.must_call())
    run()


def test_readable_flag(calls):
    # test-stream-readable-readable
    r = Readable(read=idle)
    assert r.readable is True
    r.destroy()
    assert r.readable is False

    r = Readable(read=idle)
    r.resume()
    r.push(None)
    assert r.readable is True
    r.on('end', calls.must_call(lambda: r.readable is False or pytest.fail()))

    def read(self, size):
        def later():
            r3.destroy(RuntimeError())
            assert r3.readable is False
        net.nextTick(later)
    r3 = Readable(read=calls.must_call(read))
    r3.resume()
    r3.on('error', calls.must_call(lambda err: r3.readable is False or pytest.fail()))
    run()


def test_resume_over_the_high_water_mark_does_not_read(calls):
    # test-stream-readable-resume-hwm
    readable = Readable(highWaterMark=100, read=calls.must_not_call('_read'))
    for _ in range(10):
        readable.push('a' * 200)
    readable.resume()
    readable.once('data', calls.must_call(lambda chunk: readable.pause()))
    run()


def test_unpipe_and_resume_from_inside_transform(calls):
    # test-stream-readable-unpipe-resume (a generator source stands in
    # for fs.createReadStream)
    read_stream = Readable.from_(bytes(1024) for _ in range(64))

    def transform(self, chunk, enc, cb):
        read_stream.unpipe()
        read_stream.resume()
    t = Transform(transform=calls.must_call(transform))
    read_stream.on('end', calls.must_call())
    read_stream.pipe(t).resume()
    run()


@pytest.mark.parametrize('side', ['_readableState', '_writableState'])
def test_a_state_field_keeps_what_is_stored_and_cannot_be_deleted(side):
    # The states are C structs (_internal.streams._core): a field reads back what
    # Python stored, as the old instance attributes did, and deleting one
    # is refused, since the C sequences read every field.
    state = getattr(PassThrough(), side)
    state.destroyed = 1
    assert state.destroyed == 1 and type(state.destroyed) is int
    state.errored = marker = ValueError('kept')
    assert state.errored is marker
    with pytest.raises(AttributeError):
        del state.destroyed
    assert state.destroyed == 1
    with pytest.raises(AttributeError):
        state.not_a_field = True
