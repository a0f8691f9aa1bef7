"""spawn() and fork()'s shell, timeout, killSignal and signal options.

Pinned with /usr/bin/node (v20):

    spawn('does-not-exist', {shell: true})  // spawnfile '/bin/sh',
                                            // spawnargs ['/bin/sh', '-c', 'does-not-exist'], exit 127
    spawn('echo', ['a b'], {shell: true})   // spawnargs ['/bin/sh', '-c', 'echo a b']
    spawn('echo', ['x'], {shell: '/bin/bash', argv0: 'zz'})  // ['zz', '-c', 'echo x']
    spawn('true', {timeout: 'badValue' | {} | -1 | 1.5 | true})  // ERR_OUT_OF_RANGE "timeout"
    spawn('true', {signal: 'x'})            // ERR_INVALID_ARG_TYPE "options.signal"
    spawn('true', {killSignal: 'x'})        // ERR_UNKNOWN_SIGNAL
    spawn('true', {shell: 5})               // ERR_INVALID_ARG_TYPE "options.shell"
    fork(script, ['a'], {timeout: 50})      // exit(null, 'SIGTERM')

and Node's test-child-process-spawn-shell.js, spawn-timeout-kill-signal.js
(its Node 20 form: ERR_OUT_OF_RANGE) and spawn-controller.js; fork()'s
options as Node 20 runs them (above).
"""
import os
import sys

import pytest

import pyuvnet as net
from pyuvnet import child_process, errors
from support import assert_code

STAY_ALIVE = [sys.executable, '-c', 'import time; time.sleep(30)']


def collect(child):
    """The child's events and stdout, as a dict filled while the loop runs."""
    seen = {'events': [], 'stdout': b''}
    for event in ('exit', 'error', 'close'):
        child.on(event, lambda *args, event=event: seen['events'].append((event,) + args))
    if child.stdout is not None:
        child.stdout.on('data', lambda chunk: seen.__setitem__('stdout', seen['stdout'] + chunk))
    return seen


def test_spawn_shell_runs_the_command_line_under_sh(run_loop):
    missing = child_process.spawn('does-not-exist', {'shell': True})
    assert (missing.spawnfile, missing.spawnargs) == ('/bin/sh', ['/bin/sh', '-c', 'does-not-exist'])
    piped = child_process.spawn('echo bar | cat', shell=True)
    joined = child_process.spawn('echo', ['a b'], shell=True)
    assert joined.spawnargs == ['/bin/sh', '-c', 'echo a b']
    env = child_process.spawn('echo $BAZ', {'env': dict(os.environ, BAZ='buzz'), 'shell': True})
    bash = child_process.spawn('echo', ['x'], shell='/bin/bash', argv0='zz')
    assert (bash.spawnfile, bash.spawnargs) == ('/bin/bash', ['zz', '-c', 'echo x'])
    seen = [collect(child) for child in (missing, piped, env)]
    run_loop(10)
    assert seen[0]['events'][0] == ('exit', 127, None)
    assert not [e for e in seen[0]['events'] if e[0] == 'error']
    assert seen[1]['stdout'] == b'bar\n' and seen[2]['stdout'] == b'buzz\n'


def test_spawn_timeout_kills_with_kill_signal(run_loop):
    default = collect(child_process.spawn(STAY_ALIVE[0], STAY_ALIVE[1:], {'timeout': 5}))
    killed = collect(child_process.spawn(STAY_ALIVE[0], STAY_ALIVE[1:], timeout=6, killSignal='SIGKILL'))
    run_loop(10)
    assert default['events'][0] == ('exit', None, 'SIGTERM')
    assert killed['events'][0] == ('exit', None, 'SIGKILL')


@pytest.mark.parametrize('call, code', [
    (lambda: child_process.spawn('true', timeout='badValue'), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawn('true', timeout={}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawn('true', timeout=-1), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawn('true', timeout=1.5), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawn('true', timeout=True), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawn('true', signal='x'), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.spawn('true', killSignal='x'), 'ERR_UNKNOWN_SIGNAL'),
    (lambda: child_process.spawn('true', shell=5), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.fork('x.py', timeout=-1), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.fork('x.py', killSignal='SIGNOPE'), 'ERR_UNKNOWN_SIGNAL'),
])
def test_spawn_and_fork_bad_run_options(call, code):
    assert_code(code, call)


def test_spawn_abort_signal(run_loop):
    """Node's test-child-process-spawn-controller.js: an abort (right after
    the call, before it, a moment later, with killSignal) kills the child
    with killSignal and emits one AbortError; an abort after 'exit' does
    nothing; the abort listener is removed once the child exits."""
    controllers = [net.AbortController() for _ in range(5)]
    controllers[1].abort()
    options = [{}, {}, {}, {'killSignal': 'SIGKILL'}, {}]
    children = [child_process.spawn(STAY_ALIVE[0], STAY_ALIVE[1:], dict(opts, signal=c.signal))
                for c, opts in zip(controllers, options)]
    children[4].on('exit', lambda *_: controllers[4].abort())
    seen = [collect(child) for child in children]
    controllers[0].abort()
    net.setTimeout(controllers[2].abort, 1)
    net.setTimeout(controllers[3].abort, 1)
    net.setTimeout(children[4].kill, 1)
    run_loop(10)
    for index, signal in ((0, 'SIGTERM'), (1, 'SIGTERM'), (2, 'SIGTERM'), (3, 'SIGKILL')):
        events = seen[index]['events']
        assert ('exit', None, signal) in events
        errors_seen = [e[1] for e in events if e[0] == 'error']
        assert len(errors_seen) == 1 and isinstance(errors_seen[0], errors.AbortError)
    assert ('exit', None, 'SIGTERM') in seen[4]['events']
    assert not [e for e in seen[4]['events'] if e[0] == 'error']
    for controller in controllers:
        assert controller.signal.listenerCount('abort') == 0


def test_fork_timeout_and_abort(tmp_path, run_loop):
    """fork() takes timeout, killSignal and signal too, as Node 20's fork
    (pinned above: a timeout ends the child with exit(null, 'SIGTERM'))."""
    script = tmp_path / 'alive.py'
    script.write_text('import time\ntime.sleep(30)\n')
    timed = collect(child_process.fork(str(script), timeout=50))
    killed = collect(child_process.fork(str(script), timeout=50, killSignal='SIGKILL'))
    controller = net.AbortController()
    aborted = collect(child_process.fork(str(script), signal=controller.signal))
    net.setTimeout(controller.abort, 20)
    run_loop(10)
    assert ('exit', None, 'SIGTERM') in timed['events']
    assert ('exit', None, 'SIGKILL') in killed['events']
    assert ('exit', None, 'SIGTERM') in aborted['events']
    assert [type(e[1]) for e in aborted['events'] if e[0] == 'error'] == [errors.AbortError]


def test_spawn_error_reads_as_nodes(run_loop):
    """Node 20: spawn('nonexistent-xyz', ['a']) emits 'spawn nonexistent-xyz
    ENOENT' with syscall, path and spawnargs."""
    child = child_process.spawn('nonexistent-xyz', ['a'])
    seen = collect(child)
    run_loop(5)
    err = [e[1] for e in seen['events'] if e[0] == 'error'][0]
    assert str(err) == 'spawn nonexistent-xyz ENOENT'
    assert (err.code, err.syscall, err.path, err.spawnargs) == (
        'ENOENT', 'spawn nonexistent-xyz', 'nonexistent-xyz', ['a'])
