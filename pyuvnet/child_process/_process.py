"""The forked child's side of the IPC channel behind ``pyuvnet.process``
(its face, with the contract): the ``Process`` emitter, and the one made
at import, which opens the channel ``NODE_CHANNEL_FD`` names."""
import os

from .._internal.aliases import twins
from ..events import EventEmitter
from ._ipc_channel import Channel


@twins(row='Process', bases=('EventEmitter',))
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


# This process's one Process: made at import, so that importing
# pyuvnet.process opens the channel, as Node's process has it at start.
the_process = Process()
