"""Node's own child_process tests (test/parallel/test-child-process-*.js in
nodejs/node), ported: each was first run under /usr/bin/node v20, and each
docstring names the Node file and what Node printed."""
import array
import errno
import math
import os
import signal
import sys

import pytest

from pyuvnet import child_process
from child_scripts_support import script
from support import record_events


def test_spawning_a_missing_file_is_enoent_then_close_with_its_errno(run_loop):
    """test-child-process-spawn-error.js: spawn('/nonexistent', ['a']):
    'error' ENOENT (errno -2, syscall 'spawn /nonexistent', path
    '/nonexistent', spawnargs ['a'], message 'spawn /nonexistent ENOENT'),
    pid undefined, then 'close'(-2, null) and no 'exit'; exitCode -2.
    (pyuvnet's errno is positive, as every OSError's: docs/api/errors.md.)"""
    log = []
    child = child_process.spawn('/nonexistent-cmd-pyuvnet', ['a'])
    record_events(child, log, ['error', 'exit', 'close'])
    run_loop()
    assert [entry[0] for entry in log] == ['error', 'close']
    err = log[0][1]
    assert (err.code, err.errno, err.syscall, err.path, list(err.spawnargs), str(err)) == (
        'ENOENT', errno.ENOENT, 'spawn /nonexistent-cmd-pyuvnet', '/nonexistent-cmd-pyuvnet', ['a'],
        'spawn /nonexistent-cmd-pyuvnet ENOENT')
    assert log[1][1:] == (-2, None)
    assert (child.pid, child.exitCode) == (None, -2)


def test_kill_is_sigterm_and_sets_killed_and_signal_code(run_loop):
    """test-child-process-kill.js: kill() returns true and killed is true at
    once; 'exit'(null, 'SIGTERM'), signalCode 'SIGTERM', exitCode null."""
    seen = []
    child = child_process.spawn('sleep', ['5'])
    child.on('exit', lambda code, sig: seen.append((code, sig, child.killed, child.signalCode,
                                                    child.exitCode)))
    seen.append((child.kill(), child.killed))
    run_loop()
    assert seen == [(True, True), (None, 'SIGTERM', True, 'SIGTERM', None)]


def test_a_signal_from_elsewhere_is_no_kill_of_ours(run_loop):
    """test-child-process-kill.js's counterpart (process.kill(pid,
    'SIGKILL')): 'exit'(null, 'SIGKILL') and killed stays false."""
    seen = []
    child = child_process.spawn('sleep', ['5'])
    child.on('exit', lambda code, sig: seen.append((code, sig, child.killed)))
    os.kill(child.pid, signal.SIGKILL)
    run_loop()
    assert seen == [(None, 'SIGKILL', False)]


@pytest.mark.parametrize('sig', ['SIGFOO', 999999])
def test_an_unknown_signal_is_err_unknown_signal(sig, run_loop):
    """test-child-process-kill.js / test-child-process-spawnsync-kill-signal:
    kill('SIGFOO') and kill(999999) throw ERR_UNKNOWN_SIGNAL 'Unknown
    signal: SIGFOO' (a TypeError)."""
    child = child_process.spawn('sleep', ['5'])
    try:
        with pytest.raises(TypeError) as info:
            child.kill(sig)
        assert (info.value.code, str(info.value)) == ('ERR_UNKNOWN_SIGNAL',
                                                      'Unknown signal: %s' % sig)
    finally:
        child.kill()
    run_loop()


def test_exit_code_reaches_exit_and_exit_code(run_loop):
    """test-child-process-exit-code.js: sh -c 'exit 23': 'exit'(23, null),
    exitCode 23, signalCode null."""
    seen = []
    child = child_process.spawn('sh', ['-c', 'exit 23'])
    child.on('exit', lambda code, sig: seen.append((code, sig, child.exitCode, child.signalCode)))
    run_loop()
    assert seen == [(23, None, 23, None)]


def test_a_missing_cwd_is_enoent_for_the_file(run_loop):
    """test-child-process-cwd.js: spawn('pwd', [], {cwd: '/nonexistent'}):
    'error' ENOENT, syscall 'spawn pwd', path 'pwd'; with cwd '/tmp' the
    child prints /tmp and exits 0."""
    seen, out = [], []
    bad = child_process.spawn('pwd', [], {'cwd': '/nonexistent-dir-pyuvnet'})
    bad.on('error', lambda err: seen.append((err.code, err.syscall, err.path, str(err))))
    good = child_process.spawn('pwd', [], {'cwd': '/tmp'})
    good.stdout.on('data', out.append)
    good.on('close', lambda code, sig: seen.append(('pwd', b''.join(out).strip(), code)))
    run_loop()
    assert sorted(seen, key=str) == sorted([('ENOENT', 'spawn pwd', 'pwd', 'spawn pwd ENOENT'),
                                            ('pwd', b'/tmp', 0)], key=str)


def test_stdin_written_and_ended_comes_back_through_cat(run_loop):
    """test-child-process-stdin.js: cat, stdin.write('hello '),
    stdin.end('world'), stdout in utf8: 'hello world', then 'close'(0,
    null)."""
    seen, out = [], []
    child = child_process.spawn('cat')
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', out.append)
    child.stdin.write('hello ')
    child.stdin.end('world')
    child.on('close', lambda code, sig: seen.append((''.join(out), code, sig)))
    run_loop()
    assert seen == [('hello world', 0, None)]


def test_spawnargs_and_spawnfile(run_loop):
    """test-child-process-spawnargs.js: spawn('echo', ['a', 'b']):
    spawnargs ['echo', 'a', 'b'], spawnfile 'echo'."""
    child = child_process.spawn('echo', ['a', 'b'])
    assert (list(child.spawnargs), child.spawnfile) == (['echo', 'a', 'b'], 'echo')
    run_loop()


@pytest.mark.parametrize('value, received', [
    (42, '42'),
    (float('inf'), 'inf'),
    (True, 'True'),
    ('foo', "'foo'"),
])
def test_an_unknown_serialization_throws_at_once(value, received):
    """test-child-process-advanced-serialization.js, first half: spawn()
    with serialization 42, Infinity, 'foo' (or true) throws a TypeError,
    Node 20's ERR_INVALID_ARG_VALUE "The property 'options.serialization'
    must be one of: undefined, 'json', 'advanced'. Received 42" for each,
    whatever the value's type."""
    with pytest.raises(TypeError) as raised:
        child_process.spawn(sys.executable, [], {'serialization': value})
    message = ("The property 'options.serialization' must be one of: undefined, 'json', "
               "'advanced'. Received " + received)
    assert (raised.value.code, str(raised.value)) == ('ERR_INVALID_ARG_VALUE', message)


def test_advanced_serialization_carries_cycles_errors_and_binary(tmp_path, run_loop):
    """test-child-process-advanced-serialization.js, second half: over an
    'advanced' channel each message comes back as sent, one at a time
    (typed arrays, a buffer, a map, a big integer, an object holding
    itself, errors); Python's counterparts, through the pickle that
    pyuvnet's 'advanced' is (docs/PROCESSES.md)."""
    circular = {}
    circular['circular'] = circular
    messages = [{'uint8': bytearray(4)}, {'float64': array.array('d', [math.pi])},
                {'buffer': b'Hello!'}, {'map': {('a', 1): ('b', 2)}}, {'bigInt': 1337 ** 9},
                circular, RuntimeError('Something went wrong'),
                ValueError('Something range-y went wrong')]
    child = child_process.fork(script(tmp_path, 'worker.py'), serialization='advanced')
    got = []

    def on_message(message):
        got.append(message['echo'])
        if len(got) < len(messages):
            child.send(messages[len(got)])
        else:
            child.send({'cmd': 'disconnect'})
    child.on('message', on_message)
    child.send(messages[0])
    run_loop(10)
    assert got[:5] == messages[:5]
    assert list(got[5]) == ['circular'] and got[5]['circular'] is got[5]
    assert [(type(err), err.args) for err in got[6:]] == [(type(err), err.args)
                                                         for err in messages[6:]]
