"""The order of an ended stream's ticks, pinned against Node 20: its
endReadable() calls (one per read of an ended, empty stream) queue
endReadableNT ticks that check the state each when they run, and a
stream's 'end', 'finish' and 'close' keep their places among the other
ticks and immediates. (pyuvnet queues one tick for the calls made while
one waits: these cases hold it to Node's order, an unshift() after the
end among them.)"""
import pyuvnet as net
from pyuvnet.stream import Duplex, Readable
from stream_support import recorder, run


def ended(log):
    r = Readable(read=lambda self, size: None)
    r.push('abc')
    r.push(None)
    recorder(r, ['end', 'close'], log)
    return r


def test_several_reads_of_an_ended_stream_end_it_once_in_place():
    log = []
    r = ended(log)

    def reads():
        log.append('read:%s' % r.read().decode())
        r.read(0)
        r.read()
        net.nextTick(log.append, 'tick-a')
        r.read(0)
        net.nextTick(log.append, 'tick-b')
    net.nextTick(reads)
    run()
    assert log == ['read:abc', 'end', 'tick-a', 'tick-b', 'close']


def test_unshift_after_the_end_the_waiting_ticks_check_again():
    # Node queues a tick per read; the first finds the unshifted data, a
    # later one finds it read (by a tick queued before them) and ends.
    log = []
    r = ended(log)

    def reads():
        log.append('read:%s' % r.read().decode())
        net.nextTick(lambda: log.append('x:%s' % r.read(1).decode()))
        r.read(0)
        r.read(0)
        r.unshift('z')
    net.nextTick(reads)
    run()
    assert log == ['read:abc', 'x:z', 'end', 'close']


def test_unshift_after_the_end_then_read_ends_after_it():
    log = []
    r = ended(log)

    def reads():
        log.append('read:%s' % r.read().decode())
        r.read(0)
        r.unshift('yz')
        net.nextTick(log.append, 'tick-c')
        log.append('again:%s' % r.read().decode())
        net.nextTick(log.append, 'tick-d')
    net.nextTick(reads)
    run()
    assert log == ['read:abc', 'again:yz', 'end', 'tick-c', 'tick-d', 'close']


def test_unshift_after_the_end_read_exactly_never_ends():
    # No read finds the stream empty after the data came back: as Node,
    # no 'end' (nor 'close': the stream is not destroyed).
    log = []
    r = ended(log)

    def reads():
        log.append('read:%s' % r.read().decode())
        r.read(0)
        r.unshift('z')
        net.nextTick(lambda: log.append('x:%s' % r.read(1).decode()))
    net.nextTick(reads)
    run()
    assert log == ['read:abc', 'x:z']
    assert not r.readableEnded


def test_a_duplex_ended_both_ways_and_resumed():
    # A request's stream: pushed null, answered with end(chunk) (the write
    # completes on a later turn), resumed; its events among other ticks.
    log = []

    def write(self, chunk, encoding, callback):
        net.setImmediate(callback)
    d = Duplex(read=lambda self, size: None, write=write)
    recorder(d, ['end', 'finish', 'prefinish', 'close', 'resume'], log)
    d.push(None)
    d.end('hi')
    d.resume()
    net.nextTick(log.append, 'tick-1')

    def immediate():
        log.append('imm')
        net.nextTick(log.append, 'tick-2')
    net.setImmediate(immediate)
    run()
    assert log == ['resume', 'tick-1', 'end', 'prefinish', 'finish', 'close', 'imm', 'tick-2']
