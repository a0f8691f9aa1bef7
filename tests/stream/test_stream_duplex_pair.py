"""stream.duplexPair(), Node 20.17+'s (ported from Node's
test/parallel/test-stream-duplexpair.js; each expectation run under
/usr/bin/node 20.20.2 first)."""
import gc
import weakref

from pyuvnet import stream
from pyuvnet.stream import Duplex, duplexPair


def test_what_one_side_writes_the_other_reads_then_ends(run_loop):
    a, b = duplexPair()
    log = []
    b.on('data', lambda chunk: log.append(('b data', chunk)))
    b.on('end', lambda: log.append('b end'))
    a.on('finish', lambda: log.append('a finish'))
    a.write(b'hi')
    a.write(b'')
    a.end(b'yo')
    run_loop()
    assert log == [('b data', b'hi'), ('b data', b'yo'), 'b end', 'a finish']
    assert (a.readable, a.writable, b.writableEnded) == (True, False, False)
    assert isinstance(a, Duplex) and type(a).__name__ == 'DuplexSide'


def test_both_sides_take_the_options(run_loop):
    c, d = duplexPair({'encoding': 'utf8'})
    got = []
    d.on('data', got.append)
    c.write(b'x')
    run_loop()
    assert got == ['x']


def test_the_snake_case_twin_is_the_same_function():
    assert stream.duplex_pair is duplexPair


def test_a_destroyed_pair_with_a_write_in_flight_is_freed_with_gc_off(run_loop):
    """Each side holds the other, and a side the write callback of the
    other's last write until it is read: once both are destroyed the pair
    is freed without the cyclic GC, the unread write's callback never
    called (as Node's, whose sides never call it either)."""
    gc.collect()
    gc.disable()
    try:
        a, b = duplexPair()
        log = []
        a.write(b'unread', lambda *err: log.append('called back'))
        refs = [weakref.ref(a), weakref.ref(b)]
        a.destroy()
        b.destroy()
        run_loop()
        del a, b
        assert [ref() for ref in refs] == [None, None] and log == []
    finally:
        gc.enable()


def test_the_live_side_writes_into_a_destroyed_one_without_error(run_loop):
    """Node 20: after a.destroy(), b.write('late') raises nothing, emits no
    'error' and is never called back (the destroyed side never reads);
    a gets no 'data'."""
    a, b = duplexPair()
    log = []
    a.on('data', lambda chunk: log.append(('a data', chunk)))
    a.destroy()
    b.write(b'late', lambda *err: log.append(('b written',) + err))
    b.on('error', lambda err: log.append(('b error', err)))
    run_loop()
    assert log == []
