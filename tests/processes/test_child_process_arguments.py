"""fork()/spawn()/kill() with bad arguments (issue 22, items 4, 5 and 7):
Node's error at once, nothing reaching the OS that Node would refuse, and
no fd kept by a call that fails.

Pinned with /usr/bin/node (v20.20):

    spawn('/bin/echo\\0junk')            // ERR_INVALID_ARG_VALUE: The argument 'file'
                                        //   must be a string without null bytes. Received ...
    fork('x.js', ['ok', 'a\\0b'])        // The argument 'args[2]' ... (execArgv + modulePath + args)
    spawn(f, [], {env: {A: 'x\\0y'}})    // The property 'options.env['A']' ...
    spawn(f, [], {cwd: '/tmp\\0x'})      // The property 'options.cwd' must be a string,
                                        //   Uint8Array, or URL without null bytes. ...
    fork('x.js', [], {execPath: 'n\\0'}) // The property 'options.execPath' ...
    fork('x.js', [], {execArgv: ['a\\0']})  // The property 'options.execArgv[0]' ...
    fork('x\\0.js')                      // The argument 'modulePath' must be a string,
                                        //   Uint8Array, or URL without null bytes. ...
    fork('x.js', [], {stdio: 123})      // runs, with the default stdio
    fork(.., {stdio: [.., 'ipc', 'ipc']})   // ERR_IPC_ONE_PIPE
    spawn('/bin/echo', ['a\\ud800b'])    // runs; the child gets 61 ef bf bd 62
    kill('sigterm')                     // delivered (the name is upper-cased)
    kill(1.5), kill('TERM'), kill({})   // ERR_UNKNOWN_SIGNAL
"""
import os
import sys

import pytest

from pyuvnet import child_process, errors
from child_scripts_support import script
from ipc_peer_support import open_fds


class StrRaises:
    def __str__(self):
        raise RuntimeError('str() of this env value fails')


NUL_CALLS = [
    (lambda: child_process.spawn('/bin/echo\0junk'),
     "The argument 'file' must be a string without null bytes. Received '/bin/echo\\x00junk'"),
    (lambda: child_process.spawn('/bin/echo', ['ok', 'a\0b']),
     "The argument 'args[1]' must be a string without null bytes. Received 'a\\x00b'"),
    (lambda: child_process.spawn('/bin/echo', env={'A': 'x\0y'}),
     "The property 'options.env['A']' must be a string without null bytes. Received 'x\\x00y'"),
    (lambda: child_process.spawn('/bin/echo', env={'A\0B': 'x'}),
     "The property 'options.env['A\0B']' must be a string without null bytes. Received 'A\\x00B'"),
    (lambda: child_process.spawn('/bin/echo', cwd='/tmp\0x'),
     "The property 'options.cwd' must be a string, Uint8Array, or URL without null bytes."
     " Received '/tmp\\x00x'"),
    (lambda: child_process.spawn('/bin/echo', argv0='a\0'),
     "The property 'options.argv0' must be a string without null bytes. Received 'a\\x00'"),
    (lambda: child_process.fork('x.py', ['ok', 'a\0b']),
     "The argument 'args[1]' must be a string without null bytes. Received 'a\\x00b'"),
    (lambda: child_process.fork('x.py', execPath='/usr/bin/python3\0x'),
     "The property 'options.execPath' must be a string without null bytes."
     " Received '/usr/bin/python3\\x00x'"),
    (lambda: child_process.fork('x.py', execArgv=['a\0']),
     "The property 'options.execArgv[0]' must be a string without null bytes. Received 'a\\x00'"),
    (lambda: child_process.fork('x\0.py'),
     "The argument 'modulePath' must be a string, Uint8Array, or URL without null bytes."
     " Received 'x\\x00.py'"),
]


@pytest.mark.parametrize('call, message', NUL_CALLS)
def test_a_nul_byte_is_err_invalid_arg_value_with_nodes_message(call, message):
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE) as info:
        call()
    assert str(info.value) == message


def test_spawn_of_a_file_with_a_nul_runs_nothing(tmp_path):
    """Before: spawn('/bin/echo\\0junk') ran /bin/echo (the OS read up to
    the NUL)."""
    marker = tmp_path / 'ran'
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        child_process.spawn('/usr/bin/touch', [str(marker) + '\0junk'])
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        child_process.spawn('/usr/bin/touch\0junk', [str(marker)])
    assert not marker.exists()


FAILING_CALLS = [
    lambda: child_process.fork('x.py', stdio=['pipe', 'pipe', 'pipe', 'ipc', 'ipc']),
    lambda: child_process.spawn('/bin/true', stdio=['pipe', 'pipe', 'pipe', 'ipc', 'ipc']),
    lambda: child_process.spawn('/bin/true', stdio=['pipe', 'pipe', 99999]),
    lambda: child_process.fork('x.py', env={'A': StrRaises()}),
    lambda: child_process.spawn('/bin/true', env={'A': 'x\0y'}),
    lambda: child_process.spawn('/bin/true', ['a\0']),
    lambda: child_process.fork('x.py', execPath='\0'),
    lambda: child_process.fork('x.py', env=['not', 'a', 'mapping']),
]


def test_400_failed_fork_and_spawn_calls_keep_no_fd():
    """Before: ERR_IPC_ONE_PIPE kept the socketpairs made before the second
    'ipc', an env value whose str() raised kept the pairs made, and a
    failed spawn kept its pipes: 400 calls took a process from 14 to 714
    fds."""
    for call in FAILING_CALLS:
        _fail(call)                 # what opens once (the loop's signal pipe) is open
    before = open_fds()
    for index in range(400):
        _fail(FAILING_CALLS[index % len(FAILING_CALLS)])
    new = open_fds() - before
    assert new == set(), [os.readlink('/proc/self/fd/' + fd) for fd in new]


def _fail(call):
    try:
        call()
    except (errors.NodeError, RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError):
            # The user's own str() failing propagates as in Node.
            assert str(exc) == 'str() of this env value fails'
        else:
            assert exc.code
        return
    raise AssertionError('the call succeeded')


def test_lone_surrogates_reach_the_child_as_node_sends_them(run_loop):
    """Node converts a lone surrogate to U+FFFD (ef bf bd); a surrogate
    escaping an undecodable byte (Python's os.fsencode convention) is that
    byte.  Before: UnicodeEncodeError, and the call kept its fds."""
    out = []
    child = child_process.spawn(sys.executable, [
        '-c', 'import os, sys; sys.stdout.buffer.write(os.fsencode(sys.argv[1])'
              ' + b"|" + os.environb[b"X"])', 'a\ud800b'], env={'X': 'q\udcffq\udfffq'})
    child.stdout.on('data', out.append)
    run_loop(10)
    assert b''.join(out) == b'a\xef\xbf\xbdb|q\xffq\xef\xbf\xbdq'
    assert child.exitCode == 0


def test_fork_with_a_stdio_that_is_no_list_uses_the_default(tmp_path, run_loop):
    """Node ignores a stdio that is neither a string nor an array in
    fork().  Before: TypeError "argument of type 'int' is not iterable"."""
    child = child_process.fork(script(tmp_path, 'worker.py'), stdio=123)
    seen = []
    child.on('message', lambda message: (seen.append(message), child.disconnect()))
    child.send('hi')
    run_loop(10)
    assert seen == [{'echo': 'hi'}] and child.exitCode == 0


def test_env_values_of_none_are_left_out_as_nodes_undefined(run_loop):
    out = []
    child = child_process.spawn('/usr/bin/env', env={'A': None, 'B': 5})
    child.stdout.on('data', out.append)
    run_loop(10)
    assert b''.join(out).split(b'\n') == [b'B=5', b'']


@pytest.mark.parametrize('bad', [1.5, -1, 99999, 'SIGFOO', 'TERM', {}, [], True, 2 ** 40, 65])
def test_kill_with_a_bad_signal_is_err_unknown_signal(tmp_path, bad, run_loop):
    child = child_process.spawn('/bin/sleep', ['5'])
    try:
        with pytest.raises(errors.ERR_UNKNOWN_SIGNAL):
            child.kill(bad)
    finally:
        child.kill('SIGKILL')
    run_loop(10)


def test_kill_upper_cases_the_signal_name(run_loop):
    child = child_process.spawn('/bin/sleep', ['5'])
    assert child.kill('sigterm') is True
    run_loop(10)
    assert child.signalCode == 'SIGTERM'
