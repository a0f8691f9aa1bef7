"""cluster's internal messages (Node's lib/internal/cluster/utils.js): the
``{"cmd":"NODE_CLUSTER",...,"seq":n}`` messages the primary and its workers
exchange over the IPC channel, and the answers (``"ack": n``) routed to the
callback the sender gave."""
from collections.abc import Callable

_seq = 0
_callbacks: dict[int, Callable[..., object]] = {}     # seq -> callback(reply, fd)


def send(proc, message, handle=None, callback=None):
    """Send an internal message; ``callback(reply, fd)`` gets the answer."""
    global _seq
    if not proc.connected:
        return False
    message = dict(message, cmd='NODE_CLUSTER', seq=_seq)
    if callback is not None:
        _callbacks[_seq] = callback
    _seq += 1
    options = {'keepOpen': True} if handle is not None else None
    return proc.send(message, handle, options)


def on_internal(handler, worker):
    def on_message(message, fd=None):
        if message.get('cmd') != 'NODE_CLUSTER':
            return
        callback = _callbacks.pop(message['ack'], None) if 'ack' in message else None
        if callback is not None:
            callback(message, fd)
        else:
            handler(worker, message, fd)
    return on_message
