"""stream.duplexPair(), Node 20.17+'s (ported from Node's
test/parallel/test-stream-duplexpair.js; each expectation run under
/usr/bin/node 20.20.2 first)."""
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
