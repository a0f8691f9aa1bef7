"""child_process.exec() and execFile(), and their awaitable forms.

What each test pins was printed by /usr/bin/node (v20), e.g.:

    exec('echo partial; exit 3', cb)  // Error 'Command failed: echo partial; exit 3\\n',
                                      // code 3, killed false, signal null, stdout 'partial\\n'
    exec('sleep 5', {timeout: 100})   // code null, killed true, signal 'SIGTERM'
    exec(big, {maxBuffer: 10})        // RangeError ERR_CHILD_PROCESS_STDIO_MAXBUFFER
                                      // 'stdout maxBuffer length exceeded', stdout 10 chars
    execFile('nonexistent-xyz', ['a'])// ENOENT, cmd 'nonexistent-xyz a', spawnargs ['a']
    exec('echo hi', {encoding: 'buffer'}) // Buffers; 'hex' gives '68690a'
    exec('x', {timeout: -1})          // ERR_OUT_OF_RANGE ('timeout', an unsigned integer)
    exec('x', {maxBuffer: -1})        // ERR_OUT_OF_RANGE ('options.maxBuffer')
    exec('x', {killSignal: 'SIGFOO'}) // ERR_UNKNOWN_SIGNAL
    exec('echo \\0x')                  // ERR_INVALID_ARG_VALUE (no null bytes)
    execFile('/bin/echo', 'x', cb)    // ERR_INVALID_ARG_TYPE "args" ... of type object

Node's test-child-process-exec-*.js cover the same ground (timeout,
maxBuffer, encoding, cwd, env, stdout-stderr-data-string).
"""
import asyncio
import gc
import os
import sys

import pytest

import pyuvnet as net
from pyuvnet import aio, child_process, errors
from pyuvnet.child_process import promises as cp_promises
from support import assert_code, open_fd_count
from aio_support import LOOP_FACTORIES, arun  # noqa: F401  (the fixture)

# The awaitables are the bridge's; one asyncio loop is enough here (the
# test_aio_* files run the bridge on every kind). A select() loop would also
# fail once the process holds fds past 1024, which a long suite reaches.
asyncio_loop_only = pytest.mark.parametrize('arun', LOOP_FACTORIES[:1], indirect=True)


def run_exec(run_loop, start, *args, **kwargs):
    """Start exec/execFile with a recording callback, run the loop, and
    return ``(err, stdout, stderr)``; the callback must come exactly once."""
    calls = []
    start(*args, callback=lambda *result: calls.append(result), **kwargs)
    run_loop(10)
    assert len(calls) == 1
    return calls[0]


def test_exec_gives_stdout_and_stderr_as_text(run_loop):
    err, out, errout = run_exec(run_loop, child_process.exec, 'echo hi; echo err >&2')
    assert (err, out, errout) == (None, 'hi\n', 'err\n')


def test_exec_failure_carries_nodes_fields(run_loop):
    err, out, errout = run_exec(run_loop, child_process.exec, 'echo partial; echo oops >&2; exit 3')
    assert isinstance(err, child_process.CommandFailedError)
    assert str(err) == 'Command failed: echo partial; echo oops >&2; exit 3\noops\n'
    assert (err.code, err.killed, err.signal) == (3, False, None)
    assert err.cmd == 'echo partial; echo oops >&2; exit 3'
    assert (err.stdout, err.stderr, out, errout) == ('partial\n', 'oops\n', 'partial\n', 'oops\n')


def test_exec_timeout_kills_with_kill_signal(run_loop):
    err, _, _ = run_exec(run_loop, child_process.exec, 'sleep 5', {'timeout': 100})
    assert (err.code, err.killed, err.signal) == (None, True, 'SIGTERM')
    assert str(err) == 'Command failed: sleep 5\n'
    err, _, _ = run_exec(run_loop, child_process.exec, 'sleep 5', timeout=100, kill_signal='SIGKILL')
    assert (err.code, err.killed, err.signal) == (None, True, 'SIGKILL')


def test_exec_max_buffer_kills_and_keeps_output_up_to_the_limit(run_loop):
    err, out, _ = run_exec(run_loop, child_process.exec,
                           'head -c 100000 /dev/zero | tr "\\0" a', maxBuffer=10)
    assert isinstance(err, errors.ERR_CHILD_PROCESS_STDIO_MAXBUFFER)
    assert isinstance(err, ValueError)              # Node: RangeError
    assert str(err) == 'stdout maxBuffer length exceeded'
    assert err.cmd == 'head -c 100000 /dev/zero | tr "\\0" a'
    assert out == 'a' * 10


def test_exec_stderr_over_max_buffer_names_stderr(run_loop):
    err, _, errout = run_exec(run_loop, child_process.exec, 'printf 0123456789abc >&2', maxBuffer=4)
    assert str(err) == 'stderr maxBuffer length exceeded' and errout == '0123'


def test_exec_encodings(run_loop):
    assert run_exec(run_loop, child_process.exec, 'echo hi', encoding='buffer') == (None, b'hi\n', b'')
    assert run_exec(run_loop, child_process.exec, 'echo hi', encoding='hex') == (None, '68690a', '')
    # A name Node does not know gives bytes, as in Node.
    assert run_exec(run_loop, child_process.exec, 'echo hi', encoding='bogus') == (None, b'hi\n', b'')


def test_exec_shell_option_names_the_shell(run_loop):
    assert run_exec(run_loop, child_process.exec, 'echo $0', shell='/bin/bash') == (None, '/bin/bash\n', '')


def test_exec_cwd_and_env(tmp_path, run_loop):
    err, out, _ = run_exec(run_loop, child_process.exec, 'pwd; echo $GREETING',
                           {'cwd': str(tmp_path), 'env': {'GREETING': 'hello', 'PATH': os.environ['PATH']}})
    assert (err, out) == (None, '%s\nhello\n' % tmp_path)


def test_exec_returns_the_child_with_a_stdin_pipe(run_loop):
    calls = []
    child = child_process.exec('cat', lambda *result: calls.append(result))
    assert isinstance(child, child_process.ChildProcess)
    child.stdin.end('input')
    run_loop(10)
    assert calls == [(None, 'input', '')]


def test_exec_file_runs_without_a_shell(run_loop):
    assert run_exec(run_loop, child_process.execFile, '/bin/echo', ['a b', '$HOME']) == (None, 'a b $HOME\n', '')
    # With shell: True the words are joined and the shell reads them.
    err, out, _ = run_exec(run_loop, child_process.exec_file, '/bin/echo', ['x', '&&', 'echo', 'y'], shell=True)
    assert (err, out) == (None, 'x\ny\n')


def test_exec_file_args_may_be_left_out(run_loop):
    calls = []
    child_process.execFile('/bin/echo', lambda *result: calls.append(result))
    child_process.execFile('/bin/pwd', {'cwd': '/'}, lambda *result: calls.append(result))
    run_loop(10)
    assert sorted(calls) == [(None, '\n', ''), (None, '/\n', '')]


def test_exec_file_signal_death(run_loop):
    err, _, _ = run_exec(run_loop, child_process.execFile, '/bin/sh', ['-c', 'kill -9 $$'])
    assert (err.code, err.killed, err.signal, err.cmd) == (None, False, 'SIGKILL', '/bin/sh -c kill -9 $$')


def test_exec_file_missing_program_is_the_spawn_error(run_loop):
    err, out, errout = run_exec(run_loop, child_process.execFile, 'nonexistent-xyz', ['a'])
    assert isinstance(err, FileNotFoundError)
    assert (err.code, err.syscall, err.path, err.spawnargs) == ('ENOENT', 'spawn nonexistent-xyz',
                                                                'nonexistent-xyz', ['a'])
    assert (err.cmd, out, errout) == ('nonexistent-xyz a', '', '')


@pytest.mark.parametrize('call, code', [
    (lambda: child_process.exec(5), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.exec('echo \0x'), 'ERR_INVALID_ARG_VALUE'),
    (lambda: child_process.exec('x', {'timeout': -1}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.exec('x', {'timeout': 1.5}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.exec('x', {'timeout': True}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.exec('x', {'maxBuffer': -1}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.exec('x', {'maxBuffer': float('nan')}), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.exec('x', {'killSignal': 'SIGFOO'}), 'ERR_UNKNOWN_SIGNAL'),
    (lambda: child_process.exec('x', {'nope': 1}), 'ERR_INVALID_ARG_VALUE'),
    (lambda: child_process.exec('x', {}, 'not a function'), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.execFile('/bin/echo', 'x', lambda *a: None), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.execFile('/bin/echo', [1]), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.execFile('/bin/echo\0x'), 'ERR_INVALID_ARG_VALUE'),
])
def test_exec_bad_arguments_raise_at_once_and_start_nothing(call, code):
    gc.collect()
    before = open_fd_count()
    assert_code(code, call)
    gc.collect()
    assert open_fd_count() == before


def test_exec_keeps_no_fd(run_loop):
    child_process.exec('true', lambda *a: None)
    run_loop(10)
    gc.collect()
    before = open_fd_count()
    for _ in range(5):
        child_process.exec('echo hi', lambda *a: None)
        child_process.exec('sleep 5', {'timeout': 1}, lambda *a: None)
        child_process.execFile('nonexistent-xyz', lambda *a: None)
    run_loop(20)
    gc.collect()
    assert open_fd_count() == before


@asyncio_loop_only
def test_promises_exec_resolves_with_stdout_and_stderr(arun):  # noqa: F811
    async def main():
        async with aio.attach():
            result = await cp_promises.exec('echo out; echo err >&2')
            assert result == {'stdout': 'out\n', 'stderr': 'err\n'}
            assert result.stdout == 'out\n'
            result = await cp_promises.execFile('/bin/echo', ['x'], encoding='buffer')
            assert result.stdout == b'x\n'
            with pytest.raises(child_process.CommandFailedError) as info:
                await cp_promises.exec('echo o; exit 2')
            assert (info.value.code, info.value.stdout) == (2, 'o\n')
    arun(main)


@asyncio_loop_only
def test_promises_cancelling_kills_the_child(arun, tmp_path):  # noqa: F811
    marker = tmp_path / 'finished'

    async def main():
        async with aio.attach():
            future = cp_promises.exec('sleep 0.3 && touch %s' % marker, killSignal='SIGKILL')
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(future, 0.1)
            await asyncio.sleep(0.5)
    arun(main)
    # The shell was killed before it could run touch.
    assert not marker.exists()


def test_exec_file_signal_option():
    """Node's test-child-process-execfile.js: arguments in the message and
    the exit code; shell: True; an AbortSignal aborted while the child runs,
    or before the call, fails it with AbortError (no 'signal' field) and
    kills the child; a signal that is no AbortSignal is
    ERR_INVALID_ARG_TYPE; completion removes the abort listener; execFile's
    stdout equals execFileSync's, with and without a shell."""
    script = 'import sys; sys.exit(int(sys.argv[1]))'
    calls = []
    child_process.execFile(sys.executable, ['-c', script, '42'], lambda *r: calls.append(('exit', r)))
    child_process.execFile(sys.executable, ['-c', '"%s"' % script, '0'], {'encoding': 'utf8', 'shell': True},
                           lambda *r: calls.append(('shell', r)))
    controller = net.AbortController()
    child = child_process.execFile('sleep', ['5'], {'signal': controller.signal},
                                   lambda *r: calls.append(('abort', r)))
    controller.abort()
    child_process.execFile('sleep', ['5'], {'signal': net.AbortSignal.abort()},
                           lambda *r: calls.append(('aborted', r)))
    done = net.AbortController()
    child_process.execFile('true', {'signal': done.signal}, lambda *r: calls.append(('done', r)))
    net.run()
    results = dict(calls)
    err = results['exit'][0]
    assert (str(err).strip(), err.code) == ('Command failed: %s -c %s 42' % (sys.executable, script), 42)
    assert results['shell'][0] is None and results['done'][0] is None
    for key in ('abort', 'aborted'):
        err = results[key][0]
        assert isinstance(err, errors.AbortError) and err.code == 'ABORT_ERR'
        assert not hasattr(err, 'signal')
    assert child.killed and child.signalCode == 'SIGTERM'
    assert done.signal.listenerCount('abort') == 0
    assert_code('ERR_INVALID_ARG_TYPE', lambda: child_process.execFile('true', {'signal': 'hello'}))
    for options in (None, {'shell': True}):
        expected = child_process.execFileSync('echo', ['foo', 'bar'], options)
        assert expected == b'foo bar\n'
        got = []
        child_process.execFile('echo', ['foo', 'bar'], options, lambda _, out, __: got.append(out))
        net.run()
        assert got == ['foo bar\n']


def test_exec_max_buffer_counts_bytes_and_keeps_characters(run_loop):
    """Node's test-child-process-exec-maxbuf.js: past maxBuffer (bytes), the
    chunk's head is kept: bytes without an encoding, characters of the
    text with one ('中文测试' is 4 characters, 12 bytes)."""
    unicode = '中文测试'
    out = 'import sys; sys.stdout.write(%r); sys.stdout.flush()' % (unicode + '\n')
    err = 'import sys; sys.stderr.write(%r); sys.stderr.flush()' % (unicode + '\n')
    cases = [
        ('echo hello world', {'maxBuffer': 5}, 'stdout', 'hello'),
        ([sys.executable, '-c', out], {'maxBuffer': 10}, 'stdout', unicode + '\n'),
        ([sys.executable, '-c', err], {'maxBuffer': 3}, 'stderr', '中文测'),
        ([sys.executable, '-c', err], {'maxBuffer': 5, 'encoding': 'buffer'}, 'stderr',
         (unicode + '\n').encode()[:5]),
    ]
    for command, options, stream, expected in cases:
        if isinstance(command, list):
            err_, stdout, stderr = run_exec(run_loop, child_process.execFile, command[0], command[1:], options)
        else:
            err_, stdout, stderr = run_exec(run_loop, child_process.exec, command, options)
        assert isinstance(err_, errors.ERR_CHILD_PROCESS_STDIO_MAXBUFFER) and isinstance(err_, ValueError)
        assert str(err_) == '%s maxBuffer length exceeded' % stream
        assert {'stdout': stdout, 'stderr': stderr}[stream] == expected
    # The default limit, 1 MiB, is exclusive; inf has none.
    big = "print('a' * %s)"
    err_, stdout, _ = run_exec(run_loop, child_process.execFile, sys.executable, ['-c', big % (1024 * 1024)])
    assert str(err_) == 'stdout maxBuffer length exceeded' and stdout == 'a' * (1024 * 1024)
    err_, stdout, _ = run_exec(run_loop, child_process.execFile, sys.executable, ['-c', big % (1024 * 1024 - 1)])
    assert err_ is None and stdout == 'a' * (1024 * 1024 - 1) + '\n'
    assert run_exec(run_loop, child_process.exec, 'echo hello world', maxBuffer=float('inf')) == (
        None, 'hello world\n', '')


def test_exec_kill_that_raises_is_the_error(run_loop, monkeypatch):
    """Node's test-child-process-exec-kill-throws.js: when kill() raises
    (after killing), that error is the callback's."""
    real_kill = child_process.ChildProcess.kill

    def kill_then_raise(self, signal=None):
        real_kill(self, signal)
        raise RuntimeError('mock error')
    monkeypatch.setattr(child_process.ChildProcess, 'kill', kill_then_raise)
    calls = []
    child = child_process.exec('echo foo', {'maxBuffer': 0, 'killSignal': 'SIGKILL'},
                               lambda *result: calls.append(result))
    run_loop(10)
    (err, stdout, stderr), = calls
    assert (str(err), stdout, stderr, child.killed) == ('mock error', '', '', True)


@asyncio_loop_only
def test_promises_node_promisified_forms(arun):  # noqa: F811
    """Node's test-child-process-promisified.js: the future's child is the
    ChildProcess; {stdout, stderr}; a missing command rejects naming it; a
    failure carries code, stdout and stderr."""
    failing = 'import sys; print(42); print(43, file=sys.stderr); sys.exit(1)'

    async def main():
        async with aio.attach():
            future = cp_promises.exec('%s -c "print(42)"' % sys.executable)
            assert isinstance(future.child, child_process.ChildProcess)
            assert await future == {'stdout': '42\n', 'stderr': ''}
            future = cp_promises.execFile(sys.executable, ['-c', 'print(42)'])
            assert isinstance(future.child, child_process.ChildProcess)
            assert await future == {'stdout': '42\n', 'stderr': ''}
            for future in (cp_promises.exec('doesntexist'), cp_promises.execFile('doesntexist', ['-p'])):
                with pytest.raises(Exception) as info:
                    await future
                assert 'doesntexist' in str(info.value)
            for future in (cp_promises.exec('%s -c "%s"' % (sys.executable, failing)),
                           cp_promises.execFile(sys.executable, ['-c', failing])):
                with pytest.raises(child_process.CommandFailedError) as info:
                    await future
                assert (info.value.code, info.value.stdout, info.value.stderr) == (1, '42\n', '43\n')
    arun(main)


def test_exec_error_codes_of_a_missing_command(run_loop):
    """Node's test-child-process-exec-error.js: exec() gets the shell's 127,
    execFile() the spawn's ENOENT; both errors' cmd names the command."""
    calls = []
    child_process.exec('does-not-exist', lambda err, *_: calls.append(('exec', err.code, err.cmd)))
    child_process.execFile('does-not-exist', lambda err, *_: calls.append(('execFile', err.code, err.cmd)))
    run_loop(10)
    assert sorted(calls) == [('exec', 127, 'does-not-exist'), ('execFile', 'ENOENT', 'does-not-exist')]
