"""read(n) of part of a buffered chunk: it copies the n bytes out and moves
on in the chunk (ReadableState.headOffset), never copying the rest, and
what follows (unshift(), setEncoding(), read(), the flow) sees exactly
the unread bytes. Each expectation was run under Node 20 first."""
from pyuvnet.stream import Readable


def idle(self, size):
    pass


def test_reads_within_and_across_chunks_with_an_unshift_between():
    r = Readable(read=idle)
    r.push(b'abcdef')
    r.push(b'ghi')
    assert (r.read(2), r.readableLength) == (b'ab', 7)
    r.unshift(b'X')
    assert (r.read(3), r.readableLength) == (b'Xcd', 5)
    assert (r.read(4), r.readableLength) == (b'efgh', 1)
    assert (r.read(), r.readableLength) == (b'i', 0)


def test_set_encoding_after_part_of_a_chunk_was_read():
    # The read part is gone, the rest decoded (Node 20: 'éllo').
    r = Readable(read=idle)
    r.push('hé'.encode())
    r.push(b'llo')
    assert r.read(1) == b'h'
    r.setEncoding('utf8')
    assert (r.read(), r.readableLength) == ('éllo', 0)


def test_text_chunks_are_read_in_parts_too():
    r = Readable(read=idle, encoding='utf8')
    r.push('wörter')
    assert [r.read(2), r.read(3), r.read()] == ['wö', 'rte', 'r']


def test_flowing_after_a_partial_read_gives_the_unread_rest(run_loop):
    # Node 20: [ 'bcd', 'ef' ].
    r = Readable(read=idle)
    r.push(b'abcd')
    r.push(b'ef')
    r.read(1)
    seen = []
    r.on('data', seen.append)
    run_loop()
    assert seen == [b'bcd', b'ef']


def test_data_listeners_get_each_read_chunk():
    r = Readable(read=idle)
    r.push(b'abcdef')
    seen = []
    r.pause()
    r.on('data', seen.append)
    assert r.read(2) == b'ab' and r.read(4) == b'cdef'
    assert seen == [b'ab', b'cdef']


def messages(count, size):
    return [bytes([k % 251]) * size for k in range(count)]


def test_bodies_a_reader_keeps_keep_their_bytes():
    # read(n)'s bytes may be refilled for a later read only once nothing
    # else holds them: kept ones, and one a memoryview holds, never change.
    r = Readable(read=idle)
    sent = messages(40, 600) + messages(40, 4)
    r.push(b''.join(sent))
    kept = []
    view = None
    for k, expected in enumerate(sent):
        body = r.read(len(expected))
        assert body == expected
        if k % 3 == 0:
            kept.append(body)
        if k == 10:
            view = memoryview(body)
        del body
    assert kept == sent[::3]
    assert view.tobytes() == sent[10]


def test_a_dropped_body_read_again_hashes_as_its_new_bytes():
    # The bytes of a dropped read may be those of the next one of its
    # size: its hash is that of its new bytes, not the one cached before.
    r = Readable(read=idle)
    sent = messages(6, 1024) + messages(6, 4)
    r.push(b''.join(sent) + b'rest')
    for expected in sent:
        body = r.read(len(expected))
        assert (body, hash(body)) == (expected, hash(bytes(bytearray(expected))))
        del body
    assert r.read() == b'rest'


def test_read_emits_data_through_an_emit_the_class_gets_later():
    # Node's read() emits 'data' with this.emit(): a class whose emit() is
    # replaced after reads were made without one is heard at the next.
    class Spied(Readable):
        pass

    r = Spied(read=idle)
    r.push(b'abcdefgh')
    assert r.read(2) == b'ab'
    heard = []
    Spied.emit = lambda self, event, *args: heard.append((event,) + args)
    assert r.read(2) == b'cd'
    del Spied.emit
    assert r.read(2) == b'ef'
    assert heard == [('data', b'cd')]
