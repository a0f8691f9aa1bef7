"""AbortController / AbortSignal, as Node's globals, for ``signal`` options."""
from .. import errors
from ..events import EventEmitter
from .aliases import twins


@twins('addEventListener', 'removeEventListener', 'throwIfAborted', bases=('EventEmitter',))
class AbortSignal(EventEmitter):
    """Becomes ``aborted`` once; then emits 'abort' and calls ``onabort``."""

    def __init__(self):
        """Not aborted; AbortController() and the static constructors make
        the signals one uses."""
        self.aborted = False
        self.reason = None
        self.onabort = None

    def addEventListener(self, event, listener, options=None):
        """EventTarget's spelling of on(): ``listener`` for ``event``
        ('abort'); with ``{'once': True}``, removed after its first call."""
        once = isinstance(options, dict) and options.get('once')
        (self.once if once else self.on)(event, listener)

    def removeEventListener(self, event, listener):
        """EventTarget's spelling of removeListener()."""
        self.removeListener(event, listener)

    def throwIfAborted(self):
        """Raise ``reason`` if the signal was aborted; else do nothing."""
        if self.aborted:
            raise self.reason

    def _abort(self, reason):
        if self.aborted:
            return
        self.aborted = True
        self.reason = errors.AbortError() if reason is None else reason
        if self.onabort is not None:
            self.onabort(self)
        self.emit('abort', self)

    @classmethod
    def abort(cls, reason=None):
        """A signal that is already aborted."""
        signal = cls()
        signal._abort(reason)
        return signal

    @classmethod
    def timeout(cls, delay):
        """A signal that aborts after ``delay`` ms (the timer is unref'd)."""
        from .._uv import setTimeout
        signal = cls()
        setTimeout(lambda: signal._abort(errors.AbortError('The operation was aborted due to timeout')),
                       delay).unref()
        return signal


@twins(row='AbortController')
class AbortController:
    """Node's AbortController: ``signal`` is an AbortSignal that ``abort()``
    aborts."""

    def __init__(self):
        """A controller with a fresh, not aborted ``signal``."""
        self.signal = AbortSignal()

    def abort(self, reason=None):
        """Abort ``signal`` with ``reason`` (default: an AbortError): its
        ``onabort`` then its 'abort' listeners run, at once and only the
        first time."""
        self.signal._abort(reason)
