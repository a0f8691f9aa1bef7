"""Node's ``child_process``: ``fork()``, ``spawn()`` and ``ChildProcess``;
``exec()`` and ``execFile()``; ``spawnSync()``, ``execSync()`` and
``execFileSync()``.

    from pyuvnet import child_process

    child = child_process.fork('worker.py')
    child.on('message', lambda message, handle: print('child says', message))
    child.send({'hello': 'world'})

Where each lives: ``arguments`` (Node's checks of every argument), ``child``
(ChildProcess, spawn, fork), ``buffered``
(exec, execFile), ``sync`` (the synchronous forms), ``command`` (what those
two share); ``pyuvnet.child_process.promises`` has the awaitable forms.

``fork()`` runs a script under this Python (or ``execPath``, e.g. node)
with an IPC channel speaking Node's protocol (pyuvnet.child_process._ipc_channel); the
child uses ``pyuvnet.process``.  docs/PROCESSES.md is the guide.

ChildProcess events, in Node's order:
  'spawn'                       the process started (next tick after spawn())
  'error'(err)                  it could not start, a kill failed, or a send
                                to a closed channel had no callback
  'message'(message, handle)    a message from the child (handle: Server,
                                Socket or None)
  'disconnect'                  the channel closed (either side)
  'exit'(code, signal)          the process ended; one of them is None
  'close'(code, signal)         after 'exit', once its stdio pipes and the
                                channel have closed too
"""
from .._internal.aliases import module_twins
from ._buffered import exec, execFile
from ._arguments import signal_name, signal_number
from ._child import FORK_OPTIONS, SPAWN_OPTIONS, ChildProcess, fork, spawn
from ._command import CommandFailedError
from ._sync import execFileSync, execSync, spawnSync

__all__ = ['fork', 'spawn', 'ChildProcess', 'exec', 'execFile', 'spawnSync', 'execSync',
           'execFileSync', 'CommandFailedError']

module_twins(globals(), 'child_process', ('execFile', 'spawnSync', 'execSync',
                                          'execFileSync'), exported=True)
