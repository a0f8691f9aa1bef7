"""Loop.call_soon_threadsafe: other threads hand calls to a loop, which a
libuv async handle wakes to run them on its own thread, in order, without
asyncio; the handle never keeps run() alive by itself (thread_work_started
does), and it is closed with the loop."""
import threading

import pytest

import pyuvnet as net
from pyuvnet import _uv

pytestmark = pytest.mark.timeout(30)


def in_thread(target):
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_calls_from_threads_run_on_the_loops_thread_in_order(run_loop):
    loop = net.get_loop()
    seen = []

    def worker():
        for i in range(100):
            loop.call_soon_threadsafe(lambda i=i: seen.append((i, threading.get_ident())))
        loop.call_soon_threadsafe(loop.thread_work_done)

    loop.thread_work_started()
    thread = in_thread(worker)
    run_loop()
    thread.join()
    assert seen == [(i, threading.get_ident()) for i in range(100)]


def test_the_handle_alone_does_not_keep_run_alive():
    loop = net.Loop()
    loop.call_soon_threadsafe(print)    # queued, but nothing is ref'd
    loop.run()
    assert not loop.alive()
    loop.close()


def test_thread_work_keeps_the_loop_alive_until_it_is_done():
    loop = net.Loop()
    ticks = []

    def worker():
        threading.Event().wait(0.1)
        loop.call_soon_threadsafe(lambda: (loop.next_tick(ticks.append, 'tick'), ticks.append('call')))
        loop.call_soon_threadsafe(loop.thread_work_done)

    loop.thread_work_started()
    loop.thread_work_started()
    loop.thread_work_done()
    thread = in_thread(worker)
    loop.run()                           # returns once the work is done
    thread.join()
    assert ticks == ['call', 'tick']     # nextTicks drain after each call
    assert not loop.alive()
    with pytest.raises(RuntimeError, match='without thread_work_started'):
        loop.thread_work_done()
    loop.close()


def test_an_exception_is_raised_by_run_and_the_rest_run_next_time():
    loop = net.Loop()
    seen = []

    def fail():
        raise ValueError('boom')

    loop.thread_work_started()
    loop.call_soon_threadsafe(seen.append, 1)
    loop.call_soon_threadsafe(fail)
    loop.call_soon_threadsafe(seen.append, 2)
    loop.call_soon_threadsafe(loop.thread_work_done)
    with pytest.raises(ValueError, match='boom'):
        loop.run()
    assert seen == [1]
    loop.run()
    assert seen == [1, 2] and not loop.alive()
    loop.close()


def test_a_closed_loop_refuses_calls_and_a_threads_loop_closes_its_handle():
    loop = net.Loop()
    loop.close()
    with pytest.raises(RuntimeError, match='this pyuvnet loop is closed'):
        loop.call_soon_threadsafe(print)
    with pytest.raises(RuntimeError, match='this pyuvnet loop is closed'):
        loop.thread_work_started()
    with pytest.raises(TypeError):
        net.get_loop().call_soon_threadsafe(None)
    loops = []
    # A thread's loop, closed as the thread ends, with a call still queued.
    thread = in_thread(lambda: (loops.append(_uv.get_loop()),
                                loops[0].call_soon_threadsafe(print)))
    thread.join()
    with pytest.raises(RuntimeError, match='this pyuvnet loop is closed'):
        loops[0].call_soon_threadsafe(print)
