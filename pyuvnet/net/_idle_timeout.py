"""A socket's idle timeout (Node's socket.setTimeout): 'timeout' after a
number of milliseconds without reads or writes.

Activity only stamps ``sock.last_activity`` (in C, per chunk, and only
while ``sock._idle`` is set: a socket without a timeout reads no clock);
the timer checks the stamp when it fires and re-arms itself for what is
left, so the per-chunk path never touches a timer.
"""
from .._internal.timer_duration import TIMEOUT_MAX
from .._uv import get_loop, setTimeout

__all__ = ['IdleTimeout']


class IdleTimeout:
    """The idle timer of one socket; ``ms`` is the timeout as given."""

    __slots__ = ('sock', 'ms', 'timer', 'seen_at')

    def __init__(self, sock):
        self.sock = sock
        self.ms = None
        self.timer = None
        self.seen_at = None         # last_activity of the last 'timeout'

    def set(self, timeout):
        """(Re)start counting ``timeout`` ms (checked by check_timer_duration())
        from now; 0 stops."""
        self.clear()
        self.ms = timeout
        if timeout:
            self.sock.last_activity = get_loop().now()
            self.seen_at = None
            self._arm(self._limit())

    def clear(self):
        if self.timer is not None:
            self.timer.close()
            self.timer = None

    def close(self):
        """The socket is destroyed (setTimeout() is a no-op from then on):
        no timer, and the socket let go.  It holds us, so the pair would
        otherwise be a cycle only the cyclic GC frees."""
        self.clear()
        self.sock = None

    def _limit(self):
        return min(self.ms, TIMEOUT_MAX)

    def _arm(self, delay):
        # Unref'd, as Node's: an idle timeout keeps no loop alive.
        self.timer = setTimeout(self._fired, delay)
        self.timer.unref()

    def _fired(self):
        sock = self.sock
        if sock is None or sock._destroyed or not self.ms:
            return
        limit = self._limit()
        idle = get_loop().now() - sock.last_activity
        if idle >= limit:
            if self.seen_at != sock.last_activity:
                self.seen_at = sock.last_activity
                self._arm(limit)
                sock.emit('timeout')
                return
            idle = 0
        self._arm(limit - idle)
