"""stream.duplexPair(): Node 20's (lib/internal/streams/duplexpair.js,
in Node 20.17 and later): two Duplex streams joined back to back, what one
side writes the other reads, for tests and in-process transports."""
from .._uv import nextTick
from ._duplex import Duplex

__all__ = ['duplexPair']


class DuplexSide(Duplex):
    """One side of a duplexPair(): its writes are pushed into the other
    side, and each write's callback waits until the other side's reader
    asks for more (_read), which is the pair's backpressure."""

    def __init__(self, options=None):
        super().__init__(options)
        self._other = None
        self._resume_writer = None      # the other side's last write callback

    def _read(self, size):
        callback, self._resume_writer = self._resume_writer, None
        if callback is not None:
            callback()

    def _write(self, chunk, encoding, callback):
        if not chunk:
            nextTick(callback)
            return
        other = self._other             # (the push may destroy this side)
        other.push(chunk)
        other._resume_writer = callback

    def _final(self, callback):
        # The side's 'finish' waits for the other side's 'end'.
        self._other.on('end', callback)
        self._other.push(None)

    def _destroy(self, err, callback):
        # A destroyed side reads and writes no more: it lets go of the other
        # side and of its last writer, so that the pair is no cycle once
        # both are destroyed (freed without the cyclic GC).
        self._other = self._resume_writer = None
        callback(err)


def duplexPair(options=None):
    """``[side0, side1]``: two DuplexSide streams, each made with
    ``options``, each writing into the other."""
    side0, side1 = DuplexSide(options), DuplexSide(options)
    side0._other, side1._other = side1, side0
    return [side0, side1]
