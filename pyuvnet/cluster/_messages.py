"""cluster's internal messages (Node's lib/internal/cluster/utils.js): the
``{"cmd":"NODE_CLUSTER",...,"seq":n}`` messages the primary and its workers
exchange over the IPC channel, and the answers (``"ack": n``) routed to the
callback the sender gave."""
import itertools
import os
from collections.abc import Callable

_seqs = itertools.count()
_callbacks: dict[int, Callable[..., object]] = {}     # seq -> callback(reply, fd)


def send(proc, message, handle=None, callback=None):
    """Send an internal message; ``callback(reply, fd)`` gets the answer."""
    if not proc.connected:
        return False
    seq = next(_seqs)
    message = dict(message, cmd='NODE_CLUSTER', seq=seq)
    if callback is not None:
        _callbacks[seq] = callback
    options = {'keepOpen': True} if handle is not None else None
    return proc.send(message, handle, options)


def is_seq(value):
    """A sequence number as cluster's messages carry it (an int, never a
    bool); anything else in ``seq`` or ``ack`` is a malformed message's."""
    return isinstance(value, int) and not isinstance(value, bool)


def on_internal(handler, worker, takes_fds=True):
    """The channel's 'internalMessage' listener: an answer goes to the
    callback its ``ack`` names, any other NODE_CLUSTER message to
    ``handler(worker, message, fd)``.  A received fd the listener cannot
    use (not cluster's, or ``takes_fds`` False: the primary takes none)
    is closed at once."""
    def on_message(message, fd=None):
        ours = message.get('cmd') == 'NODE_CLUSTER'
        if fd is not None and not (ours and takes_fds):
            os.close(fd)
            fd = None
        if not ours:
            return
        ack = message.get('ack')
        callback = _callbacks.pop(ack, None) if is_seq(ack) else None
        if callback is not None:
            callback(message, fd)
        else:
            handler(worker, message, fd)
    return on_message
