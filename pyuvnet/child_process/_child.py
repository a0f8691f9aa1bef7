"""``ChildProcess``, ``spawn()`` and ``fork()``: a child on this thread's
loop, over ``uv_spawn``, with its stdio pipes and IPC channel.  The rest of
Node's ``child_process`` (``exec``, the synchronous forms) is built on
these; ``pyuvnet.child_process`` is the public module."""
import os
import socket as socket_module
import sys
from collections.abc import Mapping

from .. import _uv, errors
from .._internal import validate as validate
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from ..events import EventEmitter
from .. import Socket
from .._internal.fork_options import refuse_nul, validate_args, validate_serialization
from ._ipc_channel import Channel
from ._arguments import (
    env_pairs, normalize_stdio, os_bytes, shell_command, signal_name, signal_number, stream_fd,
    validate_kill_signal, validate_timeout,
)

__all__ = ['fork', 'spawn', 'ChildProcess']

# What bounds a child's run: its killSignal on a timeout or an abort.
RUN_LIMIT_OPTIONS = {'timeout': 'any', 'killSignal': 'any', 'signal': 'any'}
SPAWN_OPTIONS = OptionSpec(dict({
    'cwd': 'string', 'env': 'object', 'stdio': 'any', 'detached': 'boolean',
    'serialization': 'any', 'argv0': 'string', 'shell': ('string', 'boolean'),
    'windowsHide': 'boolean', 'windowsVerbatimArguments': 'boolean',
}, **RUN_LIMIT_OPTIONS))
FORK_OPTIONS = OptionSpec(dict({
    'cwd': 'string', 'env': 'object', 'stdio': 'any', 'detached': 'boolean',
    'serialization': 'any', 'silent': 'boolean', 'execPath': 'string',
    'execArgv': 'object',
}, **RUN_LIMIT_OPTIONS))

_UV_ESRCH = errors.uv_code('ESRCH')
_CHANNEL_VARIABLES = (b'NODE_CHANNEL_FD=', b'NODE_CHANNEL_SERIALIZATION_MODE=')
_UV_ENOENT_LIKE = ('EACCES', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOENT')


def fork(modulePath, args=None, options=None, **kwargs):
    """Run ``modulePath`` under ``execPath`` (default: this Python) with
    ``execArgv`` before it and ``args`` after it, with an IPC channel.
    ``silent`` pipes the child's stdio to ``child.stdout``/``stderr``
    instead of inheriting it; an explicit ``stdio`` list must contain
    'ipc' (a ``stdio`` that is neither a string nor a list is ignored, as
    in Node).  A NUL byte in any string raises ERR_INVALID_ARG_VALUE."""
    validate.validate_string(modulePath, 'modulePath')
    refuse_nul(modulePath, 'modulePath', 'a string, Uint8Array, or URL')
    if isinstance(args, Mapping) and options is None:
        args, options = None, args
    args = validate_args(args)
    opts = normalize_options(options, kwargs, FORK_OPTIONS)
    stdio = opts.pop('stdio', None)
    silent = opts.pop('silent', False)
    if isinstance(stdio, str):
        stdio = [stdio] * 3 + ['ipc']
    elif not isinstance(stdio, (list, tuple)):
        stdio = ['pipe' if silent else 'inherit'] * 3 + ['ipc']
    elif 'ipc' not in stdio:
        raise errors.ERR_CHILD_PROCESS_IPC_REQUIRED('options.stdio')
    exec_path = opts.pop('execPath', None) or sys.executable
    refuse_nul(exec_path, 'options.execPath')
    exec_argv = validate_args(opts.pop('execArgv', None), 'options.execArgv')
    opts['stdio'] = stdio
    return spawn(exec_path, exec_argv + [modulePath] + args, opts)


def spawn(command, args=None, options=None, **kwargs):
    """Start ``command`` with ``args``; ``stdio`` entries are 'pipe',
    'inherit', 'ignore', an fd, or 'ipc' (at most one) for a channel.
    Returns a ChildProcess; a command that cannot start gives 'error' then
    'close' (Node's way), never an exception, for a missing file.  Bad
    arguments raise Node's error (a NUL byte in the file, an argument, an
    env key or value, cwd or argv0: ERR_INVALID_ARG_VALUE) before any fd
    is opened; a call that raises keeps no fd."""
    validate.validate_string(command, 'file')
    refuse_nul(command, 'file')
    if isinstance(args, Mapping) and options is None:
        args, options = None, args
    args = validate_args(args)
    opts = normalize_options(options, kwargs, SPAWN_OPTIONS)
    opts.pop('windowsHide', None)                # no console windows here
    opts.pop('windowsVerbatimArguments', None)
    command, args = shell_command(command, args, opts.pop('shell', False))
    child = ChildProcess()
    child._spawn(command, args, opts)
    return child


@twins('exitCode', 'signalCode', bases=('EventEmitter',))
class ChildProcess(EventEmitter):
    """A child process (Node's ``ChildProcess``); made by spawn() and fork()."""

    pid = None
    exitCode = None
    signalCode = None
    killed = False
    stdin = stdout = stderr = None
    _ipc = None

    def __init__(self):
        """Not started: spawn() and fork() make and start ChildProcesses."""
        self._process = None
        self.stdio = []
        self.spawnfile = None
        self.spawnargs = []
        self._closes_needed = 1           # the exit
        self._closes_got = 0

    @property
    def connected(self):
        """True while the IPC channel is open (False without one, and once
        'disconnect' was emitted)."""
        return self._ipc is not None and self._ipc.connected

    @property
    def channel(self):
        """The open IPC channel (``ref()``, ``unref()``), None once closed."""
        return self._ipc if self._ipc is not None and self._ipc.open else None

    # -- starting ------------------------------------------------------------

    def _spawn(self, command, args, opts):
        timeout = validate_timeout(opts.get('timeout'))
        kill_signal = validate_kill_signal(opts.get('killSignal'))
        abort_signal = validate.validate_abort_signal(opts.get('signal'), 'options.signal')
        serialization = validate_serialization(opts.get('serialization'), 'options.serialization')
        argv0 = opts.get('argv0', command)
        refuse_nul(argv0, 'options.argv0')
        cwd = opts.get('cwd')
        if cwd is not None:
            refuse_nul(cwd, 'options.cwd', 'a string, Uint8Array, or URL')
            cwd = os_bytes(cwd)
        env = opts.get('env')
        environment = env_pairs(os.environ if env is None else env)
        stdio = normalize_stdio(opts.get('stdio', 'pipe'))
        if stdio.count('ipc') > 1:
            raise errors.ERR_IPC_ONE_PIPE()
        if 'ipc' in stdio:
            environment = [pair for pair in environment if not pair.startswith(_CHANNEL_VARIABLES)]
            environment += [b'NODE_CHANNEL_FD=%d' % stdio.index('ipc'),
                            b'NODE_CHANNEL_SERIALIZATION_MODE=' + serialization.encode()]
        self.spawnfile = command
        self.spawnargs = [argv0] + args
        argv = [os_bytes(arg) for arg in self.spawnargs]
        # From here on fds are open: whatever happens, the child's ends
        # close after the spawn, and the parent's ends too when it failed.
        child_fds, parent_ends = [], {}
        status = None
        try:
            self._make_stdio(stdio, child_fds, parent_ends)
            self._process = _uv.Process(self._on_exit)
            status = self._process.spawn(os_bytes(command), argv, environment, cwd, child_fds,
                                         opts.get('detached', False))
        finally:
            for index in parent_ends:
                os.close(child_fds[index])
            if status is None or status < 0:
                for end in parent_ends.values():
                    os.close(end)
        if status < 0:
            self._spawn_failed(status, command)
            return
        self.pid = self._process.pid
        self._open_stdio(stdio, parent_ends, serialization)
        _uv.nextTick(self.emit, 'spawn')
        if timeout:
            self._limit_run(kill_signal, timeout=timeout)
        if abort_signal is not None:
            self._limit_run(kill_signal, abort_signal=abort_signal)

    def _limit_run(self, kill_signal, timeout=None, abort_signal=None):
        """Node's timeout and signal options: kill the child with
        ``kill_signal`` once ``timeout`` ms passed, or when ``abort_signal``
        aborts (then 'error' is an AbortError); either stops at 'exit'."""
        def stop(*_):
            try:
                delivered = self.kill(kill_signal)
            except Exception as err:            # as Node: a failed kill is 'error'
                self.emit('error', err)
                return
            if delivered and abort_signal is not None:
                self.emit('error', errors.AbortError(cause=abort_signal.reason))
        if timeout is not None:
            timer = _uv.setTimeout(stop, timeout)
            self.once('exit', lambda *_: timer.close())
        elif abort_signal.aborted:
            _uv.nextTick(stop)
        else:
            abort_signal.addEventListener('abort', stop)
            self.once('exit', lambda *_: abort_signal.removeEventListener('abort', stop))

    @staticmethod
    def _make_stdio(stdio, child_fds, parent_ends):
        """Fill ``child_fds`` (the child's fd i) and ``parent_ends`` (index
        -> this process's end of a 'pipe' or 'ipc' socketpair) as the fds
        open, so that the caller closes every one if this raises."""
        for index, kind in enumerate(stdio):
            if kind in ('pipe', 'ipc'):
                parent, child = socket_module.socketpair()
                parent_ends[index] = parent.detach()
                child_fds.append(child.detach())
            elif kind == 'inherit':
                child_fds.append(index)
            elif kind == 'ignore':
                child_fds.append(-1)
            elif isinstance(kind, int):
                child_fds.append(kind)
            else:
                child_fds.append(stream_fd(kind))

    def _open_stdio(self, stdio, parent_ends, serialization):
        for index, kind in enumerate(stdio):
            stream = None
            if kind == 'pipe':
                stream = Socket({'fd': parent_ends[index], 'readable': index > 0,
                                'writable': index == 0})
                if index > 0:
                    self._closes_needed += 1
                    stream.on('close', self._maybe_close)
            elif kind == 'ipc':
                self._closes_needed += 1
                self._ipc = Channel(self, parent_ends[index], serialization,
                                    on_closed=self._maybe_close)
            elif isinstance(kind, _uv.Stream):
                # As Node 20: the child reads the stream's fd now, so this
                # process stops reading it and leaves it paused (its
                # readableFlowing False: a later 'data' listener does not
                # resume it); the child's stdio entry is None.
                kind._stop_reading()
                kind.pause()
            self.stdio.append(stream)
        self.stdin, self.stdout, self.stderr = (self.stdio + [None] * 3)[:3]

    def _spawn_failed(self, status, command):
        # Node's message: 'spawn nonexistent ENOENT', with path and spawnargs.
        err = errors.errno_exception(status, 'spawn ' + command)
        err.path = command
        err.spawnargs = self.spawnargs[1:]
        if err.code not in _UV_ENOENT_LIKE:
            raise err
        # As Node: 'error', then 'close' with the error number as the code.
        self.exitCode = status
        _uv.nextTick(self.emit, 'error', err)
        _uv.nextTick(self._maybe_close)

    # -- ending --------------------------------------------------------------

    def _on_exit(self, exit_status, term_signal):
        self._process = None
        if term_signal:
            self.signalCode = signal_name(term_signal)
        else:
            self.exitCode = exit_status
        if self.stdin is not None:
            self.stdin.destroy()
        self.emit('exit', self.exitCode, self.signalCode)
        _uv.nextTick(self._flush_stdio)
        self._maybe_close()

    def _flush_stdio(self):
        # As Node: output nobody read is pulled through after 'exit' (one
        # last chance to read it is over), so that the pipes end and
        # 'close' can come.
        for stream in self.stdio[1:]:
            if stream is not None and stream.readableFlowing is None:
                stream.resume()

    def _maybe_close(self, *_):
        self._closes_got += 1
        if self._closes_got == self._closes_needed:
            self.emit('close', self.exitCode, self.signalCode)

    # -- control ---------------------------------------------------------------

    def kill(self, signal=None):
        """Send ``signal`` (a name or number; 'SIGTERM' by default); True
        if it was delivered, False once the process has exited."""
        number = signal_number('SIGTERM' if signal is None else signal)
        if self._process is None:
            return False
        status = self._process.kill(number)
        if status == 0:
            self.killed = True
            return True
        if status != _UV_ESRCH:
            err = errors.errno_exception(status, 'kill')
            if err.code in ('EINVAL', 'ENOSYS'):
                raise err
            self.emit('error', err)
        return False

    def send(self, message, sendHandle=None, options=None, callback=None):
        """Send ``message`` (and a Server or Socket) to the child; True
        while the child keeps up.  See pyuvnet.child_process._ipc_channel.Channel.send."""
        if self._ipc is None:
            raise errors.ERR_IPC_CHANNEL_CLOSED()
        return self._ipc.send(message, sendHandle, options, callback)

    def disconnect(self):
        """Close the channel once queued messages have left; 'disconnect'
        follows (ERR_IPC_DISCONNECTED as 'error' when it is closed already)."""
        if self._ipc is None:
            self.emit('error', errors.ERR_IPC_DISCONNECTED())
            return
        self._ipc.disconnect()

    def ref(self):
        """Let the running child keep ``run()`` going (the default)."""
        if self._process is not None:
            self._process.ref()

    def unref(self):
        """Let ``run()`` return while the child runs (the channel, if any,
        still counts until ``channel.unref()``, as in Node)."""
        if self._process is not None:
            self._process.unref()

    def __repr__(self):
        return '<pyuvnet.ChildProcess pid=%s>' % (self.pid,)


