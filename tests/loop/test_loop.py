"""The loop: Node's ordering of nextTick, microtasks, immediates and timers,
run() lifetime, exceptions out of run() and resuming, stop()."""
import threading

import pytest

import pyuvnet as net


def test_next_tick_runs_before_immediates_and_timers(run_loop):
    log = []
    net.setTimeout(lambda: log.append('timeout'), 0)
    net.setImmediate(lambda: log.append('immediate'))
    net.nextTick(lambda: log.append('tick'))
    run_loop()
    assert log[0] == 'tick'
    assert sorted(log[1:]) == ['immediate', 'timeout']


def test_next_tick_passes_arguments(run_loop):
    log = []
    net.nextTick(lambda *a: log.append(a), 1, 'two', None)
    run_loop()
    assert log == [(1, 'two', None)]


def test_next_tick_queue_drains_between_two_timer_callbacks(run_loop):
    log = []

    def first():
        log.append('timer 1')
        net.nextTick(lambda: log.append('tick from timer 1'))
        net.queueMicrotask(lambda: log.append('microtask from timer 1'))

    net.setTimeout(first, 5)
    net.setTimeout(lambda: log.append('timer 2'), 5)
    run_loop()
    assert log == ['timer 1', 'tick from timer 1', 'microtask from timer 1', 'timer 2']


def test_next_tick_queue_drains_between_two_immediates(run_loop):
    log = []

    def first():
        log.append('immediate 1')
        net.nextTick(lambda: log.append('tick'))
    net.setImmediate(first)
    net.setImmediate(lambda: log.append('immediate 2'))
    run_loop()
    assert log == ['immediate 1', 'tick', 'immediate 2']


def test_queue_microtask_runs_after_next_tick(run_loop):
    log = []
    net.queueMicrotask(lambda: log.append('microtask'))
    net.nextTick(lambda: log.append('tick'))
    run_loop()
    assert log == ['tick', 'microtask']


def test_ticks_queued_by_ticks_run_before_microtasks(run_loop):
    log = []

    def t1():
        log.append('t1')
        net.nextTick(lambda: log.append('t2'))
    net.queueMicrotask(lambda: log.append('m1'))
    net.nextTick(t1)
    run_loop()
    assert log == ['t1', 't2', 'm1']


def test_next_tick_queued_from_a_microtask_waits_for_the_queued_microtasks(run_loop):
    # Node drains the whole microtask queue before looking at nextTick
    # again: (checked with node v20) t1, t3, m1, m2, m3, t2.
    log = []

    def m1():
        log.append('m1')
        net.nextTick(lambda: log.append('t2'))

    def t1():
        log.append('t1')
        net.queueMicrotask(lambda: log.append('m3'))
        net.nextTick(lambda: log.append('t3'))
    net.queueMicrotask(m1)
    net.queueMicrotask(lambda: log.append('m2'))
    net.nextTick(t1)
    run_loop()
    assert log == ['t1', 't3', 'm1', 'm2', 'm3', 't2']


def test_immediate_runs_before_a_zero_timeout_scheduled_from_an_io_callback(listening_server,
                                                                           run_loop):
    log = []
    server, port = listening_server(lambda sock: sock.end())
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        # An I/O callback: the check phase (immediates) comes before the
        # next timers phase.
        net.setTimeout(lambda: log.append('timeout'), 0)
        net.setImmediate(lambda: log.append('immediate'))
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == ['immediate', 'timeout']


def test_immediate_runs_before_a_zero_timeout_scheduled_from_a_data_callback(listening_server,
                                                                            run_loop):
    log = []
    server, port = listening_server(lambda sock: sock.end(b'x'))
    client = net.connect(port, '127.0.0.1')

    def on_data(_):
        for i in range(3):
            net.setTimeout(lambda i=i: log.append('timeout %d' % i), 0)
            net.setImmediate(lambda i=i: log.append('immediate %d' % i))
    client.on('data', on_data)
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == ['immediate 0', 'immediate 1', 'immediate 2',
                   'timeout 0', 'timeout 1', 'timeout 2']


def test_run_returns_at_once_with_nothing_to_do(run_loop):
    run_loop()
    run_loop()


def test_run_returns_at_once_with_only_unrefed_timers(run_loop):
    fired = []
    t = net.setTimeout(lambda: fired.append('timeout'), 60000)
    t.unref()
    i = net.setInterval(lambda: fired.append('interval'), 50000)
    i.unref()
    run_loop(timeout=3)          # a ref'd 60 s timer would make this fail
    assert fired == []
    t.close()
    i.close()


def test_pending_next_ticks_run_when_run_starts(run_loop):
    log = []
    net.nextTick(lambda: log.append('tick'))
    assert log == []
    run_loop()
    assert log == ['tick']


def test_exception_from_a_timer_is_raised_from_run_and_run_resumes(run_loop):
    log = []

    def boom():
        log.append('boom')
        raise KeyError('from a timer')
    net.setTimeout(boom, 1)
    net.setTimeout(lambda: log.append('later'), 30)
    with pytest.raises(KeyError, match='from a timer'):
        run_loop()
    assert log == ['boom']
    run_loop()
    assert log == ['boom', 'later']


def test_exception_traceback_points_at_the_listener(run_loop):
    def failing_listener():
        raise ZeroDivisionError('x')
    net.setTimeout(failing_listener, 1)
    with pytest.raises(ZeroDivisionError) as info:
        run_loop()
    names = [entry.name for entry in info.traceback]
    assert 'failing_listener' in names


def test_exception_from_next_tick_keeps_the_rest_of_the_queue(run_loop):
    log = []

    def boom():
        raise ValueError('tick failed')
    net.nextTick(lambda: log.append(1))
    net.nextTick(boom)
    net.nextTick(lambda: log.append(3))
    with pytest.raises(ValueError):
        run_loop()
    assert log == [1]
    run_loop()
    assert log == [1, 3]


def test_exception_from_a_tick_before_the_loop_started_then_run_resumes_timers(run_loop):
    # The tick raises while run() drains the queue before entering libuv;
    # the next run() must still run the loop to completion.
    log = []

    def boom():
        raise ValueError('early')
    net.nextTick(boom)
    net.setTimeout(lambda: log.append('timer'), 20)
    with pytest.raises(ValueError):
        run_loop()
    run_loop()
    assert log == ['timer']


def test_exceptions_from_two_callbacks_are_raised_one_run_at_a_time(run_loop):
    def boom(n):
        raise RuntimeError(n)
    net.setImmediate(boom, 'first')
    net.setImmediate(boom, 'second')
    raised = []
    for _ in range(3):
        try:
            run_loop()
            break
        except RuntimeError as exc:
            raised.append(str(exc))
    assert raised == ['first', 'second']


def test_stop_makes_run_return_early_and_run_continues_later(run_loop):
    count = [0]

    def tick():
        count[0] += 1
        if count[0] == 3:
            net.stop()
        if count[0] == 6:
            net.clearInterval(handle)
    handle = net.setInterval(tick, 2)
    run_loop()
    assert count[0] == 3
    run_loop()
    assert count[0] == 6


def test_run_inside_a_callback_is_refused(run_loop):
    errs = []

    def nested():
        try:
            net.run()
        except RuntimeError as exc:
            errs.append(exc)
    net.setTimeout(nested, 1)
    run_loop()
    assert len(errs) == 1


def test_each_thread_has_its_own_loop():
    main_loop = net.get_loop()
    assert net.get_loop() is main_loop
    other = []

    def worker():
        other.append(net.get_loop())
        log = []
        net.setTimeout(lambda: log.append('ran in thread'), 1)
        net.run()
        other.append(log)
    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert other[0] is not main_loop
    assert other[1] == ['ran in thread']


@pytest.mark.parametrize('bad', [None, 'not callable', 42])
def test_next_tick_and_queue_microtask_reject_non_callables(bad):
    for fn in (net.nextTick, net.queueMicrotask):
        with pytest.raises(net.NodeError) as info:
            fn(bad)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
        assert isinstance(info.value, TypeError)


def test_loop_now_advances(run_loop):
    loop = net.get_loop()
    start = loop.now()
    seen = []
    net.setTimeout(lambda: seen.append(loop.now()), 20)
    run_loop()
    assert seen[0] - start >= 19
