"""``ChildProcess``, ``spawn()`` and ``fork()``: a child on this thread's
loop, over ``uv_spawn``, with its stdio pipes and IPC channel.  The rest of
Node's ``child_process`` (``exec``, the synchronous forms) is built on
these; ``pyuvnet.child_process`` is the public module."""
import os
import signal as signal_module
import socket as socket_module
import sys

from .. import _uv, errors, validate
from .._names import ALIASES, OptionSpec, add_aliases, normalize_options
from ..events import EventEmitter
from ..ipc_channel import Channel, SERIALIZATIONS

__all__ = ['fork', 'spawn', 'ChildProcess']

SPAWN_OPTIONS = OptionSpec({
    'cwd': 'string', 'env': 'object', 'stdio': 'any', 'detached': 'boolean',
    'serialization': 'string', 'argv0': 'string',
})
FORK_OPTIONS = OptionSpec({
    'cwd': 'string', 'env': 'object', 'stdio': 'any', 'detached': 'boolean',
    'serialization': 'string', 'silent': 'boolean', 'execPath': 'string',
    'execArgv': 'object',
})

_UV_ESRCH = -3
_UV_ENOENT_LIKE = ('EACCES', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOENT')


def fork(modulePath, args=None, options=None, **kwargs):
    """Run ``modulePath`` under ``execPath`` (default: this Python) with
    ``execArgv`` before it and ``args`` after it, with an IPC channel.
    ``silent`` pipes the child's stdio to ``child.stdout``/``stderr``
    instead of inheriting it; an explicit ``stdio`` must contain 'ipc'."""
    validate.validate_string(modulePath, 'modulePath')
    if isinstance(args, dict) and options is None:
        args, options = None, args
    args = _validate_args(args)
    opts = normalize_options(options, kwargs, FORK_OPTIONS)
    stdio = opts.pop('stdio', None)
    silent = opts.pop('silent', False)
    if stdio is None:
        stdio = ['pipe' if silent else 'inherit'] * 3 + ['ipc']
    elif isinstance(stdio, str):
        stdio = [stdio] * 3 + ['ipc']
    elif 'ipc' not in stdio:
        raise errors.ERR_CHILD_PROCESS_IPC_REQUIRED('options.stdio')
    exec_path = opts.pop('execPath', None) or sys.executable
    exec_argv = _validate_args(opts.pop('execArgv', None), 'options.execArgv')
    opts['stdio'] = stdio
    return spawn(exec_path, exec_argv + [modulePath] + args, opts)


def spawn(command, args=None, options=None, **kwargs):
    """Start ``command`` with ``args``; ``stdio`` entries are 'pipe',
    'inherit', 'ignore', an fd, or 'ipc' (at most one) for a channel.
    Returns a ChildProcess; a command that cannot start gives 'error' then
    'close' (Node's way), never an exception, for a missing file."""
    validate.validate_string(command, 'file')
    if isinstance(args, dict) and options is None:
        args, options = None, args
    args = _validate_args(args)
    opts = normalize_options(options, kwargs, SPAWN_OPTIONS)
    child = ChildProcess()
    child._spawn(command, args, opts)
    return child


def _validate_args(args, name='args'):
    if args is None:
        return []
    if not isinstance(args, (list, tuple)):
        raise errors.ERR_INVALID_ARG_TYPE(name, 'Array', args)
    for arg in args:
        validate.validate_string(arg, name)
        if '\0' in arg:
            raise errors.ERR_INVALID_ARG_VALUE(name, arg, 'must be a string without null bytes')
    return list(args)


def signal_number(sig):
    """Node's convertToValidSignal: a signal name or number, as a number."""
    if isinstance(sig, str):
        number = getattr(signal_module, sig, None) if sig.startswith('SIG') else None
        if isinstance(number, signal_module.Signals):
            return int(number)
    elif isinstance(sig, int) and not isinstance(sig, bool):
        if sig == 0 or sig in signal_module.valid_signals():
            return sig
    raise errors.ERR_UNKNOWN_SIGNAL(sig)


def signal_name(number):
    try:
        return signal_module.Signals(number).name
    except ValueError:
        return None


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
        serialization = opts.get('serialization', 'json')
        validate.validate_one_of(serialization, 'options.serialization', SERIALIZATIONS)
        env = opts.get('env')
        env = dict(os.environ if env is None else env)
        cwd = opts.get('cwd')
        stdio = _normalize_stdio(opts.get('stdio', 'pipe'))
        argv0 = opts.get('argv0', command)
        self.spawnfile = command
        self.spawnargs = [argv0] + args
        child_fds, parent_ends, ipc_index = self._make_stdio(stdio)
        if ipc_index is not None:
            env['NODE_CHANNEL_FD'] = str(ipc_index)
            env['NODE_CHANNEL_SERIALIZATION_MODE'] = serialization
        self._process = _uv.Process(self._on_exit)
        try:
            status = self._process.spawn(
                command, self.spawnargs, ['%s=%s' % item for item in env.items()],
                cwd, child_fds, opts.get('detached', False))
        finally:
            for index, kind in enumerate(stdio):
                if kind in ('pipe', 'ipc'):
                    os.close(child_fds[index])
        if status < 0:
            for end in parent_ends.values():
                os.close(end)
            self._spawn_failed(status, command)
            return
        self.pid = self._process.pid
        self._open_stdio(stdio, parent_ends, serialization)
        _uv.nextTick(self.emit, 'spawn')

    def _make_stdio(self, stdio):
        child_fds, parent_ends, ipc_index = [], {}, None
        for index, kind in enumerate(stdio):
            if kind in ('pipe', 'ipc'):
                if kind == 'ipc':
                    if ipc_index is not None:
                        raise errors.ERR_IPC_ONE_PIPE()
                    ipc_index = index
                parent, child = socket_module.socketpair()
                parent_ends[index] = parent.detach()
                child_fds.append(child.detach())
            elif kind == 'inherit':
                child_fds.append(index)
            elif kind == 'ignore':
                child_fds.append(-1)
            else:
                child_fds.append(kind)
        return child_fds, parent_ends, ipc_index

    def _open_stdio(self, stdio, parent_ends, serialization):
        import pyuvnet
        for index, kind in enumerate(stdio):
            stream = None
            if kind == 'pipe':
                stream = pyuvnet.Socket({'fd': parent_ends[index], 'readable': index > 0,
                                         'writable': index == 0})
                if index > 0:
                    self._closes_needed += 1
                    stream.on('close', self._maybe_close)
            elif kind == 'ipc':
                self._closes_needed += 1
                self._ipc = Channel(self, parent_ends[index], serialization,
                                    on_closed=self._maybe_close)
            self.stdio.append(stream)
        self.stdin, self.stdout, self.stderr = (self.stdio + [None] * 3)[:3]

    def _spawn_failed(self, status, command):
        err = errors.uv_exception(status, 'spawn ' + command, command)
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
        while the child keeps up.  See pyuvnet.ipc_channel.Channel.send."""
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


add_aliases(ChildProcess, ALIASES['EventEmitter'])
add_aliases(ChildProcess, ALIASES['ChildProcess'])


def _normalize_stdio(stdio):
    if stdio is None or isinstance(stdio, str):
        stdio = [stdio or 'pipe'] * 3
    if not isinstance(stdio, (list, tuple)):
        raise errors.ERR_INVALID_ARG_VALUE('stdio', stdio)
    stdio = [('pipe' if entry is None and index < 3 else entry) for index, entry in enumerate(stdio)]
    for entry in stdio:
        if entry is None:
            continue
        if isinstance(entry, int) and not isinstance(entry, bool) and entry >= 0:
            continue
        if entry not in ('pipe', 'inherit', 'ignore', 'ipc'):
            raise errors.ERR_INVALID_ARG_VALUE('stdio', entry)
    return ['ignore' if entry is None else entry for entry in stdio]
