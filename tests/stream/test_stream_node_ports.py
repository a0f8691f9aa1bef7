"""More of Node 20's stream tests, each pinned against /usr/bin/node: the
flags (readableEnded, readableAborted, writableAborted, writableFinished),
the default high-water marks, falsy objects, a zero high-water mark, an
empty unshift, destroy() from inside 'end' and 'finish', error once, and
piping to one destination twice."""
import pyuvnet as net
from pyuvnet import stream
from pyuvnet.stream import Duplex, PassThrough, Readable, Writable
from stream_support import recorder, run


def idle(self, size):
    pass


def ok_write(self, chunk, encoding, callback):
    callback()


def test_destroy_event_order_is_error_then_close_after_the_call():
    # test-stream-destroy-event-order
    r = Readable(read=idle)
    ticked = []
    log = []
    r.on('close', lambda: log.append(('close', bool(ticked))))
    r.on('error', lambda err: log.append(('error', bool(ticked))))
    r.destroy(RuntimeError('x'))
    ticked.append(True)
    run()
    assert log == [('error', True), ('close', True)]


def test_error_once():
    # test-stream-error-once: two writes after end, one 'error'
    w = Writable(write=ok_write)
    seen = []
    w.on('error', seen.append)
    w.end()
    w.write('a')
    w.write('b')
    run()
    assert len(seen) == 1


def test_readable_ended():
    # test-stream-readable-ended
    r = Readable(read=idle)
    assert r.readableEnded is False
    seen = []
    r.on('end', lambda: seen.append(r.readableEnded))
    r.push(None)
    r.resume()
    run()
    assert seen == [True]


def test_readable_and_writable_aborted():
    # test-stream-readable-aborted, test-stream-writable-aborted
    r = Readable(read=idle)
    assert r.readableAborted is False
    r.destroy()
    assert r.readableAborted is True
    ended = Readable(read=idle)
    ended.push(None)
    ended.resume()
    after_end = []
    ended.on('end', lambda: (ended.destroy(), after_end.append(ended.readableAborted)))
    w = Writable(write=ok_write)
    assert w.writableAborted is False
    w.destroy()
    assert w.writableAborted is True
    finished_first = Writable(write=ok_write)
    finished_first.end()
    after_finish = []
    finished_first.on('finish', lambda: after_finish.append(finished_first.writableAborted))
    run()
    assert after_end == [False] and after_finish == [False]


def test_default_high_water_marks_can_be_set():
    # test-stream-set-default-hwm (SPEC section 5's 64 KiB where Node 20 has 16 KiB)
    assert (stream.getDefaultHighWaterMark(False), stream.getDefaultHighWaterMark(True)) == (65536, 16)
    stream.setDefaultHighWaterMark(False, 1024)
    try:
        assert Readable().readableHighWaterMark == 1024
    finally:
        stream.setDefaultHighWaterMark(False, 65536)
    assert stream.get_default_high_water_mark() == 65536


def test_object_mode_passes_falsy_values():
    # test-stream-transform-objectmode-falsey-value
    p = PassThrough(objectMode=True)
    got = []
    p.on('data', got.append)
    for value in (-1, 0, 1, 2, False, ''):
        p.write(value)
    p.end()
    run()
    assert got == [-1, 0, 1, 2, False, '']


def test_a_zero_high_water_mark_push():
    # test-stream-readable-hwm-0: the push is kept, and push() says stop
    r = Readable(highWaterMark=0, read=idle)
    assert r.push('a') is False and r.readableLength == 1


def test_unshift_of_an_empty_chunk_changes_nothing():
    # test-stream-unshift-empty-chunk
    r = Readable(read=idle)
    r.push('abc')
    r.unshift('')
    assert r.readableLength == 3


def test_destroy_inside_finish_closes_once():
    # test-stream-writable-finish-destroyed
    w = Writable(write=ok_write)
    closes = []
    w.on('close', lambda: closes.append(True))
    w.on('finish', lambda: w.destroy())
    w.end()
    run()
    assert closes == [True]


def test_destroy_with_an_error_after_push_none_emits_no_end():
    # test-stream-readable-error-end
    r = Readable(read=idle)
    log = recorder(r, ['end', 'error'])
    r.push('a')
    r.push(None)
    r.destroy(RuntimeError('x'))
    r.resume()
    run()
    assert log == ['error:x']


def test_destroy_inside_end():
    # test-stream-readable-end-destroyed
    r = Readable(read=idle)
    log = []
    r.on('end', lambda: (r.destroy(), log.append(('destroyed', r.destroyed))))
    r.on('close', lambda: log.append('close'))
    r.push(None)
    r.resume()
    run()
    assert log == [('destroyed', True), 'close']


def test_duplex_writable_finished():
    # test-stream-duplex-writable-finished
    d = Duplex(read=idle, write=ok_write)
    seen = []
    d.on('finish', lambda: seen.append(d.writableFinished))
    d.end()
    assert d.writableFinished is False
    run()
    assert seen == [True]


def test_piping_to_one_destination_twice_writes_twice():
    # test-stream-pipe-same-destination-twice
    p = PassThrough()
    got = []
    w = Writable(write=lambda self, c, e, cb: (got.append(c), cb()))
    p.pipe(w)
    p.pipe(w)
    p.write('x')
    net.setImmediate(lambda: p.unpipe())
    run()
    assert got == [b'x', b'x']


def test_read_in_object_mode_one_at_a_time():
    # test-stream-readable-object-multi-push-async, the synchronous part
    r = Readable(objectMode=True, read=idle)
    r.push(1)
    r.push(2)
    assert [r.read(), r.read(), r.read()] == [1, 2, None]


def test_set_encoding_none_is_utf8_and_pushed_text_is_kept():
    # test-stream-readable-setEncoding-null, test-stream-push-strings
    r = Readable(read=idle)
    r.setEncoding(None)
    assert r.readableEncoding == 'utf8'
    t = Readable(read=idle, encoding='utf8')
    t.push('€')
    t.push(b'x')
    assert t.read() == '€x'
