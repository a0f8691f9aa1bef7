"""ReadStream and WriteStream: Node's fs streams over pyuvnet.stream.

The file's open, reads, writes and close are plain blocking system calls
on the loop's thread (os.open, os.pread/os.read, os.write, os.close), one
highWaterMark chunk at a time: a read is started from a setImmediate, so
each chunk is one turn of the loop and sockets' I/O goes on between
chunks, as Node's reads come back one by one from libuv's thread pool. A
local disk answers such a call in microseconds; a file on a network
filesystem that stalls stalls the loop (read it on a thread of your own).
"""
import os

from .. import errors
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from .._uv import setImmediate
from ..stream import Readable, Writable, finished

__all__ = ['ReadStream', 'WriteStream', 'open_flags']

# Node's string flags (lib/internal/fs/utils.js stringToFlags).
_FLAGS = {
    'r': os.O_RDONLY, 'rs': os.O_RDONLY | os.O_SYNC, 'sr': os.O_RDONLY | os.O_SYNC,
    'r+': os.O_RDWR, 'rs+': os.O_RDWR | os.O_SYNC, 'sr+': os.O_RDWR | os.O_SYNC,
    'w': os.O_TRUNC | os.O_CREAT | os.O_WRONLY,
    'w+': os.O_TRUNC | os.O_CREAT | os.O_RDWR,
    'a': os.O_APPEND | os.O_CREAT | os.O_WRONLY,
    'as': os.O_APPEND | os.O_CREAT | os.O_WRONLY | os.O_SYNC,
    'a+': os.O_APPEND | os.O_CREAT | os.O_RDWR,
    'as+': os.O_APPEND | os.O_CREAT | os.O_RDWR | os.O_SYNC,
}
_FLAGS.update({'sa': _FLAGS['as'], 'sa+': _FLAGS['as+']})
# 'x': fail if the file exists (O_EXCL), before or after the 'w' or 'a'.
for _name in ('w', 'w+', 'a', 'a+'):
    _FLAGS[_name[0] + 'x' + _name[1:]] = _FLAGS['x' + _name] = _FLAGS[_name] | os.O_EXCL
del _name

_COMMON_RULES = dict(flags=('string', 'integer'), encoding='string', fd='integer',
                     mode='integer', autoClose='boolean', emitClose='boolean',
                     start='integer', highWaterMark='integer', signal='object')
_READ_OPTIONS = OptionSpec(dict(_COMMON_RULES, end='number'))
_WRITE_OPTIONS = OptionSpec(dict(_COMMON_RULES, flush='boolean'))
_MAX_SAFE_INTEGER = 2 ** 53 - 1


def open_flags(flags):
    """os.open()'s flags for Node's ``flags`` (a string such as 'r', 'wx',
    'a+', or a number, taken as it is); ERR_INVALID_ARG_VALUE otherwise."""
    if isinstance(flags, int) and not isinstance(flags, bool):
        return flags
    try:
        return _FLAGS[flags]
    except (KeyError, TypeError):
        raise errors.ERR_INVALID_ARG_VALUE('flags', flags) from None


def _options(options, kwargs, spec):
    # Node's createReadStream(path, 'utf8'): a string is the encoding.
    if isinstance(options, str):
        options = {'encoding': options}
    return normalize_options(options, kwargs, spec)


def _check_path(path, fd):
    if fd is not None:
        return path
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise errors.ERR_INVALID_ARG_TYPE('path', ['string', 'Buffer', 'URL'], path)
    return os.fspath(path)


def _check_start(start):
    if start is not None and not 0 <= start <= _MAX_SAFE_INTEGER:
        raise errors.ERR_OUT_OF_RANGE('start', '>= 0 && <= %d' % _MAX_SAFE_INTEGER, start)
    return start


class _FileStream:
    """What both streams share: the file's fd, opened by _construct, closed
    by _destroy when autoClose (Node's fs/streams.js). ``fd`` is None once
    closed, so it is closed exactly once."""

    def _init_file(self, path, opts, default_flags):
        self.fd = opts.get('fd')
        self.path = _check_path(path, self.fd)
        self.flags = opts.get('flags', default_flags)
        self.mode = opts.get('mode', 0o666)
        self.start = _check_start(opts.get('start'))
        self._auto_close = opts.get('autoClose', True)

    @property
    def pending(self):
        """True until the file is open (Node's ``pending``)."""
        return self.fd is None

    @property
    def autoClose(self):
        """Whether the fd is closed when the stream is destroyed (default True)."""
        return self._auto_close

    def _construct(self, callback):
        if self.fd is not None:  # an fd given: nothing to open
            callback()
            return
        try:
            fd = os.open(self.path, open_flags(self.flags) | getattr(os, 'O_CLOEXEC', 0),
                         self.mode)
        except OSError as err:
            callback(errors.uv_exception(-err.errno, 'open', self.path))
            return
        except errors.NodeError as err:
            callback(err)
            return
        self.fd = fd
        callback()
        self.emit('open', fd)
        self.emit('ready')

    def _destroy(self, err, callback):
        fd, self.fd = self.fd, None
        if fd is not None and self._auto_close:
            try:
                os.close(fd)
            except OSError as close_err:
                err = err or errors.uv_exception(-close_err.errno, 'close')
        elif fd is not None:
            self.fd = fd  # not ours to close: it stays usable
        callback(err)


@twins('bytesRead', 'autoClose')
class ReadStream(_FileStream, Readable):
    """Node's ``fs.ReadStream``: a Readable of a file's bytes, from
    ``start`` to ``end`` (inclusive) or the file's end, ``highWaterMark``
    (64 KiB) at a time, one chunk per loop turn. Emits 'open'(fd) and
    'ready' once open; an open or read error is 'error' then 'close', and
    the fd is closed at 'close' (with autoClose, the default)."""

    def __init__(self, path, options=None, **kwargs):
        """``fs.createReadStream(path[, options])``; options as a dict, a
        str (the encoding) or keywords in either spelling: flags ('r'),
        encoding, fd, mode, autoClose, emitClose, start, end,
        highWaterMark, signal."""
        opts = _options(options, kwargs, _READ_OPTIONS)
        self._init_file(path, opts, 'r')
        self.end = opts.get('end', float('inf'))
        if self.start is not None and self.start > self.end:
            raise errors.ERR_OUT_OF_RANGE('start', '<= "end" (here: %s)' % self.end, self.start)
        self.pos = self.start
        self._bytes = 0
        Readable.__init__(self, {
            'highWaterMark': opts.get('highWaterMark', 64 * 1024),
            'encoding': opts.get('encoding'), 'emitClose': opts.get('emitClose', True),
            'autoDestroy': self._auto_close, 'signal': opts.get('signal')})

    @property
    def bytesRead(self):
        """The bytes read from the file so far."""
        return self._bytes

    def _read(self, size):
        setImmediate(self._read_chunk, size)

    def _read_chunk(self, size):
        if self.destroyed or self.fd is None:
            return
        if self.end != float('inf'):
            size = min(size, int(self.end) - (self.pos or 0) + 1)
        if size <= 0:
            self.push(None)
            return
        try:
            if self.pos is None:
                data = os.read(self.fd, size)
            else:
                data = os.pread(self.fd, size, self.pos)
                self.pos += len(data)
        except OSError as err:
            self.destroy(errors.uv_exception(-err.errno, 'read'))
            return
        self._bytes += len(data)
        self.push(data or None)

    def close(self, callback=None):
        """Destroy the stream; ``callback(err)`` once it has closed."""
        if callback is not None:
            finished(self, callback)
        self.destroy()


@twins('bytesWritten', 'autoClose', 'destroySoon')
class WriteStream(_FileStream, Writable):
    """Node's ``fs.WriteStream``: a Writable into a file, at ``start`` or
    where the flags put it ('w': truncated; 'a': appended). Each write is
    written whole before its callback; with ``flush``, the file is synced
    to its disk before 'finish'. 'open'(fd) and 'ready' once open; an
    error is 'error' then 'close'; the fd is closed at 'close'."""

    def __init__(self, path, options=None, **kwargs):
        """``fs.createWriteStream(path[, options])``; options as a dict, a
        str (the encoding) or keywords in either spelling: flags ('w'),
        encoding ('utf8'), fd, mode, autoClose, emitClose, start, flush,
        highWaterMark, signal."""
        opts = _options(options, kwargs, _WRITE_OPTIONS)
        self._init_file(path, opts, 'w')
        self.pos = self.start
        self.flush = opts.get('flush', False)
        self._bytes = 0
        Writable.__init__(self, {
            'highWaterMark': opts.get('highWaterMark', 16 * 1024),
            'defaultEncoding': opts.get('encoding', 'utf8'),
            'emitClose': opts.get('emitClose', True), 'autoDestroy': self._auto_close,
            'signal': opts.get('signal')})

    @property
    def bytesWritten(self):
        """The bytes written to the file so far."""
        return self._bytes

    def _write(self, chunk, encoding, callback):
        view = memoryview(chunk)
        try:
            while view:
                if self.pos is None:
                    done = os.write(self.fd, view)
                else:
                    done = os.pwrite(self.fd, view, self.pos)
                    self.pos += done
                self._bytes += done
                view = view[done:]
        except OSError as err:
            callback(errors.uv_exception(-err.errno, 'write'))
            return
        callback()

    def _final(self, callback):
        if self.flush:
            try:
                os.fsync(self.fd)
            except OSError as err:
                callback(errors.uv_exception(-err.errno, 'fsync'))
                return
        callback()

    def close(self, callback=None):
        """End the stream and close the file; ``callback(err)`` at 'close'."""
        if callback is not None:
            if self.closed:
                setImmediate(callback, None)
                return
            self.on('close', lambda: callback(None))
        if not self._auto_close:
            self.on('finish', self.destroy)
        self.end()

    destroySoon = Writable.end
