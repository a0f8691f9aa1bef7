"""``exec()`` and ``execFile()`` as asyncio awaitables: Node's
``util.promisify(child_process.exec)``.

    from pyuvnet import aio
    from pyuvnet.child_process import promises

    async def main():
        async with aio.attach():
            result = await promises.exec('git rev-parse HEAD')
            print(result.stdout)

Both need the asyncio bridge (``aio.attach()`` or ``aio.install()``) on the
running loop, as ``pyuvnet.promises`` does. The child starts at the call
(bad arguments raise there); the future (its ``child`` is the
ChildProcess, as Node's ``promise.child``) resolves with a read-only record
``{'stdout': ..., 'stderr': ...}``, or is rejected with the error the
callback form would give (it carries ``stdout`` and ``stderr``).
Cancelling the future kills the child (``killSignal``).
"""
import asyncio

from .._internal import aio_bridge as aio
from .._internal.records import Record
from . import _buffered as buffered

__all__ = ['exec', 'execFile', 'ChildProcessFuture']


class ChildProcessFuture(asyncio.Future):
    """The future exec() and execFile() return; ``child`` is the
    ChildProcess it waits for (Node's ``promise.child``)."""

    #: The ChildProcess the future waits for (Node's ``promise.child``).
    child = None


def exec(command, options=None, **kwargs):
    """``await exec(command[, options])``: see ``child_process.exec()``."""
    future = ChildProcessFuture(loop=aio._bridge().loop)
    _settle_by_callback(future, buffered.start_exec(command, options, _settler(future), kwargs))
    return future


def execFile(file, args=None, options=None, **kwargs):
    """``await execFile(file[, args][, options])``: see ``child_process.execFile()``."""
    future = ChildProcessFuture(loop=aio._bridge().loop)
    _settle_by_callback(future, buffered.start_exec_file(file, args, options, _settler(future), kwargs))
    return future


def _settler(future):
    def callback(err, stdout, stderr):
        if future.done():
            return
        if err is not None:
            future.set_exception(err)
        else:
            future.set_result(Record(stdout=stdout, stderr=stderr))
    return callback


def _settle_by_callback(future, gathering):
    future.child = gathering.child

    def settled(future):
        if future.cancelled() and not gathering.done:
            gathering.kill()
    future.add_done_callback(settled)
