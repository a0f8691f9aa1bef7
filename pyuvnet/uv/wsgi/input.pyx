# wsgi.input of a request whose body is all in (pyuvnet/uv/wsgi/call.pyx
# makes one per request): PEP 3333's read, readline, readlines and
# iteration, with io.BytesIO's results, over the body's bytes.  In C so
# that a request pays no io.BytesIO (its __init__, its copy of the bytes);
# a body still on its way is streamed by pyuvnet/wsgi/_input.py instead.
# A request without a body gets the one shared WSGI_EMPTY_INPUT, whose
# reads have nothing to move and whose close() does nothing, so that it is
# already in the environ each request copies.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.buffer cimport PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.string cimport memchr


@cython.final
@cython.freelist(8)
cdef class WsgiInput:
    """A whole request body as a read-only file (``wsgi.input``)."""

    cdef bytes data
    cdef Py_ssize_t pos
    cdef bint shut
    cdef bint shared            # WSGI_EMPTY_INPUT: never closed

    def __init__(self, data=b''):
        self.data = bytes(data)

    cdef int check(self) except -1:
        if self.shut:
            raise ValueError('I/O operation on closed file.')
        return 0

    cdef bytes take(self, Py_ssize_t size):
        """The next ``size`` bytes (all that are left when negative or
        more), the whole body itself when that is all of it."""
        cdef bytes data = self.data
        cdef Py_ssize_t left = PyBytes_GET_SIZE(data) - self.pos
        if size < 0 or size > left:
            size = left
        if size == PyBytes_GET_SIZE(data):
            self.pos = size
            return data
        chunk = data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def read(self, size=-1):
        """Up to ``size`` bytes (all that are left when None or negative)."""
        self.check()
        return self.take(-1 if size is None else size)

    def read1(self, size=-1):
        self.check()
        return self.take(-1 if size is None else size)

    def readline(self, size=-1):
        """The next line with its b'\\n', at most ``size`` bytes."""
        self.check()
        cdef Py_ssize_t limit = -1 if size is None else size
        cdef Py_ssize_t left = PyBytes_GET_SIZE(self.data) - self.pos
        if limit < 0 or limit > left:
            limit = left
        cdef const char* start = PyBytes_AS_STRING(self.data) + self.pos
        cdef const char* newline = <const char*>memchr(start, 10, limit)
        return self.take(limit if newline == NULL else newline - start + 1)

    def readlines(self, hint=-1):
        """The lines left, or those until ``hint`` bytes are reached."""
        self.check()
        cdef Py_ssize_t most = -1 if hint is None else hint
        cdef Py_ssize_t total = 0
        cdef list lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < most <= total:
                return lines

    def readinto(self, buffer):
        """Bytes copied into ``buffer`` (a writable bytes-like), as many
        as fit; their count."""
        self.check()
        cdef Py_buffer view
        try:
            PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE)
        except BufferError:
            raise TypeError('readinto() argument must be read-write bytes-like object, '
                            'not %s' % type(buffer).__name__) from None
        try:
            chunk = self.take(view.len)
            memcpy(view.buf, PyBytes_AS_STRING(chunk), PyBytes_GET_SIZE(chunk))
        finally:
            PyBuffer_Release(&view)
        return PyBytes_GET_SIZE(chunk)

    def readable(self):
        self.check()
        return True

    def seekable(self):
        return False

    def writable(self):
        return False

    def tell(self):
        self.check()
        return self.pos

    def close(self):
        self.shut = not self.shared

    @property
    def closed(self):
        return self.shut

    def __iter__(self):
        self.check()
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


cdef WsgiInput empty_input():
    cdef WsgiInput body = WsgiInput.__new__(WsgiInput)
    body.data = b''
    body.shared = True
    return body


cdef WsgiInput WSGI_EMPTY_INPUT = empty_input()


cdef object wsgi_input(bytes data):
    """wsgi.input of a whole body ``data``."""
    if not PyBytes_GET_SIZE(data):
        return WSGI_EMPTY_INPUT
    cdef WsgiInput body = WsgiInput.__new__(WsgiInput)
    body.data = data
    return body


def _wsgi_input(data):
    """wsgi.input of a whole body (bytes-like)."""
    return wsgi_input(bytes(data))
