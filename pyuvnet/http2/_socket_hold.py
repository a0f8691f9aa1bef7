"""SocketHold: what an Http2Session does to its socket beside its frames
(_session.py): the idle timeout and ref()/unref(). A libuv socket or a
TLSSocket has its own idle timer and handle; a plain Duplex as the socket
has neither, so the hold keeps the session's own unref'd timer, re-armed
by each read and write (as Node's JSStreamSocket), and ref()/unref() have
nothing to act on."""
from .._internal.timer_duration import set_idle_timeout, unref_timer

__all__ = ['SocketHold']


class SocketHold:
    """The session's idle timer and its socket's hold on the loop.
    ``timer``: the own timer while one is armed (None otherwise), which the
    session refreshes on each read and write. (The hold keeps nothing of
    the session's: only an armed timer holds the session, so a closed
    session is freed without the cyclic gc.)"""

    __slots__ = ('socket', 'timer')

    def __init__(self, socket):
        self.socket = socket
        self.timer = None

    def set_timeout(self, session, msecs, on_timeout):
        """Node's session.setTimeout(msecs) (its callback is the session's
        listener, added by the session): the socket's timer, or the own
        one, which calls ``on_timeout()`` (as the socket's 'timeout' does)."""
        if hasattr(self.socket, 'setTimeout'):
            self.socket.setTimeout(msecs)
        else:
            set_idle_timeout(session, msecs, None, lambda msecs: self._arm(msecs, on_timeout))

    def _arm(self, msecs, on_timeout):
        self.clear()
        self.timer = unref_timer(on_timeout, msecs)

    def clear(self):
        """The own timer stopped (at the session's close)."""
        if self.timer is not None:
            self.timer.close()
            self.timer = None

    def ref(self, name):
        """The socket's ``ref()`` or ``unref()`` (``name``); nothing for a
        Duplex, which holds no handle (nor does Node's JSStreamSocket)."""
        method = getattr(self.socket, name, None)
        if method is not None:
            method()
