"""stream.addAbortSignal(): destroy a stream when a signal aborts."""
from .. import errors
from ._utils import is_node_stream
from ._finished import eos

__all__ = ['addAbortSignal']


def addAbortSignal(signal, stream):
    """Destroy ``stream`` with an AbortError (its ``cause`` the signal's
    reason) when ``signal`` aborts (at once if it already has). Returns
    ``stream``."""
    if signal is None or not hasattr(signal, 'aborted') or not callable(
            getattr(signal, 'addEventListener', None)):
        raise errors.ERR_INVALID_ARG_TYPE('signal', 'AbortSignal', signal)
    if not is_node_stream(stream):
        raise errors.ERR_INVALID_ARG_TYPE('stream', ['ReadableStream', 'WritableStream', 'Stream'],
                                          stream)

    def on_abort(*args):
        stream.destroy(errors.AbortError(cause=signal.reason))
    if signal.aborted:
        on_abort()
    else:
        signal.addEventListener('abort', on_abort)
        eos(stream, {}, lambda err=None: signal.removeEventListener('abort', on_abort))
    return stream
