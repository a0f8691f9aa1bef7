"""respondWithFD and respondWithFile: a response whose body is a file's
bytes, as Node's ServerHttp2Stream sends them. The file is read by an
fs.ReadStream (one chunk per loop turn, see pyuvnet.fs) piped into the
stream, so the stream's flow-control window paces the reads."""
import os
import stat as stat_module

from .. import errors
from .._uv import nextTick
from ..fs import ReadStream
from ._errors import (ERR_HTTP2_HEADERS_SENT, ERR_HTTP2_INVALID_STREAM, ERR_HTTP2_PAYLOAD_FORBIDDEN,
                      ERR_HTTP2_SEND_FILE, ERR_HTTP2_SEND_FILE_NOSEEK)

__all__ = ['FileResponses']

_NO_PAYLOAD = (204, 205, 304)


def _check_options(options):
    options = dict(options or {})
    for name in ('offset', 'length'):
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise errors.ERR_INVALID_ARG_VALUE('options.' + name, value)
    check = options.get('statCheck')
    if check is not None and not callable(check):
        raise errors.ERR_INVALID_ARG_VALUE('options.statCheck', check)
    return options


class FileResponses:
    """ServerHttp2Stream's file responses (Node's respondWithFD and
    respondWithFile)."""

    def _file_head(self, headers, options):
        """The checks both make at once, and the head as Node completes it."""
        if self.destroyed or self._ng_closed:
            raise ERR_HTTP2_INVALID_STREAM()
        if self.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        options = _check_options(options)
        headers = dict(headers or {})
        status = int(headers.setdefault(':status', 200))
        headers[':status'] = status
        if status in _NO_PAYLOAD or self._head_request:
            raise ERR_HTTP2_PAYLOAD_FORBIDDEN(status)
        return headers, options

    def respondWithFD(self, fd, headers=None, options=None):
        """Responds with the bytes of the open file ``fd`` (not closed
        here): from ``offset``, ``length`` bytes (to its end by default).
        ``options``: offset, length, statCheck(stat, headers, statOptions)
        (an os.stat_result; returning False cancels the response),
        waitForTrailers, sendDate."""
        if hasattr(fd, 'fileno') and not isinstance(fd, int):
            fd = fd.fileno()
        if isinstance(fd, bool) or not isinstance(fd, int):
            raise errors.ERR_INVALID_ARG_TYPE('fd', ['number', 'FileHandle'], fd)
        headers, options = self._file_head(headers, options)
        if options.get('statCheck') is None:
            self._send_fd(fd, headers, options, options.get('offset') or 0, options.get('length'),
                          False)
            return
        nextTick(self._stat_fd, fd, headers, options)

    def _stat_fd(self, fd, headers, options):
        try:
            info = os.fstat(fd)
        except OSError as error:
            self.destroy(errors.uv_exception(-error.errno, 'fstat'))
            return
        if self.destroyed or self._ng_closed:
            self.destroy(ERR_HTTP2_INVALID_STREAM())
            return
        stat_options = {'offset': options.get('offset') or 0,
                        'length': -1 if options.get('length') is None else options['length']}
        if options['statCheck'](info, headers, stat_options) is False:
            return
        self._send_fd(fd, headers, options, stat_options['offset'], options.get('length'), False)

    def respondWithFile(self, path, headers=None, options=None):
        """Responds with the file at ``path`` (opened and closed here), its
        ``content-length`` set: from ``offset``, ``length`` bytes. An open
        or stat error goes to ``onError(err)`` (else destroys the stream);
        a directory is ERR_HTTP2_SEND_FILE. ``options``: offset, length,
        statCheck(stat, headers) (False cancels), onError,
        waitForTrailers, sendDate."""
        headers, options = self._file_head(headers, options)
        nextTick(self._open_file, os.fspath(path), headers, options)

    def _file_failed(self, options, error, fd=None):
        if fd is not None:
            os.close(fd)
        if options.get('onError') is not None:
            options['onError'](error)
        else:
            self.destroy(error)

    def _open_file(self, path, headers, options):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
        except OSError as error:
            self._file_failed(options, errors.uv_exception(-error.errno, 'open', path))
            return
        if self.destroyed or self._ng_closed:
            os.close(fd)
            return
        try:
            info = os.fstat(fd)
        except OSError as error:
            self._file_failed(options, errors.uv_exception(-error.errno, 'fstat'), fd)
            return
        offset, length = options.get('offset'), options.get('length')
        regular = stat_module.S_ISREG(info.st_mode)
        if not regular:
            directory = stat_module.S_ISDIR(info.st_mode)
            if directory or offset is not None or length is not None:
                self._file_failed(options, ERR_HTTP2_SEND_FILE() if directory
                                  else ERR_HTTP2_SEND_FILE_NOSEEK(), fd)
                return
        stat_options = {'offset': offset or 0, 'length': -1 if length is None else length}
        check = options.get('statCheck')
        # As Node: a file's statCheck gets (stat, headers), an fd's also statOptions.
        if (check is not None and check(info, headers) is False) or self.headersSent:
            os.close(fd)
            return
        if regular:
            offset = int(stat_options['offset'])
            available = max(info.st_size - offset, 0)
            length = available if stat_options['length'] < 0 else min(available, int(length))
            headers['content-length'] = length
        else:
            offset = -1          # a pipe or a socket: read in sequence
        self._send_fd(fd, headers, options, offset, length, True)

    def _send_fd(self, fd, headers, options, offset, length, owns_fd):
        """The head now, then the file's bytes from ``offset`` (-1: where
        the fd is) piped in; the fd closed at the end when ``owns_fd``."""
        self.respond(headers, {'waitForTrailers': bool(options.get('waitForTrailers')),
                               'sendDate': options.get('sendDate', True)})
        read_options = {'fd': fd, 'autoClose': owns_fd}
        if offset >= 0:
            read_options['start'] = int(offset)
        if length is not None and length >= 0:
            if length == 0:
                self.end()
                if owns_fd:
                    os.close(fd)
                return
            read_options['end'] = max(int(offset), 0) + int(length) - 1
        reader = ReadStream(None, read_options)
        reader.on('error', self.destroy)
        # A stream closed early stops the reads (and closes an owned fd).
        self.once('close', reader.destroy)
        reader.pipe(self)
