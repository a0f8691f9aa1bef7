"""What ``exec``/``execFile`` and the synchronous forms share: their
options, the shell command line, the output limits, and Node's error for a
command that failed.

Node's rules, pinned with Node 20:
- ``shell`` runs ``file args...`` joined by spaces under ``/bin/sh -c``
  (or the shell named); ``exec()`` always has a shell.
- ``timeout`` (ms, 0 = none) and ``maxBuffer`` (bytes or characters per
  stream, 1 MiB by default) kill the child with ``killSignal``.
- ``encoding`` 'buffer' gives ``bytes``, any of Node's encodings ``str``
  decoded with it; a name Node does not know gives ``bytes`` from
  ``exec()`` and ERR_UNKNOWN_ENCODING from the synchronous forms.
"""
import sys

from .. import errors
from .._internal import encodings as encodings
from .._internal import validate as validate
from .._internal.options import OptionSpec
from .._internal.fork_options import refuse_nul
from ._arguments import validate_kill_signal, validate_timeout
from ._child import SPAWN_OPTIONS

DEFAULT_MAX_BUFFER = 1024 * 1024

_OUTPUT_OPTIONS = {'maxBuffer': 'any', 'encoding': ('string', 'object')}
EXEC_FILE_OPTIONS = OptionSpec(dict(
    {key: rule for key, rule in SPAWN_OPTIONS.rules.items()
     if key not in ('stdio', 'detached', 'serialization')}, **_OUTPUT_OPTIONS))
"""The options of exec() and execFile()."""
SYNC_OPTIONS = OptionSpec(dict(SPAWN_OPTIONS.rules, input='any', **_OUTPUT_OPTIONS))
"""The options of spawnSync(), execSync() and execFileSync()."""


class CommandFailedError(Exception):
    """A command that ran and did not succeed: it exited with a status other
    than 0, or a signal (its own, the timeout's or maxBuffer's) ended it.

    ``str(err)`` is Node's message: ``Command failed: <cmd>`` and, when the
    command wrote to stderr, a newline and what it wrote.

    From ``exec()``/``execFile()``: ``code`` (the exit status, or None when
    a signal ended it), ``killed`` (pyuvnet sent the signal), ``signal``
    (its name, or None), ``cmd``, ``stdout``, ``stderr``.

    From ``execSync()``/``execFileSync()``: ``status``, ``signal``,
    ``output``, ``pid``, ``stdout``, ``stderr`` (spawnSync()'s result).
    """

    def __init__(self, cmd, stderr, /, sync=False, **fields):
        if isinstance(stderr, (bytes, bytearray)):
            stderr = bytes(stderr).decode('utf-8', 'replace')
        message = 'Command failed: ' + cmd
        if not sync:
            message += '\n' + (stderr or '')
        elif stderr:
            # execSync: the newline only when there is something after it.
            message += '\n' + stderr
        super().__init__(message)
        for key, value in fields.items():
            setattr(self, key, value)


class RunOptions:
    """One call's validated ``timeout`` (taken out of the options: the call
    keeps its own time), ``maxBuffer``, ``killSignal`` (left in them, for
    spawn()'s abort) and output ``encoding`` (None for bytes)."""

    __slots__ = ('timeout', 'max_buffer', 'kill_signal', 'encoding')

    def __init__(self, opts, sync):
        self.timeout = validate_timeout(opts.pop('timeout', None))
        max_buffer = opts.pop('maxBuffer', DEFAULT_MAX_BUFFER)
        if not validate.is_number(max_buffer) or max_buffer != max_buffer or max_buffer < 0:
            raise errors.ERR_OUT_OF_RANGE('options.maxBuffer', 'a positive number', max_buffer)
        self.max_buffer = max_buffer
        self.kill_signal = validate_kill_signal(opts.get('killSignal'))
        encoding = opts.pop('encoding', 'buffer' if sync else 'utf8')
        self.encoding = None
        if isinstance(encoding, str) and encoding != 'buffer':
            try:
                self.encoding = encodings.normalize(encoding)
            except errors.ERR_UNKNOWN_ENCODING:
                # exec() gives bytes for a name Node does not know; the
                # synchronous forms fail (Node: after the run, here before).
                if sync:
                    raise

    def decode(self, data):
        """The bytes a stream gave, as this call returns them."""
        if self.encoding is None:
            return data
        return encodings.decoder(self.encoding)(data, True)


def validate_command_text(value, name):
    """A str without NUL bytes (Node's validateString and its NUL check)."""
    validate.validate_string(value, name)
    refuse_nul(value, name)
    return value


def split_file_args(args, options, callback=None):
    """Node's execFile(file[, args][, options][, callback]) argument forms:
    ``args`` may be left out for the options or the callback."""
    if callable(args) and options is None and callback is None:
        return None, None, args
    if callable(options) and callback is None:
        options, callback = None, options
    if args is not None and not isinstance(args, (list, tuple)):
        if isinstance(args, dict) and options is None:
            return None, args, callback
        raise errors.ERR_INVALID_ARG_TYPE('args', 'object', args)
    return args, options, callback


def write_to_stderr(data):
    """What execSync()/execFileSync() captured of an inherited stderr, passed
    on to this process's stderr as Node does."""
    stream = sys.stderr
    if stream is None or not data:
        return
    binary = getattr(stream, 'buffer', None)
    if binary is not None:
        stream.flush()
        binary.write(data if isinstance(data, bytes) else data.encode())
        binary.flush()
    else:
        stream.write(data if isinstance(data, str) else data.decode('utf-8', 'replace'))
        stream.flush()
