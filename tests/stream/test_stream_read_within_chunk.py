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
