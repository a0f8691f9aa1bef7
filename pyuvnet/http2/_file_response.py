"""respondWithFD and respondWithFile: a response whose body is a file's
bytes, as Node's ServerHttp2Stream sends them. The file is read by an
fs.ReadStream (one chunk per loop turn, see pyuvnet.fs) piped into the
stream, so the stream's flow-control window paces the reads."""
import os
import stat as stat_module

from .. import errors
from .._uv import nextTick
from ..fs import ReadStream
from .._internal.http2.errors import (ERR_HTTP2_HEADERS_SENT, ERR_HTTP2_INVALID_STREAM, ERR_HTTP2_PAYLOAD_FORBIDDEN,
                                      ERR_HTTP2_SEND_FILE, ERR_HTTP2_SEND_FILE_NOSEEK)
from .._internal.http2.headers import headers_arg

__all__ = ['respond_with_fd', 'respond_with_file']

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


def _file_head(stream, headers, options):
    """The checks both make at once, and the head as Node completes it."""
    if stream.destroyed or stream._ng_closed:
        raise ERR_HTTP2_INVALID_STREAM()
    if stream.headersSent:
        raise ERR_HTTP2_HEADERS_SENT()
    options = _check_options(options)
    headers = headers_arg(headers)
    status = int(headers.setdefault(':status', 200))
    headers[':status'] = status
    if status in _NO_PAYLOAD or stream._head_request:
        raise ERR_HTTP2_PAYLOAD_FORBIDDEN(status)
    return headers, options


def respond_with_fd(stream, fd, headers=None, options=None):
    """ServerHttp2Stream.respondWithFD()."""
    if hasattr(fd, 'fileno') and not isinstance(fd, int):
        fd = fd.fileno()
    if isinstance(fd, bool) or not isinstance(fd, int):
        raise errors.ERR_INVALID_ARG_TYPE('fd', ['number', 'FileHandle'], fd)
    headers, options = _file_head(stream, headers, options)
    if options.get('statCheck') is None:
        _send_fd(stream, fd, headers, options, options.get('offset') or 0,
                 options.get('length'), False)
        return
    nextTick(_stat_fd, stream, fd, headers, options)


def _stat_fd(stream, fd, headers, options):
    try:
        info = os.fstat(fd)
    except OSError as error:
        stream.destroy(errors.uv_exception(-error.errno, 'fstat'))
        return
    if stream.destroyed or stream._ng_closed:
        stream.destroy(ERR_HTTP2_INVALID_STREAM())
        return
    stat_options = {'offset': options.get('offset') or 0,
                    'length': -1 if options.get('length') is None else options['length']}
    if options['statCheck'](info, headers, stat_options) is False:
        return
    _send_fd(stream, fd, headers, options, stat_options['offset'], options.get('length'), False)


def respond_with_file(stream, path, headers=None, options=None):
    """ServerHttp2Stream.respondWithFile()."""
    headers, options = _file_head(stream, headers, options)
    nextTick(_open_file, stream, os.fspath(path), headers, options)


def _file_failed(stream, options, error, fd=None):
    if fd is not None:
        os.close(fd)
    if options.get('onError') is not None:
        options['onError'](error)
    else:
        stream.destroy(error)


def _open_file(stream, path, headers, options):
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
    except OSError as error:
        _file_failed(stream, options, errors.uv_exception(-error.errno, 'open', path))
        return
    if stream.destroyed or stream._ng_closed:
        os.close(fd)
        return
    try:
        info = os.fstat(fd)
    except OSError as error:
        _file_failed(stream, options, errors.uv_exception(-error.errno, 'fstat'), fd)
        return
    offset, length = options.get('offset'), options.get('length')
    regular = stat_module.S_ISREG(info.st_mode)
    if not regular:
        directory = stat_module.S_ISDIR(info.st_mode)
        if directory or offset is not None or length is not None:
            _file_failed(stream, options, ERR_HTTP2_SEND_FILE() if directory
                         else ERR_HTTP2_SEND_FILE_NOSEEK(), fd)
            return
    stat_options = {'offset': offset or 0, 'length': -1 if length is None else length}
    check = options.get('statCheck')
    # As Node: a file's statCheck gets (stat, headers), an fd's also statOptions.
    if (check is not None and check(info, headers) is False) or stream.headersSent:
        os.close(fd)
        return
    if regular:
        offset = int(stat_options['offset'])
        available = max(info.st_size - offset, 0)
        length = available if stat_options['length'] < 0 else min(available, int(length))
        headers['content-length'] = length
    else:
        offset = -1          # a pipe or a socket: read in sequence
    _send_fd(stream, fd, headers, options, offset, length, True)


def _send_fd(stream, fd, headers, options, offset, length, owns_fd):
    """The head now, then the file's bytes from ``offset`` (-1: where
    the fd is) piped in; the fd closed at the end when ``owns_fd``."""
    stream.respond(headers, {'waitForTrailers': bool(options.get('waitForTrailers')),
                             'sendDate': options.get('sendDate', True)})
    read_options = {'fd': fd, 'autoClose': owns_fd}
    if offset >= 0:
        read_options['start'] = int(offset)
    if length is not None and length >= 0:
        if length == 0:
            stream.end()
            if owns_fd:
                os.close(fd)
            return
        read_options['end'] = max(int(offset), 0) + int(length) - 1
    reader = ReadStream(None, read_options)
    reader.on('error', stream.destroy)
    # A stream closed early stops the reads (and closes an owned fd).
    stream.once('close', reader.destroy)
    reader.pipe(stream)
