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
from .child_process._process import Process, the_process


def __getattr__(name):
    if name in ('send', 'disconnect') and the_process._ipc is None:
        raise AttributeError(name)
    return getattr(the_process, name)
