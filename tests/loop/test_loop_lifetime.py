"""A thread's loop is closed and its fds released when the thread ends
(issue 10, part 5), whatever the thread left behind: handles closed after
its last run(), handles still open, a loop that never ran.

Node has one loop per process, released at exit; these are the same rules
for pyuvnet's loop per thread."""
import gc
import os
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

import pyuvnet as net

from support import linux_only

THREADS = 50


def fd_count():
    return len(os.listdir('/proc/self/fd'))


def run_threads(body, count=THREADS):
    errors = []

    def guarded():
        try:
            body()
        except BaseException as exc:       # reported in the main thread
            errors.append(exc)

    for _ in range(count):
        t = threading.Thread(target=guarded)
        t.start()
        t.join(10)
        assert not t.is_alive()
    assert not errors, errors
    gc.collect()


def timer_closed_after_run():
    t = net.setTimeout(net.stop, 10000)
    net.setTimeout(net.stop, 1)
    net.run()
    t.close()


def server_closed_after_run():
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    net.setTimeout(net.stop, 1)
    net.run()
    server.close()


def server_left_listening():
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    net.setTimeout(net.stop, 1)
    net.run()


def echo_then_left_open():
    """A connected pair left open, with a write still queued."""
    server = net.createServer(lambda sock: sock.on('data', sock.write))
    server.listen(0, '127.0.0.1')
    client = net.connect(server.address().port, '127.0.0.1')
    client.on('data', lambda data: net.stop())
    client.write(b'x')
    net.run()
    client.write(b'queued, never sent')


def loop_made_never_run():
    net.get_loop()


def full_run_then_nothing():
    net.setTimeout(lambda: None, 1)
    net.run()


@linux_only
@pytest.mark.parametrize('body', [
    timer_closed_after_run, server_closed_after_run, server_left_listening,
    echo_then_left_open, loop_made_never_run, full_run_then_nothing,
])
def test_fifty_threads_each_with_a_loop_leave_no_fd_behind(body):
    run_threads(body, 2)          # whatever is made once per process
    before = fd_count()
    run_threads(body)
    assert fd_count() == before


def test_a_server_left_listening_by_a_finished_thread_refuses_connections():
    ports = []

    def body():
        server = net.createServer()
        server.listen(0, '127.0.0.1')
        ports.append(server.address().port)

    run_threads(body, 1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', ports[0]), timeout=2).close()


def test_objects_of_a_finished_thread_stay_safe_to_use():
    """Handles a finished thread made, used afterwards from another thread:
    no crash, they act closed."""
    kept = []

    def body():
        kept.append(net.setTimeout(lambda: None, 10000))
        server = net.createServer()
        server.listen(0, '127.0.0.1')
        kept.append(server)
        net.setTimeout(net.stop, 1)
        net.run()

    run_threads(body, 1)
    timer, server = kept
    timer.refresh()
    timer.close()
    assert server.listening
    server.close()
    net.run()


def test_the_main_threads_loop_is_not_closed_by_a_thread_ending():
    loop = net.get_loop()
    run_threads(full_run_then_nothing, 3)
    assert net.get_loop() is loop
    net.setTimeout(lambda: None, 1)
    net.run()


def test_interpreter_exit_with_threads_loops_in_every_state():
    """A daemon thread still inside run(), a finished thread that left a
    closing handle, a lookup in libuv's threadpool: the process exits
    normally (the daemon's loop is never touched from another thread)."""
    script = textwrap.dedent('''
        import threading, time
        import pyuvnet as net

        def daemon():
            net.createServer().listen(0, '127.0.0.1')
            started.set()
            net.run()

        def finished():
            t = net.setTimeout(net.stop, 10000)
            net.setTimeout(net.stop, 1)
            net.run()
            t.close()

        def looking_up():
            net.connect(80, 'localhost').on('error', lambda err: None)

        started = threading.Event()
        threading.Thread(target=daemon, daemon=True).start()
        started.wait(5)
        for body in (finished, looking_up):
            t = threading.Thread(target=body)
            t.start()
            t.join()
        print('exiting', flush=True)
    ''')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'exiting\n'
    assert done.stderr == ''


# -- Loop.close(): the same closing, asked for --------------------------------

def on_own_loop(body):
    """Runs ``body`` with a fresh loop as the thread's current one, then
    closes that loop; returns it."""
    from pyuvnet import _uv
    previous = _uv._thread_state.loop
    loop = _uv._thread_state.loop = net.Loop()
    try:
        body()
    finally:
        _uv._thread_state.loop = previous
    loop.close()
    return loop


@linux_only
@pytest.mark.parametrize('body', [
    timer_closed_after_run, server_closed_after_run, server_left_listening,
    echo_then_left_open, loop_made_never_run, full_run_then_nothing,
])
def test_closing_fifty_loops_leaves_no_fd_behind(body):
    on_own_loop(body)
    before = fd_count()
    for _ in range(THREADS):
        on_own_loop(body)
    assert fd_count() == before


def test_a_server_on_a_closed_loop_refuses_connections():
    ports = []

    def body():
        server = net.createServer()
        server.listen(0, '127.0.0.1')
        ports.append(server.address().port)

    on_own_loop(body)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', ports[0]), timeout=2).close()


def test_a_closed_loop_refuses_to_run_and_a_second_close_does_nothing():
    loop = on_own_loop(full_run_then_nothing)
    with pytest.raises(RuntimeError, match='this pyuvnet loop is closed'):
        loop.run()
    loop.close()
    assert not loop.alive() and loop.backend_fd() == -1


def test_objects_made_before_a_close_act_closed_or_say_so(run_loop):
    """Made on a loop that is then closed, used on the current one: no
    crash.  The timer acts closed; a socket's connect needs a handle on its
    own loop, and run() raises RuntimeError naming the closed loop."""
    made = {}

    def body():
        made['timer'] = net.setTimeout(lambda: None, 10000)
        made['socket'] = net.Socket()

    on_own_loop(body)
    made['timer'].refresh()
    made['timer'].close()
    made['socket'].connect(1, '127.0.0.1')
    with pytest.raises(RuntimeError, match='this pyuvnet loop is closed'):
        run_loop()


def test_a_close_whose_callbacks_queue_work_does_not_crash():
    """run() raised (an 'error' no one listened to) with a connection
    racing two addresses; closing the loop then runs the race's clean-up,
    which queues an immediate, makes a timer or writes: the loop's own
    handles are closing by then, and starting one crashed the interpreter
    (SIGSEGV). Work asked of a closing loop is dropped or refused, as of a
    closed one."""
    script = textwrap.dedent('''
        import pyuvnet as net
        taken = net.createServer()
        taken.listen(0, '127.0.0.1')
        port = taken.address().port
        net.createServer().listen(port, '127.0.0.1')   # EADDRINUSE, no listener

        def lookup(hostname, options, callback):
            net.setImmediate(callback, None, [{'address': '127.0.0.2', 'family': 4},
                                              {'address': '127.0.0.1', 'family': 4}])

        client = net.connect({'port': port, 'host': 'localhost', 'lookup': lookup})
        client.on('error', lambda err: None)
        try:
            net.run()
        except OSError as err:
            print('run raised', err.code)
        net.get_loop().close()
        try:
            net.setTimeout(print, 10)
        except RuntimeError as err:
            print(err)
    ''')
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'run raised EADDRINUSE\nthis pyuvnet loop is closed\n'


def test_a_running_loop_cannot_be_closed(run_loop):
    errors = []

    def try_close():
        try:
            net.get_loop().close()
        except RuntimeError as exc:
            errors.append(str(exc))

    net.setTimeout(try_close, 1)
    run_loop()
    assert errors == ['a running pyuvnet loop cannot be closed']
