"""child_process.spawnSync(), execSync() and execFileSync().

What each test pins was printed by /usr/bin/node (v20), e.g.:

    spawnSync('/bin/sh', ['-c', 'echo out; echo err >&2; exit 2'])
        // {status: 2, signal: null, output: [null, <out>, <err>], pid, stdout, stderr}
    spawnSync('nonexistent-xyz', ['a'])
        // {error: 'spawnSync nonexistent-xyz ENOENT' (errno, code, syscall, path,
        //  spawnargs), status: null, signal: null, output: null, pid: 0, stdout: null, stderr: null}
    spawnSync('sleep', ['5'], {timeout: 100})
        // error ETIMEDOUT 'spawnSync sleep ETIMEDOUT', signal 'SIGTERM', status null
    spawnSync(sh, [.. 'head -c 1000 /dev/zero'], {maxBuffer: 10})  // error ENOBUFS
    spawnSync('cat', {input: 'héllo', encoding: 'latin1'})  // input encoded with encoding
    execSync('echo o; echo e >&2; exit 4', {stdio: 'pipe'})
        // throws 'Command failed: echo o; echo e >&2; exit 4\\ne\\n' with status 4,
        // signal, output, pid, stdout, stderr
    execFileSync('nonexistent-xyz')  // throws the ENOENT error, err.error === err
    execSync('echo to-stderr >&2; exit 1')  // stderr also written to the parent's
    spawnSync('cat', {input: 5})     // ERR_INVALID_ARG_TYPE "options.stdio[0]"
    spawnSync('echo', {encoding: 'bogus'}) // ERR_UNKNOWN_ENCODING

Node's test-child-process-spawnsync*.js and test-child-process-execsync*.js
cover the same ground.
"""
import gc
import subprocess
import sys
import textwrap

import pytest

import pyuvnet as net
from pyuvnet import child_process
from support import assert_code, open_fd_count


def test_spawn_sync_result_has_nodes_fields():
    result = child_process.spawnSync('/bin/sh', ['-c', 'echo out; echo err >&2; exit 2'])
    assert result == {'status': 2, 'signal': None, 'output': [None, b'out\n', b'err\n'],
                      'pid': result.pid, 'stdout': b'out\n', 'stderr': b'err\n'}
    assert result.pid > 0 and 'error' not in result


def test_spawn_sync_encoding_decodes_every_pipe():
    result = child_process.spawn_sync('/bin/echo', ['x'], encoding='utf8')
    assert (result.stdout, result.stderr, result.output) == ('x\n', '', [None, 'x\n', ''])


def test_spawn_sync_missing_program():
    result = child_process.spawnSync('nonexistent-xyz', ['a'])
    err = result.error
    assert isinstance(err, FileNotFoundError)
    assert str(err) == 'spawnSync nonexistent-xyz ENOENT'
    assert (err.code, err.syscall, err.path, err.spawnargs) == (
        'ENOENT', 'spawnSync nonexistent-xyz', 'nonexistent-xyz', ['a'])
    assert {key: value for key, value in result.items() if key != 'error'} == {
        'status': None, 'signal': None, 'output': None, 'pid': 0, 'stdout': None, 'stderr': None}


def test_spawn_sync_timeout_kills_and_reports_etimedout():
    result = child_process.spawnSync('sleep', ['5'], {'timeout': 100})
    assert isinstance(result.error, TimeoutError)
    assert (result.error.code, str(result.error)) == ('ETIMEDOUT', 'spawnSync sleep ETIMEDOUT')
    assert (result.status, result.signal) == (None, 'SIGTERM')
    result = child_process.spawnSync('sleep', ['5'], timeout=100, killSignal='SIGKILL')
    assert result.signal == 'SIGKILL'


def test_spawn_sync_max_buffer_kills_and_reports_enobufs():
    result = child_process.spawnSync('/bin/sh', ['-c', 'head -c 100000 /dev/zero; sleep 5'], maxBuffer=10)
    assert (result.error.code, str(result.error)) == ('ENOBUFS', 'spawnSync /bin/sh ENOBUFS')
    assert result.signal == 'SIGTERM' and len(result.stdout) > 10


def test_spawn_sync_input_is_written_to_stdin_in_the_encoding():
    assert child_process.spawnSync('cat', input='hello').stdout == b'hello'
    assert child_process.spawnSync('cat', input=bytearray(b'\x00\xff')).stdout == b'\x00\xff'
    assert child_process.spawnSync('cat', input='héllo', encoding='latin1').stdout == 'héllo'
    # A child that reads none of a large input still ends the call.
    assert child_process.spawnSync('true', input='x' * 1_000_000).status == 0


def test_spawn_sync_stdio_inherit_has_no_output_entry():
    code = textwrap.dedent('''
        from pyuvnet import child_process
        r = child_process.spawnSync('/bin/sh', ['-c', 'echo a; echo b >&2'], stdio=['pipe', 'inherit', 'pipe'])
        print(r.output, r.stdout)
    ''')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=30).stdout
    assert out == "a\n[None, None, b'b\\n'] None\n"


def test_spawn_sync_runs_no_callback_of_the_calling_loop(run_loop):
    fired = []
    net.setTimeout(lambda: fired.append('timer'), 0)
    net.setImmediate(lambda: fired.append('immediate'))
    result = child_process.spawnSync('sleep', ['0.05'])
    assert (result.status, fired) == (0, [])
    run_loop()
    assert fired == ['immediate', 'timer'] or fired == ['timer', 'immediate']


def test_exec_sync_returns_stdout():
    assert child_process.execSync('echo hi') == b'hi\n'
    assert child_process.exec_sync('echo hi', encoding='utf8') == 'hi\n'
    assert child_process.execSync('cat', input='in') == b'in'


def test_exec_sync_failure_carries_the_result():
    with pytest.raises(child_process.CommandFailedError) as info:
        child_process.execSync('echo o; echo e >&2; exit 4', stdio='pipe')
    err = info.value
    assert str(err) == 'Command failed: echo o; echo e >&2; exit 4\ne\n'
    assert (err.status, err.signal, err.stdout, err.stderr) == (4, None, b'o\n', b'e\n')
    assert err.output == [None, b'o\n', b'e\n'] and err.pid > 0
    with pytest.raises(child_process.CommandFailedError) as info:
        child_process.execSync('kill -9 $$')
    assert (str(info.value), info.value.status, info.value.signal) == (
        'Command failed: kill -9 $$', None, 'SIGKILL')


def test_exec_sync_passes_stderr_on_unless_stdio_is_given(capfd):
    with pytest.raises(child_process.CommandFailedError) as info:
        child_process.execSync('echo to-stderr >&2; exit 1')
    assert str(info.value) == 'Command failed: echo to-stderr >&2; exit 1\nto-stderr\n'
    assert capfd.readouterr().err == 'to-stderr\n'
    child_process.execSync('echo quiet >&2', stdio='pipe')
    assert capfd.readouterr().err == ''


def test_exec_file_sync():
    assert child_process.execFileSync('/bin/echo', ['a b', '$HOME']) == b'a b $HOME\n'
    with pytest.raises(child_process.CommandFailedError) as info:
        child_process.execFileSync('/bin/sh', ['-c', 'echo o; exit 5'], {'stdio': 'pipe'})
    assert str(info.value) == 'Command failed: /bin/sh -c echo o; exit 5'
    assert (info.value.status, info.value.stdout) == (5, b'o\n')


def test_exec_file_sync_missing_program_raises_the_spawn_error():
    with pytest.raises(FileNotFoundError) as info:
        child_process.execFileSync('nonexistent-xyz')
    err = info.value
    assert str(err) == 'spawnSync nonexistent-xyz ENOENT' and err.error is err
    assert (err.status, err.output, err.pid, err.stdout) == (None, None, 0, None)


def test_exec_sync_timeout_raises_etimedout():
    with pytest.raises(TimeoutError) as info:
        child_process.execSync('sleep 5', timeout=100)
    assert (info.value.code, info.value.signal, info.value.syscall) == ('ETIMEDOUT', 'SIGTERM', 'spawnSync /bin/sh')


@pytest.mark.parametrize('call, code', [
    (lambda: child_process.spawnSync(5), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.spawnSync('/bin/echo', 'x'), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.spawnSync('/bin/echo\0'), 'ERR_INVALID_ARG_VALUE'),
    (lambda: child_process.spawnSync('cat', input=5), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.spawnSync('cat', timeout=-1), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawnSync('cat', maxBuffer='x'), 'ERR_OUT_OF_RANGE'),
    (lambda: child_process.spawnSync('cat', killSignal='NOPE'), 'ERR_UNKNOWN_SIGNAL'),
    (lambda: child_process.spawnSync('echo', encoding='bogus'), 'ERR_UNKNOWN_ENCODING'),
    (lambda: child_process.spawnSync('echo', stdio=['pipe', 'ipc', 'ipc']), 'ERR_IPC_SYNC_FORK'),
    (lambda: child_process.execSync('echo', stdio=['pipe', 'pipe', 'pipe', 'ipc']), 'ERR_IPC_SYNC_FORK'),
    (lambda: child_process.execSync(['ls']), 'ERR_INVALID_ARG_TYPE'),
    (lambda: child_process.execFileSync('echo', {'bogus': 1}), 'ERR_INVALID_ARG_VALUE'),
])
def test_sync_bad_arguments_raise_at_once_and_keep_no_fd(call, code):
    gc.collect()
    before = open_fd_count()
    assert_code(code, call)
    gc.collect()
    assert open_fd_count() == before


def test_sync_calls_keep_no_fd_and_no_thread():
    """Each call's thread and loop are gone when it returns. (Threads and
    fds of earlier tests may still be closing meanwhile: fewer is fine.)"""
    import threading
    child_process.spawnSync('true')
    gc.collect()
    before = open_fd_count()
    for _ in range(10):
        child_process.spawnSync('/bin/echo', ['x'], input='y')
        child_process.spawnSync('nonexistent-xyz')
        child_process.spawnSync('sleep', ['1'], timeout=1)
    gc.collect()
    assert open_fd_count() <= before
    assert not [thread for thread in threading.enumerate() if thread.name == 'pyuvnet spawnSync']


def _spawn_sync_error_code(option, value):
    """What spawnSync('not_a_real_command', {option: value}) gives: the
    code it raises, or its result's error code (ENOENT when the options
    were good)."""
    try:
        return child_process.spawnSync('not_a_real_command', {option: value}).error.code
    except Exception as err:
        return err.code


@pytest.mark.parametrize('option, values, code', [
    ('cwd', [0, 1, True, False, [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('detached', [0, 1, '/tmp', [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('shell', [0, 1, [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('argv0', [0, 1, True, False, [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('windowsHide', [0, 1, '/tmp', [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('windowsVerbatimArguments', [0, 1, '/tmp', [], {}, print], 'ERR_INVALID_ARG_TYPE'),
    ('timeout', [-1, True, False, '/tmp', [], {}, print, float('nan'), float('inf'), 3.1, -3.1],
     'ERR_OUT_OF_RANGE'),
    ('maxBuffer', [-1, float('nan'), float('-inf'), True, False, '/tmp', [], {}, print],
     'ERR_OUT_OF_RANGE'),
    ('killSignal', ['SIGNOTAVALIDSIGNALNAME', 500, 0, -200, 3.14, 'constructor', 'toString'],
     'ERR_UNKNOWN_SIGNAL'),
    ('killSignal', [True, False, [], {}, print], 'ERR_INVALID_ARG_TYPE'),
])
def test_spawn_sync_validation_errors(option, values, code):
    """Node's test-child-process-spawnsync-validation-errors.js: each bad
    value raises its code; each good one runs (and finds no such command).
    uid and gid are not among pyuvnet's options."""
    assert [_spawn_sync_error_code(option, value) for value in values] == [code] * len(values)


@pytest.mark.parametrize('option, values', [
    ('cwd', [None, '/tmp']),
    ('detached', [None, True, False]),
    ('shell', [None, False]),
    ('argv0', [None, 'myArgv0']),
    ('windowsHide', [None, True, False]),
    ('windowsVerbatimArguments', [None, True, False]),
    ('timeout', [None, 1, 0]),
    ('maxBuffer', [None, 1, 0, float('inf'), 3.14]),
    ('killSignal', [None, 'SIGKILL', 'sigkill', 'sigterm', 9, 15]),
])
def test_spawn_sync_validation_passes(option, values):
    """The values Node's test-child-process-spawnsync-validation-errors.js passes."""
    assert [_spawn_sync_error_code(option, value) for value in values] == ['ENOENT'] * len(values)


def test_exec_sync_max_buffer_keeps_what_was_read():
    """Node's test-child-process-execsync-maxbuf.js: past maxBuffer, ENOBUFS
    with the stdout read so far (a whole read, so more than the limit);
    maxBuffer=inf has no limit; the default limit is 1 MiB, exclusive."""
    command = '%s -c "print(%r)"' % (sys.executable, 'this is stdout')
    with pytest.raises(OSError) as info:
        child_process.execSync(command, maxBuffer=1)
    assert info.value.code == 'ENOBUFS'
    # What the first read (or reads) brought, past the limit of one byte.
    assert b'this is stdout\n'.startswith(info.value.stdout) and len(info.value.stdout) > 1
    assert child_process.execSync(command, maxBuffer=float('inf')) == b'this is stdout\n'
    with pytest.raises(OSError) as info:
        child_process.execFileSync(sys.executable, ['-c', "print('a' * 1024 * 1024)"])
    assert info.value.code == 'ENOBUFS'
    out = child_process.execFileSync(sys.executable, ['-c', "print('a' * (1024 * 1024 - 1))"])
    assert out == b'a' * (1024 * 1024 - 1) + b'\n'


def test_spawn_sync_input_and_inherited_stdio():
    """Node's test-child-process-spawnsync-input.js: input as str, bytes or
    a bytes-like view; stdio 'inherit' in a grandchild gives its output to
    the child's own pipes; encoding decodes both."""
    child = textwrap.dedent('''
        import sys
        from pyuvnet import child_process
        stdio = 'inherit' if sys.argv[1] == '1' else ['inherit'] * 3
        r = child_process.spawnSync(sys.executable, ['-c', 'import sys; print("out"); print("err", file=sys.stderr)'],
                                    stdio=stdio)
        assert r.status == 0 and 'error' not in r and r.output == [None, None, None]
    ''')
    for variant in ('1', '2'):
        result = child_process.spawnSync(sys.executable, ['-c', child, variant])
        assert (result.status, result.stdout, result.stderr) == (0, b'out\n', b'err\n')
    for given in ('hello world', b'hello world', memoryview(b'hello world'), bytearray(b'hello world')):
        result = child_process.spawnSync('cat', [], {'input': given})
        assert (result.status, result.stdout, result.stderr) == (0, b'hello world', b'')
    result = child_process.spawnSync(
        sys.executable, ['-c', 'import sys; print("o"); print("e", file=sys.stderr)'], encoding='utf8')
    assert (result.stdout, result.stderr) == ('o\n', 'e\n')


def test_spawn_sync_basics_from_nodes_test():
    """Node's test-child-process-spawnsync.js: status 0; a missing command's
    error fields (errno positive here, as every pyuvnet system error); cwd;
    'buffer' is the default encoding and 'utf8' decodes every output."""
    assert child_process.spawnSync('sleep', ['0']).status == 0
    err = child_process.spawnSync('command_does_not_exist', ['bar']).error
    assert (err.code, err.errno, err.syscall, err.path, err.spawnargs) == (
        'ENOENT', 2, 'spawnSync command_does_not_exist', 'command_does_not_exist', ['bar'])
    assert child_process.spawnSync('pwd', [], {'cwd': '/'}).stdout == b'/\n'
    plain = child_process.spawnSync('pwd', cwd='/')
    assert plain.output == child_process.spawnSync('pwd', cwd='/', encoding='buffer').output
    assert child_process.spawnSync('pwd', cwd='/', encoding='utf8').output == [
        None, plain.stdout.decode(), plain.stderr.decode()]
