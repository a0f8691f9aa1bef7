"""pyuvnet.fs: Node's ``fs`` streams, a file as a Readable or a Writable.

    from pyuvnet import fs, http

    def on_request(req, res):
        res.setHeader('Content-Type', 'application/octet-stream')
        fs.createReadStream('big.bin').pipe(res)     # with backpressure

``createReadStream(path, options)`` and ``createWriteStream(path,
options)`` return a :class:`ReadStream` or :class:`WriteStream`, which are
``stream.Readable`` and ``stream.Writable``: ``pipe()``, ``pipeline()``,
'drain' and highWaterMark work as for any stream. Their reads and writes
are blocking system calls on the loop's thread, one chunk per loop turn
(pyuvnet/fs/_streams.py says why that is fine for a local disk). The rest
of Node's fs (readFile, stat, ...) is Python's: ``open()``, ``os``,
``pathlib``. See docs/api/fs.md.
"""
from .._internal.aliases import module_twins as _module_twins
from ._streams import ReadStream, WriteStream

__all__ = ['ReadStream', 'WriteStream', 'createReadStream', 'createWriteStream']


def createReadStream(path, options=None, **kwargs):
    """A :class:`ReadStream` of the file at ``path`` (Node's
    ``fs.createReadStream``)."""
    return ReadStream(path, options, **kwargs)


def createWriteStream(path, options=None, **kwargs):
    """A :class:`WriteStream` into the file at ``path`` (Node's
    ``fs.createWriteStream``)."""
    return WriteStream(path, options, **kwargs)


# Shown, pickled and documented under their public names.
for _cls in (ReadStream, WriteStream):
    _cls.__module__ = __name__
_module_twins(globals(), 'fs', ('createReadStream', 'createWriteStream'), exported=True)
