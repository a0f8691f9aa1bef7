"""Node's ``spawnSync()``, ``execSync()`` and ``execFileSync()``: run a
child to its end and return what it wrote.

As in Node, the child runs on a loop of its own, so nothing of the calling
thread's loop (its timers, sockets, callbacks) runs while the call waits.
That loop is the one of a thread made for the call (pyuvnet has one loop
per thread); the calling thread waits for it, and Ctrl-C still reaches the
calling thread. Every error the call meets is raised in the calling
thread: a bad argument at once, before anything starts.

``spawnSync()`` never raises for the child's fate: its result (a read-only
``Record``, Node's plain object) has ``pid``, ``output`` (one entry per
stdio slot: what a pipe gave, None for the others), ``stdout``,
``stderr``, ``status`` (the exit status, None after a signal), ``signal``
(its name, or None) and, when the run failed, ``error``: the spawn error
(``ENOENT``...), ``ETIMEDOUT`` after ``timeout``, or ``ENOBUFS`` past
``maxBuffer`` (the child killed with ``killSignal`` in both). The
``exec*Sync`` forms raise that error, or a ``CommandFailedError`` for a
status other than 0, with the result's fields; they return stdout.
"""
import errno as errno_module
import threading

from .. import _uv, errors
from .._internal import encodings as encodings
from .._internal.options import normalize_options
from .._internal.records import Record
from .._internal.fork_options import validate_args
from ._arguments import normalize_stdio, shell_command, stream_fd
from ._child import spawn
from ._command import (
    SYNC_OPTIONS, CommandFailedError, RunOptions, split_file_args, validate_command_text,
    write_to_stderr,
)

__all__ = ['spawnSync', 'execSync', 'execFileSync']


def spawnSync(file, args=None, options=None, **kwargs):
    """Run ``file`` with ``args`` and wait for it to end; returns the result
    record described in this module's documentation.

    Options: ``cwd``, ``env``, ``argv0``, ``stdio`` ('pipe'), ``input`` (str,
    bytes-like: written to the child's stdin, which becomes a pipe),
    ``shell``, ``timeout`` (ms), ``maxBuffer`` (1 MiB), ``killSignal``
    ('SIGTERM'), ``encoding`` ('buffer': bytes), ``windowsHide``."""
    validate_command_text(file, 'file')
    args, options, _ = split_file_args(args, options)
    args = validate_args(args)
    return _spawn_sync(file, args, normalize_options(options, kwargs, SYNC_OPTIONS))


def execSync(command, options=None, **kwargs):
    """Run ``command`` under a shell and wait for it; returns its stdout
    (bytes unless ``encoding``). Raises when it did not exit with status 0.
    Without a ``stdio`` option, what it wrote to stderr is also written to
    this process's stderr, as Node does."""
    validate_command_text(command, 'command')
    opts = normalize_options(options, kwargs, SYNC_OPTIONS)
    if not isinstance(opts.get('shell'), str):
        opts['shell'] = True
    return _checked(command, [], opts, command)


def execFileSync(file, args=None, options=None, **kwargs):
    """Run ``file`` with ``args`` (no shell unless ``options.shell``) and wait
    for it; returns its stdout. Raises as execSync() does."""
    validate_command_text(file, 'file')
    args, options, _ = split_file_args(args, options)
    args = validate_args(args)
    opts = normalize_options(options, kwargs, SYNC_OPTIONS)
    return _checked(file, args, opts, ' '.join([file] + args))


def _checked(file, args, opts, cmd):
    inherit_stderr = 'stdio' not in opts
    result = _spawn_sync(file, args, opts)
    if inherit_stderr:
        write_to_stderr(result['stderr'])
    fields = {key: result[key] for key in ('status', 'signal', 'output', 'pid', 'stdout', 'stderr')}
    if 'error' in result:
        err = result['error']
        err.error = err
        for key, value in fields.items():
            setattr(err, key, value)
        raise err
    if result['status'] != 0:
        raise CommandFailedError(cmd, result['stderr'], sync=True, **fields)
    return result['stdout']


def _spawn_sync(file, args, opts):
    # An AbortSignal is accepted and has no effect, as in Node: nothing on
    # this thread can abort while the call waits.
    opts.pop('signal', None)
    run = RunOptions(opts, sync=True)
    stdin = _input_bytes(opts.pop('input', None), run.encoding)
    # A stream's fd is handed over as it is: its own loop, blocked here,
    # reads nothing meanwhile (Node 20 aborts on a stream in spawnSync).
    stdio = [entry if isinstance(entry, (int, str)) else stream_fd(entry)
             for entry in normalize_stdio(opts.get('stdio'))]
    if 'ipc' in stdio:
        raise errors.ERR_IPC_SYNC_FORK()
    if stdin is not None:
        stdio[0] = 'pipe'
    opts['stdio'] = stdio
    spawn_file, spawn_args = shell_command(file, args, opts.pop('shell', False))
    waiting = _SyncRun(run, stdin, 'spawnSync ' + spawn_file, spawn_file, spawn_args)
    thread = threading.Thread(target=waiting.run_on_own_loop, args=(opts,),
                              name='pyuvnet spawnSync')
    thread.start()
    thread.join()
    if waiting.raised is not None:
        raise waiting.raised
    return waiting.result()


def _input_bytes(value, encoding):
    if value is None:
        return None
    if isinstance(value, str):
        return encodings.encode(value, encoding)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise errors.ERR_INVALID_ARG_TYPE('options.stdio[0]', ['string', 'Buffer', 'TypedArray', 'DataView'],
                                      value)


class _SyncRun:
    """One synchronous run, on the loop of the thread that runs it."""

    def __init__(self, run, stdin, syscall, file, args):
        self.run = run
        self.stdin = stdin
        self.syscall = syscall
        self.file = file
        self.args = args
        self.raised = None
        self.error = None
        self.child = None
        self.output = {}
        self.status = self.signal = None
        self.timer = None

    def run_on_own_loop(self, opts):
        try:
            self._start(opts)
            _uv.run()
        except BaseException as err:        # raised again in the calling thread
            self.raised = err

    def _start(self, opts):
        child = self.child = spawn(self.file, self.args, opts)
        child.on('error', self._on_spawn_error)
        child.on('close', self._on_close)
        for index, stream in enumerate(child.stdio):
            if index > 0 and stream is not None:
                kept = self.output[index] = bytearray()
                stream.on('data', lambda chunk, kept=kept: self._on_data(kept, chunk))
        if self.stdin is not None and child.stdin is not None:
            child.stdin.on('error', _ignore)    # a child that reads none of it
            child.stdin.end(self.stdin)
        if self.run.timeout > 0:
            self.timer = _uv.setTimeout(self._kill, self.run.timeout, errno_module.ETIMEDOUT)

    def _on_data(self, kept, chunk):
        kept += chunk
        if len(kept) > self.run.max_buffer and self.error is None:
            self._kill(errno_module.ENOBUFS)

    def _kill(self, number):
        self.error = self._system_error(-number)
        for stream in self.child.stdio:
            if stream is not None:
                stream.destroy()
        self.child.kill(self.run.kill_signal)

    def _on_spawn_error(self, err):
        self.error = self._system_error(err.uv_code)

    def _system_error(self, uv_code):
        err = errors.errno_exception(uv_code, self.syscall)
        err.path = self.file
        err.spawnargs = self.args
        return err

    def _on_close(self, code, signal):
        if self.timer is not None:
            self.timer.close()
        if self.child.pid is not None:
            self.status, self.signal = code, signal

    def result(self):
        started = self.child.pid is not None
        fields = {} if self.error is None else {'error': self.error}
        output = None
        if started:
            output = [None] * len(self.child.stdio)
            for index, kept in self.output.items():
                output[index] = self.run.decode(bytes(kept))
        fields.update(
            status=self.status, signal=self.signal, output=output,
            pid=self.child.pid if started else 0,
            stdout=output[1] if output and len(output) > 1 else None,
            stderr=output[2] if output and len(output) > 2 else None)
        return Record(fields)


def _ignore(*_):
    pass
