"""``wsgi.input``: the request body, streamed to a worker thread.

The loop's thread pushes the body's chunks in as they arrive (``push``,
``end``, ``abort``); the app's thread reads them (``read``, ``readline``,
``readlines``, iteration).  No more than 64 KiB wait unread: past that the
request is paused, and resumed when the app has taken them, so a body is
never held whole and a slow app slows its client down through TCP.
"""
import threading

__all__ = ['StreamInput']

HIGH_WATER = 65536


class StreamInput:
    """A file-like body for an app running on a worker thread.
    ``call_soon`` runs a function on the loop's thread (the pyuvnet
    loop's call_soon_threadsafe); ``req`` is paused and resumed."""

    def __init__(self, req, call_soon, fed=False):
        self._req = req
        self._call_soon = call_soon
        self._buffer = bytearray()
        self._cond = threading.Condition(threading.Lock())
        self._ended = False
        self._aborted = False
        self._paused = True        # the request starts paused (the Exchange pauses it)
        # ``fed``: the request pushes its body itself (an HTTP/2 stream,
        # uv/wsgi/h2_call.pyx); else its 'data' and 'end' are listened to.
        self._started = fed

    # -- the loop's side -------------------------------------------------------

    def push(self, chunk):
        with self._cond:
            self._buffer += chunk
            if len(self._buffer) >= HIGH_WATER and not self._paused:
                self._paused = True
                self._req.pause()
            self._cond.notify_all()

    def end(self):
        with self._cond:
            self._ended = True
            self._cond.notify_all()
        self._req = None

    def abort(self):
        with self._cond:
            self._aborted = True
            self._cond.notify_all()
        self._req = None

    def _resume(self):
        # The body is over: the request let go (its listeners hold us, so
        # holding it would be a loop only the gc frees).
        req = self._req
        if req is None:
            return
        if not self._started:
            self._started = True
            req.on('data', self.push)
            req.on('end', self.end)
        req.resume()

    # -- the app's side --------------------------------------------------------

    def _fill(self, want):
        """Wait until ``want`` bytes wait (None: until the end), the body
        ended or the client left.  Called with the lock held."""
        while not self._ended and not self._aborted and (
                want is None or len(self._buffer) < want):
            if self._paused:
                self._paused = False
                self._call_soon(self._resume)
            self._cond.wait()

    def _take(self, size):
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def read(self, size=-1):
        with self._cond:
            if size is None or size < 0:
                self._fill(None)
                return self._take(len(self._buffer))
            self._fill(size)
            return self._take(size)

    def read1(self, size=-1):
        """Whatever waits (at least a byte unless the body ended)."""
        with self._cond:
            self._fill(1)
            return self._take(len(self._buffer) if size is None or size < 0 else size)

    def readline(self, size=-1):
        with self._cond:
            start = 0
            while True:
                end = self._buffer.find(b'\n', start)
                if end >= 0:
                    end += 1
                    break
                if size is not None and 0 <= size <= len(self._buffer):
                    end = size
                    break
                if self._ended or self._aborted:
                    end = len(self._buffer)
                    break
                start = len(self._buffer)
                self._fill(start + 1)
            if size is not None and size >= 0:
                end = min(end, size)
            return self._take(end)

    def readlines(self, hint=-1):
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line
