"""Node's older stream tests (test-stream2-*, test-stream3-*): object
mode, pushes and reads, and the read(size) arithmetic, ported from Node 20
(each file named in its test) and pinned under /usr/bin/node. The legacy
Stream.pipe() and wrap() are test_stream2_legacy_pipe_and_wrap.py's."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.stream import Readable, Writable
from stream_support import calls, run  # noqa: F401 (calls is a fixture)


def test_data_listener_in_a_subclass_constructor():
    # test-stream2-compatibility
    class TestReader(Readable):
        def __init__(self):
            super().__init__()
            self._buffer = b'x' * 100
            self.ondata = 0
            self.on('data', self._count)

        def _count(self, chunk):
            self.ondata += 1

        def _read(self, n):
            self.push(self._buffer)
            self._buffer = b''
    reader = TestReader()
    seen = []
    net.setImmediate(lambda: (seen.append(reader.ondata), reader.push(None)))

    class TestWriter(Writable):
        def __init__(self):
            super().__init__()
            self.write('foo')
            self.end()

        def _write(self, chunk, enc, cb):
            cb()
    writer = TestWriter()
    run()
    assert seen == [1] and reader.readable is False and writer.writable is False


def test_multi_byte_characters_split_across_pushes():
    # test-stream2-decode-partial
    source = bytes([0xe2, 0x82, 0xac, 0xc2, 0xa2])     # euro sign, cent sign
    readable = Readable(encoding='utf8')
    for start in (0, 2, 4):
        readable.push(source[start:start + 2])
    readable.push(None)
    got = []
    readable.on('data', got.append)
    run()
    assert ''.join(got) == '\u20ac\u00a2'


def test_a_read_of_exactly_what_remains_still_ends(calls):
    # test-stream2-large-read-stall
    READSIZE, PUSHSIZE, PUSHCOUNT = 100, 20, 1000
    r = Readable(highWaterMark=50)
    pushes = [0]

    def push(*args):
        if pushes[0] > PUSHCOUNT:
            return
        pushes[0] += 1
        if pushes[0] == PUSHCOUNT + 1:
            r.push(None)
        elif r.push(bytes(PUSHSIZE)):
            net.setTimeout(push, 1)
    r._read = push

    def on_readable():
        while True:
            ret = r.read(READSIZE)
            if not (ret and len(ret) == READSIZE):
                break
    r.on('readable', on_readable)
    r.on('end', calls.must_call(lambda: pushes[0] == PUSHCOUNT + 1 or pytest.fail()))
    run(

    )


def to_array(calls, callback):
    w = Writable(objectMode=True)
    items = []
    w.write = lambda chunk, *args: items.append(chunk)
    w.end = calls.must_call(lambda *args: callback(items))
    return w


def from_array(calls, items):
    r = Readable(objectMode=True)
    r._read = calls.must_not_call('_read')
    for item in items:
        r.push(item)
    r.push(None)
    return r


def test_objects_are_read_piped_and_written(calls):
    # test-stream2-objects
    objs = [{'one': '1'}, {'two': '2'}]
    r = from_array(calls, objs)
    assert (r.read(), r.read(), r.read()) == (objs[0], objs[1], None)
    results = []
    from_array(calls, objs).pipe(to_array(calls, results.append))
    assert from_array(calls, objs).read(2) == objs[0]     # read(n) ignored

    for later in (False, True):
        pending = list(objs)
        r = Readable(objectMode=True)

        def read(n, r=r, pending=pending, later=later):
            item = pending.pop(0) if pending else None
            if later:
                net.nextTick(r.push, item)
            else:
                r.push(item)
        r._read = read
        r.pipe(to_array(calls, results.append))
    from_array(calls, ['one', 'two', 'three']).pipe(to_array(calls, results.append))
    from_array(calls, ['foobar']).pipe(to_array(calls, results.append))
    from_array(calls, [False, 0, '']).pipe(to_array(calls, results.append))
    run()
    expected = [objs, objs, objs, ['one', 'two', 'three'], ['foobar'], [False, 0, '']]
    assert sorted(map(repr, results)) == sorted(map(repr, expected))


def test_object_mode_high_water_mark_counts_objects(calls):
    # test-stream2-objects
    r = Readable(highWaterMark=6, objectMode=True)
    reads = [0]
    r._read = lambda n: reads.__setitem__(0, reads[0] + 1)
    for c in '12345678':
        r.push(c)
    assert (r.read(), reads[0]) == ('1', 0)
    assert (r.read(), r.read(), reads[0]) == ('2', '3', 1)
    r2 = Readable(highWaterMark=6, objectMode=True)
    r2._read = calls.must_not_call('_read')
    assert [r2.push(i) for i in range(6)] == [True] * 5 + [False]


def test_objects_written_in_order_and_finish_waits(calls):
    # test-stream2-objects
    got = []
    w = Writable(objectMode=True)
    w._write = lambda chunk, enc, cb: (got.append(chunk), cb())
    w.on('finish', calls.must_call(lambda: got == [{'foo': 'bar'}, 0, 1, 2, 3, 4] or pytest.fail()))
    for item in ({'foo': 'bar'}, 0, 1, 2, 3, 4):
        w.write(item)
    w.end()
    strings = []
    w2 = Writable(objectMode=True)
    w2._write = lambda chunk, enc, cb: (strings.append(chunk), net.nextTick(cb))
    w2.on('finish', calls.must_call(lambda: strings == list('01234') or pytest.fail()))
    for c in '01234':
        w2.write(c)
    w2.end()
    called = []
    w3 = Writable(objectMode=True)
    w3._write = lambda chunk, enc, cb: net.nextTick(lambda: (called.append(True), cb()))
    w3.on('finish', calls.must_call(lambda: called == [True] or pytest.fail()))
    w3.write('foo')
    w3.end()
    run()


def test_deeply_nested_synchronous_reads(calls):
    # test-stream2-read-sync-stack: every _read pushes one byte at once;
    # 256 Ki of them must not overflow the stack
    r = Readable()
    n = 256 * 1024
    reads = [0]

    def read(size):
        reads[0] += 1
        r.push(None if reads[0] - 1 == n else b'\0')
    r._read = read
    r.on('readable', lambda: r.read(n * 2))
    r.on('end', calls.must_call())
    r.read(0)
    run()


def read_to_end(r):
    """Every chunk read() gives at each 'readable' (and at once), then
    'EOF' at 'end', running the loop."""
    results = []

    def flow():
        while True:
            chunk = r.read()
            if chunk is None:
                break
            results.append(chunk)
    r.on('readable', flow)
    r.on('end', lambda: results.append('EOF'))
    flow()
    run()
    return results


def test_an_empty_push_is_not_the_end():
    # test-stream2-readable-empty-buffer-no-eof (test1)
    r = Readable()
    buf = b'xxxxx'
    reads = [5]

    def read(n):
        count = reads[0]
        reads[0] -= 1
        if count == 5:
            net.setImmediate(r.push, buf)
        elif count == 4:
            net.setImmediate(r.push, b'')
            net.setImmediate(r.read, 0)
        elif count == 3:
            net.setImmediate(r.read, 0)
            net.nextTick(r.push, b'')
        elif count == 2:
            net.setImmediate(r.read, 0)
            r.push(b'')
        elif count == 1:
            r.push(buf)
        elif count == 0:
            r.push(None)
        else:
            raise AssertionError('unreachable')
    r._read = read
    assert read_to_end(r) == [b'xxxxx', b'xxxxx', 'EOF']


def test_base64_reads_keep_the_partial_group():
    # test-stream2-readable-empty-buffer-no-eof (test2)
    r = Readable(encoding='base64')
    reads = [5]

    def read(n):
        reads[0] -= 1
        r.push(None if reads[0] < 0 else b'x')
    r._read = read
    assert read_to_end(r) == ['eHh4', 'eHg=', 'EOF']


def test_end_comes_only_after_the_last_byte_is_read(calls):
    # test-stream2-readable-non-empty-end
    chunks = [bytes(i) for i in range(1, 11)]
    total = sum(len(c) for c in chunks)
    t = Readable()
    n = [0]

    def read(size):
        chunk = chunks[n[0]] if n[0] < len(chunks) else None
        n[0] += 1
        net.setTimeout(t.push, 1, chunk)
    t._read = read

    def thrower():
        raise AssertionError('this should not happen!')
    t.on('end', thrower)
    bytesread = [0]
    tail = []

    def next_step():
        t.removeListener('end', thrower)
        t.on('end', calls.must_call())
        last = t.read()
        tail.append(len(last) if last else last)
        tail.append(t.read())

    def on_readable():
        res = t.read(total - bytesread[0] - 1)
        if res:
            bytesread[0] += len(res)
            net.setTimeout(next_step, 1)
        t.read(0)
    t.on('readable', on_readable)
    t.read(0)
    run()
    assert tail == [1, None]


def test_pause_then_read_keeps_every_byte(calls):
    # test-stream3-pause-then-read
    total_chunks, chunk_size = 100, 99
    expect_total = total_chunks * chunk_size
    r = Readable(highWaterMark=1000)
    left = {'chunks': total_chunks, 'pushed': 0, 'ending': expect_total}

    def push():
        left['chunks'] -= 1
        chunk = b'x' * chunk_size if left['chunks'] >= 0 else None
        if chunk:
            left['pushed'] += len(chunk)
        r.push(chunk)

    def read(n):
        if not left['chunks'] % 2:
            net.setImmediate(push)
        elif not left['chunks'] % 3:
            net.nextTick(push)
        else:
            push()
    r._read = read
    done = []

    def readn(n, then):
        left['ending'] -= n

        def attempt():
            c = r.read(n)
            if not c:
                r.once('readable', attempt)
            else:
                assert len(c) == n and not r.readableFlowing
                then()
        attempt()

    def on_data():
        left['ending'] -= 100
        seen = [0]

        def od(c):
            seen[0] += len(c)
            if seen[0] >= 100:
                r.removeListener('data', od)
                r.pause()
                if seen[0] > 100:
                    r.unshift(c[len(c) - (seen[0] - 100):])
                net.setImmediate(pipe_little)
        r.on('data', od)

    def pipe_little():
        left['ending'] -= 200
        w = Writable()
        written = [0]

        def finished():
            assert written[0] == 200
            net.setImmediate(lambda: readn(1234, resume_pause))
        w.on('finish', finished)

        def write(chunk, encoding, cb):
            written[0] += len(chunk)
            if written[0] >= 200:
                r.unpipe(w)
                w.end()
                cb()
                if written[0] > 200:
                    diff = written[0] - 200
                    written[0] -= diff
                    r.unshift(chunk[len(chunk) - diff:])
            else:
                net.setImmediate(cb)
        w._write = write
        r.pipe(w)

    def resume_pause():
        for _ in range(5):
            r.resume()
            r.pause()
        net.setImmediate(pipe_rest)

    def pipe_rest():
        w = Writable()
        written = [0]
        w._write = lambda chunk, encoding, cb: (written.__setitem__(0, written[0] + len(chunk)), cb())
        w.on('finish', lambda: done.append((written[0], left['ending'], left['pushed'])))
        r.pipe(w)
    readn(100, on_data)
    run()
    assert len(done) == 1
    written, ending, pushed = done[0]
    assert written == ending and pushed == expect_total


def test_high_water_mark_values():
    # test-streams-highwatermark
    big = 2 ** 53 - 1
    assert Readable(highWaterMark=big)._readableState.highWaterMark == big
    assert Writable(highWaterMark=big)._writableState.highWaterMark == big
    for invalid in (True, False, '5', {}, -5, float('nan')):
        for kind in (Readable, Writable):
            with pytest.raises(errors.ERR_INVALID_ARG_VALUE,
                               match=r"^The property 'options.highWaterMark' is invalid"):
                kind(highWaterMark=invalid)
    readable = Readable(highWaterMark=0)
    assert [readable.push() for _ in range(3)] == [True] * 3


def test_read_zero_with_a_zero_mark_reads_and_sizes_parse(calls):
    # test-streams-highwatermark
    readable = Readable(highWaterMark=0)
    readable._read = calls.must_call(lambda n: None)
    readable.read(0)
    for size in ('1', '1.0', 1):
        r = Readable(read=calls.must_call(lambda self, n: None), highWaterMark=0)
        r.read(size)
        assert r._readableState.highWaterMark == 1
    too_big = 0x40000000 + 1
    with pytest.raises(errors.ERR_OUT_OF_RANGE,
                       match=r'^The value of "size" is out of range. It must be <= 1GiB. '
                             r'Received 1073741825$'):
        Readable(read=lambda self, n: None).read(too_big)
    run()


def test_a_push_over_the_mark_and_reads_that_refill(calls):
    # test-stream-big-push
    s = 'asdfasdfasdfasdfasdf'
    r = Readable(highWaterMark=5, encoding='utf8')
    reads = [0]

    def read(n):
        if reads[0] == 0:
            net.setTimeout(r.push, 1, s)
        elif reads[0] == 1:
            assert r.push(s) is False
        else:
            r.push(None)
        reads[0] += 1
    r._read = calls.must_call(read, 3)
    r.on('end', calls.must_call())
    assert r.push(s) is False
    assert r.read() == s
    assert r.read() is None
    got = []
    r.once('readable', lambda: (got.append(r.read()), got.append(r.read())))
    run()
    assert got == [s + s, None]


def test_object_mode_with_an_encoding_keeps_chunks_apart():
    # test-stream-decoder-objectmode
    r = Readable(read=lambda self, n: None, encoding='utf16le', objectMode=True)
    r.push('abc'.encode('utf-16-le'))
    r.push('def'.encode('utf-16-le'))
    r.push(None)
    assert (r.read(), r.read(), r.read()) == ('abc', 'def', None)


def test_unshift_during_reads_and_push_after_eof(calls):
    # test-stream-unshift-read-race
    hwm = 10
    r = Readable(highWaterMark=hwm, autoDestroy=False)
    chunks = 10
    data = bytes(b'asdf'[i % 4] for i in range(chunks * hwm + (hwm + 1) // 2))
    pos = [0]
    pushed_null = [False]
    push_errors = []
    written = []
    w = Writable()
    w._write = lambda chunk, encoding, cb: (written.append(chunk.decode()), cb())

    def push_error():
        r.unshift(bytes(1))
        w.end()
        try:
            r.push(bytes(1))
        except errors.ERR_STREAM_PUSH_AFTER_EOF as err:
            push_errors.append(str(err))

    def read(n):
        assert not pushed_null[0], '_read after null push'
        c = None if pos[0] >= len(data) else data[pos[0]:pos[0] + n]
        pushed_null[0] = c is None

        def later():
            pos[0] += n
            r.push(c)
            if c is None:
                push_error()
        if not chunks % 3:
            later()
        else:
            net.setTimeout(later, 1)
    r._read = read
    r.on('end', calls.must_not_call())

    def on_readable():
        while True:
            chunk = r.read(10)
            if chunk is None:
                break
            w.write(chunk)
            if len(chunk) > 4:
                r.unshift(b'1234')
    r.on('readable', on_readable)
    w.on('finish', calls.must_call())
    run()
    assert push_errors == ['stream.push() after EOF']
    assert len(written) == 18 and written[0] == 'asdfasdfas'
    letters = 'asdf'
    expect = 2      # the next letter after the first chunk: 'd'
    for chunk in written[1:]:
        assert chunk[:4] == '1234'
        for c in chunk[4:]:
            assert c == letters[expect % 4]
            expect += 1
