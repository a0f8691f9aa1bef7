"""The forked child's side of the IPC channel: Node's ``process`` object.

    from pyuvnet import process

    process.on('message', lambda message, handle: process.send({'got': message}))
    pyuvnet.run()

When this process was started with an IPC channel (``NODE_CHANNEL_FD`` in
its environment, as ``child_process.fork()`` of pyuvnet or of Node sets it),
importing this module opens the channel.  As in Node:

- ``send(message[, sendHandle[, options]][, callback])``, ``disconnect()``,
  ``connected``, ``channel`` (with ``ref()``/``unref()``), and the events
  ``'message'(message, sendHandle)``, ``'disconnect'`` and ``'error'``.
- The channel keeps ``run()`` going only while there are ``'message'`` or
  ``'disconnect'`` listeners (or a write is under way), unless
  ``channel.ref()``/``channel.unref()`` said otherwise.
- When the parent goes away, ``'disconnect'`` is emitted.
- ``NODE_CHANNEL_FD`` and ``NODE_CHANNEL_SERIALIZATION_MODE`` are removed
  from ``os.environ``, so grandchildren do not take the channel for theirs.
- Without a channel, ``send`` and ``disconnect`` do not exist
  (``hasattr(process, 'send')`` is Node's ``if (process.send)``),
  ``connected`` is False and ``channel`` is None.

Every other attribute of the module is the process emitter's (``on``,
``once``, ``off``, ``emit``, ... and their snake_case twins).
"""
import os

from ._names import ALIASES, add_aliases
from .events import EventEmitter
from .child_process._ipc_channel import Channel


class Process(EventEmitter):
    """The child's end of the channel; the module forwards to one of these."""

    def __init__(self, environ=None):
        """Open the channel named by ``NODE_CHANNEL_FD`` in ``environ``
        (None: ``os.environ``), and remove the channel's variables from it,
        if there is one."""
        # None, not os.environ, as the default: a signature's default is
        # printed by the API reference, and the environment must not be.
        if environ is None:
            environ = os.environ
        self._ipc = None
        fd = environ.pop('NODE_CHANNEL_FD', None)
        serialization = environ.pop('NODE_CHANNEL_SERIALIZATION_MODE', None) or 'json'
        if fd is not None:
            self._ipc = Channel(self, int(fd), serialization, counted=True)

    @property
    def channel(self):
        """The open channel (``ref()``, ``unref()``), None once closed."""
        return self._ipc if self._ipc is not None and self._ipc.open else None

    @property
    def connected(self):
        """True while the channel is open (False once 'disconnect' was
        emitted, or without a channel)."""
        return self._ipc is not None and self._ipc.connected

    def send(self, message, sendHandle=None, options=None, callback=None):
        """Send ``message`` to the parent (see child_process._ipc_channel.Channel.send)."""
        return self._ipc.send(message, sendHandle, options, callback)

    def disconnect(self):
        """Close the channel; 'disconnect' follows."""
        self._ipc.disconnect()


add_aliases(Process, ALIASES['EventEmitter'])
add_aliases(Process, ALIASES['Process'])
_process = Process()


def __getattr__(name):
    if name in ('send', 'disconnect') and _process._ipc is None:
        raise AttributeError(name)
    return getattr(_process, name)
