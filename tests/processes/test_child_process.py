"""child_process.fork/spawn between pyuvnet processes: events and their
order, options, kill, and the fault cases (bad messages, a closed channel,
a crashing child, a dying parent, huge and many messages, fd leaks).

Node's behaviour each test follows was pinned with /usr/bin/node (v20):

    const c = fork('c.js');
    c.send(undefined)          // throws ERR_MISSING_ARGS
    c.send(() => 1)            // throws ERR_INVALID_ARG_TYPE
    c.send('x', 'notahandle')  // throws ERR_INVALID_HANDLE_TYPE
    c.kill('SIGNOPE')          // throws ERR_UNKNOWN_SIGNAL
    // after 'disconnect': send() -> false, then 'error' ERR_IPC_CHANNEL_CLOSED
    // (or the callback gets it); disconnect() again -> 'error' ERR_IPC_DISCONNECTED
    // events: spawn, message..., disconnect, exit(0, null), close(0, null)
    // killed: exit(null, 'SIGTERM'), killed === true; kill() after exit -> false
    spawn('/nonexistent')      // 'error' ENOENT (syscall 'spawn /nonexistent'), 'close'(-2, null)
"""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pyuvnet import child_process, errors
from child_scripts_support import script
from support import event_names, record_events

FORK_CYCLES = int(os.environ.get('PYUVNET_FORK_CYCLES', '100'))


CHILD_EVENTS = ('spawn', 'message', 'disconnect', 'exit', 'close', 'error')


def test_fork_events_in_node_order(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'))
    log = []
    record_events(child, log, CHILD_EVENTS)
    assert isinstance(child.pid, int) and child.pid > 0
    assert child.connected
    assert child.send({'hello': 'world', 'n': [1, 2.5, None, True]}) is True
    child.on('message', lambda message: child.send({'cmd': 'disconnect'}))
    run_loop(10)
    assert log == [('spawn',), ('message', {'echo': {'hello': 'world', 'n': [1, 2.5, None, True]}}),
                   ('disconnect',), ('exit', 0, None), ('close', 0, None)]
    assert not child.connected and child.channel is None
    assert (child.exitCode, child.signalCode, child.killed) == (0, None, False)


def test_send_callback_runs_after_the_write(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'))
    results = []
    child.send('one', lambda err: results.append(('cb', err)))
    assert results == []
    child.on('message', lambda message: (results.append(message), child.disconnect()))
    run_loop(10)
    assert results == [('cb', None), {'echo': 'one'}]


def test_options_cwd_env_args_and_channel_fd(tmp_path, run_loop):
    got = []
    child = child_process.fork(script(tmp_path, 'worker.py'), ['a', 'b c'],
                               cwd=str(tmp_path), env=dict(os.environ, EXTRA='yes'))
    child.send({'cmd': 'env'})
    child.on('message', lambda message: (got.append(message), child.disconnect()))
    run_loop(10)
    assert got == [{'fd': None, 'cwd': str(tmp_path), 'argv': ['a', 'b c'], 'extra': 'yes'}]


def test_silent_child_output_comes_through_stdout(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'), silent=True)
    out = []
    child.stdout.on('data', out.append)
    closed = []
    child.on('close', lambda code, sig: closed.append((code, sig, b''.join(out))))
    assert len(child.stdio) == 4 and child.stdio[3] is None
    child.send({'cmd': 'disconnect'})
    run_loop(10)
    assert closed == [(0, None, b'child disconnect\nchild done\n')]


def test_unread_output_does_not_hold_back_close(tmp_path, run_loop):
    """Node reads output nobody listened to after 'exit', so 'close' comes."""
    child = child_process.spawn(sys.executable, ['-c', 'print("x" * 200000)'])
    closed = []
    child.on('close', lambda code, sig: closed.append((code, sig)))
    run_loop(10)
    assert closed == [(0, None)]


def test_fork_requires_ipc_in_stdio(tmp_path):
    with pytest.raises(errors.ERR_CHILD_PROCESS_IPC_REQUIRED) as info:
        child_process.fork(script(tmp_path, 'worker.py'), stdio=['pipe', 'pipe', 'pipe'])
    assert str(info.value) == "Forked processes must have an IPC channel, missing value 'ipc' in options.stdio"
    with pytest.raises(errors.ERR_IPC_ONE_PIPE):
        child_process.spawn(sys.executable, ['-c', 'pass'], stdio=['ipc', 'ipc'])


def test_spawn_with_ipc_entry_and_ignored_stdio(tmp_path, run_loop):
    child = child_process.spawn(sys.executable, [script(tmp_path, 'worker.py')],
                                stdio=['ignore', 'ignore', 'ignore', 'ipc'])
    got = []
    child.on('message', lambda message: (got.append(message), child.disconnect()))
    child.send(7)
    child.on('close', lambda *a: got.append(a))
    run_loop(10)
    assert got == [{'echo': 7}, (0, None)]


def test_spawn_missing_file_errors_then_closes(run_loop):
    child = child_process.spawn('/nonexistent/program', ['x'])
    log = []
    record_events(child, log, CHILD_EVENTS)
    run_loop()
    assert event_names(log) == ['error', 'close']
    err = log[0][1]
    assert (err.code, err.syscall, err.path, err.spawnargs) == (
        'ENOENT', 'spawn /nonexistent/program', '/nonexistent/program', ['x'])
    assert log[1][1:] == (-2, None)
    assert child.pid is None


def test_kill_gives_exit_with_signal(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'idle.py'))
    log = []
    record_events(child, log, CHILD_EVENTS)
    child.on('spawn', lambda: log.append(('kill', child.kill())))
    run_loop(10)
    assert ('kill', True) in log
    assert log[-2:] == [('exit', None, 'SIGTERM'), ('close', None, 'SIGTERM')]
    assert child.killed and child.signalCode == 'SIGTERM' and child.exitCode is None
    assert child.kill() is False
    with pytest.raises(errors.ERR_UNKNOWN_SIGNAL):
        child.kill('SIGNOPE')


def test_crashing_child_exits_with_its_signal(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'))
    log = []
    record_events(child, log, CHILD_EVENTS)
    child.send({'cmd': 'crash'})
    run_loop(10)
    assert log[-2:] == [('exit', None, 'SIGSEGV'), ('close', None, 'SIGSEGV')]
    assert ('disconnect',) in log and not child.killed


def test_exit_code(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'))
    log = []
    record_events(child, log, CHILD_EVENTS)
    child.send({'cmd': 'exit', 'code': 3})
    run_loop(10)
    assert log[-2:] == [('exit', 3, None), ('close', 3, None)]


@pytest.mark.parametrize('message, error', [
    (None, errors.ERR_MISSING_ARGS),
    (object(), errors.ERR_INVALID_ARG_TYPE),
    (b'bytes', errors.ERR_INVALID_ARG_TYPE),
    ({'nested': {1, 2}}, errors.ERR_INVALID_ARG_TYPE),
])
def test_unserializable_message_raises_at_once(tmp_path, run_loop, message, error):
    child = child_process.fork(script(tmp_path, 'idle.py'))
    with pytest.raises(error):
        child.send(message)
    with pytest.raises(errors.ERR_INVALID_HANDLE_TYPE):
        child.send('x', 'not a handle')
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        child.send('x', None, 5)
    child.disconnect()
    run_loop(10)


def test_send_after_disconnect_is_channel_closed(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'idle.py'))
    log = []
    child.on('error', lambda err: log.append(('error', err.code)))
    child.disconnect()
    assert not child.connected
    assert child.send('late') is False
    assert child.send('late', lambda err: log.append(('cb', err.code))) is False
    child.disconnect()
    assert log == [('error', 'ERR_IPC_DISCONNECTED')]
    run_loop(10)
    assert log == [('error', 'ERR_IPC_DISCONNECTED'), ('error', 'ERR_IPC_CHANNEL_CLOSED'),
                   ('cb', 'ERR_IPC_CHANNEL_CLOSED')]
    assert child.exitCode == 0


def test_child_without_listeners_is_not_kept_alive(tmp_path):
    out = subprocess.run([sys.executable, '-c', textwrap.dedent('''
        import sys, pyuvnet
        from pyuvnet import child_process
        child = child_process.fork(sys.argv[1])
        child.on('exit', lambda code, sig: print('exit', code, sig, flush=True))
        pyuvnet.run()
    '''), script(tmp_path, 'no_listener.py')], capture_output=True, text=True, timeout=20)
    assert out.stdout == 'connected True channel True\nchild done\nexit 0 None\n', out.stderr


CHILD_SIDE = textwrap.dedent('''
    import os, sys, pyuvnet
    from pyuvnet import process
    listener = lambda message: None
    process.on('message', listener)
    if sys.argv[1] == 'unref':
        process.channel.unref()
    elif sys.argv[1] == 'off':
        process.off('message', listener)
    elif sys.argv[1] == 'sid':
        process.send(os.getsid(0) == os.getpid())
    pyuvnet.run()
    print('child done', flush=True)
''')


@pytest.mark.parametrize('how', ['unref', 'off'])
def test_child_channel_unref_or_no_listener_lets_the_child_end(tmp_path, run_loop, how):
    """Node: process.channel.unref(), or removing the last 'message'
    listener, lets a child end although its channel is open."""
    path = tmp_path / 'child.py'
    path.write_text(CHILD_SIDE)
    child = child_process.fork(str(path), [how], silent=True)
    out = []
    child.stdout.on('data', out.append)
    closed = []
    child.on('close', lambda code, sig: closed.append((code, b''.join(out))))
    run_loop(10)
    assert closed == [(0, b'child done\n')]


def test_detached_child_leads_its_own_session(tmp_path, run_loop):
    path = tmp_path / 'child.py'
    path.write_text(CHILD_SIDE)
    got = []
    child = child_process.fork(str(path), ['sid'], detached=True)
    child.on('message', lambda message: (got.append(message), child.disconnect()))
    run_loop(10)
    assert got == [True]


def test_parent_death_disconnects_the_child(tmp_path):
    """The parent is SIGKILLed; its child (kept alive by its 'message'
    listener) gets 'disconnect' and ends."""
    parent = subprocess.Popen([sys.executable, '-c', textwrap.dedent('''
        import os, signal, sys, pyuvnet
        from pyuvnet import child_process
        child = child_process.fork(sys.argv[1])
        child.on('message', lambda message: os.kill(os.getpid(), signal.SIGKILL))
        child.send('ping')
        pyuvnet.run()
    '''), script(tmp_path, 'worker.py')], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = parent.communicate(timeout=20)
    finally:
        parent.kill()
    assert parent.returncode == -signal.SIGKILL
    # The pipe reaches EOF only once the orphaned child has exited too.
    assert out == 'child disconnect\nchild done\n'


def test_ten_mib_messages_arrive_whole_both_ways(tmp_path, run_loop):
    size = 10 << 20
    child = child_process.fork(script(tmp_path, 'worker.py'))
    got = []

    def on_message(message):
        got.append(message)
        if len(got) == 1:
            child.send({'cmd': 'big', 'size': size})
        else:
            child.disconnect()
    child.on('message', on_message)
    child.send('y' * size)
    run_loop(30)
    assert got[0] == {'echo': 'y' * size}
    assert got[1] == 'x' * size


def test_hundred_thousand_messages_in_order(tmp_path, run_loop):
    count = 100_000
    child = child_process.fork(script(tmp_path, 'worker.py'))
    echoed = []
    burst = []

    def on_message(message):
        if isinstance(message, dict):
            echoed.append(message['echo'])
            if len(echoed) == count:
                child.send({'cmd': 'burst', 'count': count})
        else:
            burst.append(message)
            if len(burst) == count:
                child.disconnect()
    child.on('message', on_message)
    for i in range(count):
        child.send(i)
    run_loop(60)
    assert echoed == list(range(count))
    assert burst == list(range(count))


def test_advanced_serialization_carries_python_objects(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'worker.py'), serialization='advanced')
    got = []
    child.on('message', lambda message: (got.append(message), child.send({'cmd': 'disconnect'})))
    child.send({'set': {1, 2}, 'bytes': b'\x00\xff', 'tuple': (1, 'a'), 'big': 2 ** 80})
    run_loop(10)
    assert got == [{'echo': {'set': {1, 2}, 'bytes': b'\x00\xff', 'tuple': (1, 'a'), 'big': 2 ** 80}}]


def test_unref_lets_run_return_while_the_child_lives(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'idle.py'))
    child.unref()
    child.channel.unref()
    run_loop(5)
    assert child.exitCode is None and child.connected
    child.ref()
    child.kill()
    run_loop(10)
    assert child.signalCode == 'SIGTERM'


def open_fds():
    return set(os.listdir('/proc/self/fd'))


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='needs /proc')
def test_no_fd_leak_after_fork_exit_cycles(tmp_path, run_loop):
    """FORK_CYCLES (100; PYUVNET_FORK_CYCLES=1000 for the long run) forks,
    one after the other, each with a channel and stdout piped.  The fds are
    counted from the end of the first cycle (libuv keeps one /dev/null fd
    per loop once a child has been spawned)."""
    path = script(tmp_path, 'exit.py')
    before = set()
    done = []

    def next_child(*_):
        if len(done) == 1:
            before.update(open_fds())
        if len(done) == FORK_CYCLES + 1:
            return
        done.append(1)
        child = child_process.fork(path, execArgv=['-S', '-E'], silent=True)
        child.on('close', next_child)
    next_child()
    run_loop(max(60, FORK_CYCLES / 10))
    assert len(done) == FORK_CYCLES + 1
    leaked = open_fds() - before
    assert {fd: os.readlink("/proc/self/fd/" + fd) for fd in leaked} == {}
