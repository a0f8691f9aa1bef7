"""Node's ``exec()`` and ``execFile()``: a child on this loop whose output is
gathered and handed to one callback, ``callback(error, stdout, stderr)``.

The callback comes once, after the child's 'close' (its pipes drained),
or at once on the child's 'error' (it could not start, or a kill failed).
``error`` is None when the command exited with status 0; otherwise a
:class:`~pyuvnet.child_process.CommandFailedError` (exit status, signal,
timeout), ``ERR_CHILD_PROCESS_STDIO_MAXBUFFER`` (an output over
``maxBuffer``: the child is killed, the output kept up to the limit), an
``AbortError`` (``options.signal`` aborted: the child is killed), or
the spawn error (``ENOENT``...). Every error carries ``cmd``, ``stdout``
and ``stderr``.
"""
from functools import partial

from .. import _uv, errors
from .._internal import encodings as encodings
from .._internal.options import normalize_options
from .._internal.fork_options import validate_args
from ._child import spawn
from ._command import (
    EXEC_FILE_OPTIONS, CommandFailedError, RunOptions, split_file_args, validate_command_text,
)

__all__ = ['exec', 'execFile']


def exec(command, options=None, callback=None, **kwargs):
    """Run ``command`` under a shell (``/bin/sh -c``, or ``options.shell``)
    and call ``callback(error, stdout, stderr)`` when it has finished.

    Options: ``cwd``, ``env``, ``encoding`` ('utf8'; 'buffer' for bytes),
    ``shell``, ``timeout`` (ms; 0 = none), ``maxBuffer`` (1 MiB),
    ``killSignal`` ('SIGTERM'), ``signal`` (an AbortSignal: aborting it kills
    the child and fails the call with an AbortError), ``windowsHide`` (no
    effect here).
    Returns the ChildProcess (its ``stdin`` is a pipe)."""
    return start_exec(command, options, callback, kwargs).child


def execFile(file, args=None, options=None, callback=None, **kwargs):
    """Run ``file`` with ``args`` (no shell unless ``options.shell``) and
    call ``callback(error, stdout, stderr)`` when it has finished.

    ``args`` or ``options`` may be left out. The options are exec()'s,
    with ``shell`` False by default. Returns the ChildProcess."""
    return start_exec_file(file, args, options, callback, kwargs).child


def start_exec(command, options, callback, kwargs):
    """exec()'s work: the started child's Gathering."""
    validate_command_text(command, 'command')
    if callable(options) and callback is None:
        options, callback = None, options
    opts = normalize_options(options, kwargs, EXEC_FILE_OPTIONS)
    if not isinstance(opts.get('shell'), str):
        opts['shell'] = True
    return _start(command, [], opts, callback, command)


def start_exec_file(file, args, options, callback, kwargs):
    """execFile()'s work: the started child's Gathering."""
    validate_command_text(file, 'file')
    args, options, callback = split_file_args(args, options, callback)
    args = validate_args(args)
    opts = normalize_options(options, kwargs, EXEC_FILE_OPTIONS)
    return _start(file, args, opts, callback, ' '.join([file] + args))


def _start(file, args, opts, callback, cmd):
    if callback is not None and not callable(callback):
        raise errors.ERR_INVALID_ARG_TYPE('callback', 'Function', callback)
    run = RunOptions(opts, sync=False)
    # shell, killSignal and signal are spawn()'s: an abort kills the child
    # and its 'error' (an AbortError) fails the call, as in Node.
    return Gathering(spawn(file, args, opts), run, cmd, callback)


class Gathering:
    """One exec()'s child, its output, its timeout and maxBuffer, and its
    callback; ``kill()`` ends it as the timeout does."""

    def __init__(self, child, run, cmd, callback):
        self.child = child
        self.run = run
        self.cmd = cmd
        self.callback = callback
        self.output = {1: _Output(run.encoding), 2: _Output(run.encoding)}
        self.error = None
        self.killed = False
        self.done = False
        self.timer = _uv.setTimeout(self.kill, run.timeout) if run.timeout > 0 else None
        for index, stream in ((1, child.stdout), (2, child.stderr)):
            if stream is not None:
                stream.on('data', partial(self._on_data, index))
        child.on('close', self._finish)
        child.on('error', self._on_error)

    def _on_data(self, index, chunk):
        # Node counts bytes and, past the limit, keeps the chunk's head:
        # bytes without an encoding, characters of the decoded text with one.
        gathered = self.output[index]
        gathered.length += len(chunk)
        piece = chunk if gathered.decode is None else gathered.decode(chunk)
        if gathered.length <= self.run.max_buffer:
            gathered.pieces.append(piece)
            return
        room = self.run.max_buffer - (gathered.length - len(chunk))
        gathered.pieces.append(piece[:max(int(room), 0)])
        if self.error is None:
            self.error = errors.ERR_CHILD_PROCESS_STDIO_MAXBUFFER('stdout' if index == 1 else 'stderr')
        self.kill()

    def kill(self):
        self._close_output()
        self.killed = True
        try:
            self.child.kill(self.run.kill_signal)
        except Exception as err:            # as Node: a failed kill ends the call
            self.error = err
            self._finish()

    def _on_error(self, err):
        self.error = err
        self._close_output()
        self._finish()

    def _close_output(self):
        for stream in (self.child.stdout, self.child.stderr):
            if stream is not None:
                stream.destroy()

    def _finish(self, code=None, signal=None):
        if self.done:
            return
        self.done = True
        if self.timer is not None:
            self.timer.close()
        if self.callback is None:
            return
        stdout = self.output[1].joined()
        stderr = self.output[2].joined()
        err = self.error
        if err is None and (code != 0 or signal is not None):
            err = CommandFailedError(self.cmd, stderr, code=code, signal=signal,
                                     killed=self.child.killed or self.killed)
        if err is not None:
            err.cmd = self.cmd
            err.stdout = stdout
            err.stderr = stderr
        self.callback(err, stdout, stderr)


class _Output:
    """One stream's output: its pieces (bytes, or text decoded chunk by
    chunk so that a character split across reads stays whole) and the
    bytes counted against maxBuffer."""

    __slots__ = ('pieces', 'length', 'decode')

    def __init__(self, encoding):
        self.pieces = []
        self.length = 0
        self.decode = None if encoding is None else encodings.decoder(encoding)

    def joined(self):
        if self.decode is None:
            return b''.join(self.pieces)
        return ''.join(self.pieces) + self.decode(b'', True)
