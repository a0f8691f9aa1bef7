"""Node's timers: setTimeout/setInterval/setImmediate, their clear*
twins, Timeout/Immediate objects (ref, unref, hasRef, refresh, close) and
argument validation."""
import pytest

import pyuvnet as net


def now():
    return net.get_loop().now()


# -- setTimeout ------------------------------------------------------------------

def test_set_timeout_passes_arguments(run_loop):
    log = []
    net.setTimeout(lambda *a: log.append(a), 1, 'a', 2, None)
    run_loop()
    assert log == [('a', 2, None)]


def test_timeouts_fire_in_delay_order_and_creation_order_for_ties(run_loop):
    log = []
    net.setTimeout(lambda: log.append('30'), 30)
    net.setTimeout(lambda: log.append('10a'), 10)
    net.setTimeout(lambda: log.append('10b'), 10)
    net.setTimeout(lambda: log.append('1'), 1)
    run_loop()
    assert log == ['1', '10a', '10b', '30']


def test_timeout_waits_at_least_its_delay(run_loop):
    start = now()
    fired = []
    net.setTimeout(lambda: fired.append(now()), 40)
    run_loop()
    assert fired[0] - start >= 39


@pytest.mark.parametrize('delay', [0, -5, None, float('nan'), 0.2])
def test_out_of_range_delays_become_one_millisecond(run_loop, delay):
    # Node: a delay below 1 (or not a number) is 1 ms.
    fired = []
    net.setTimeout(lambda: fired.append(True), delay)
    run_loop(timeout=3)
    assert fired == [True]


def test_set_timeout_without_delay(run_loop):
    fired = []
    net.setTimeout(lambda: fired.append(True))
    run_loop()
    assert fired == [True]


def test_clear_timeout_cancels(run_loop):
    fired = []
    t = net.setTimeout(lambda: fired.append(True), 5)
    net.clearTimeout(t)
    run_loop()
    assert fired == []


def test_clear_timeout_from_another_timer_prevents_it(run_loop):
    log = []
    a = net.setTimeout(lambda: log.append('a'), 20)
    net.setTimeout(lambda: (net.clearTimeout(a), log.append('b')), 1)
    run_loop()
    assert log == ['b']


def test_clear_functions_accept_none():
    net.clearTimeout(None)
    net.clearInterval(None)
    net.clearImmediate(None)


def test_clear_functions_ignore_values_that_are_not_timers():
    # Node looks the value up among its timers and does nothing when it is
    # not one (clearTimeout('abc'), clearTimeout({}) and clearTimeout(123)
    # are all no-ops there).
    for junk in ('abc', 123, {}, object()):
        net.clearTimeout(junk)
        net.clearInterval(junk)
        net.clearImmediate(junk)


def test_clearing_twice_and_clearing_a_fired_timer_is_harmless(run_loop):
    t = net.setTimeout(lambda: None, 1)
    run_loop()
    net.clearTimeout(t)
    net.clearTimeout(t)
    u = net.setTimeout(lambda: None, 1)
    u.close()
    u.close()
    run_loop()



def test_a_timer_cleared_and_dropped_in_its_own_callback_is_freed_once(run_loop):
    # Its only reference goes inside its callback (an object's timer
    # replaced from its 'timeout', say): the close's hold keeps it until
    # libuv's close callback. Before, that hold was let go on the way out
    # of the callback, and the close callback read the freed timer.
    fired = []
    holder = {}

    def on_fire():
        fired.append('first')
        net.clearTimeout(holder.pop('timer'))
        holder['timer'] = net.setTimeout(lambda: fired.append('second'), 1)
    holder['timer'] = net.setTimeout(on_fire, 1)
    run_loop()
    assert fired == ['first', 'second']

@pytest.mark.parametrize('bad', [None, 'callback', 5, object()])
def test_non_callable_callback_is_err_invalid_arg_type(bad):
    for fn in (net.setTimeout, net.setInterval, net.setImmediate):
        with pytest.raises(net.NodeError) as info:
            fn(bad)
        assert info.value.code == 'ERR_INVALID_ARG_TYPE'
        assert isinstance(info.value, TypeError)


# -- Timeout objects -------------------------------------------------------------

def test_timeout_methods_return_the_timer(run_loop):
    t = net.setTimeout(lambda: None, 1)
    assert t.ref() is t
    assert t.unref() is t
    assert t.refresh() is t
    assert t.close() is t
    run_loop()


def test_has_ref_follows_ref_and_unref(run_loop):
    t = net.setTimeout(lambda: None, 1000)
    assert t.hasRef() is True
    t.unref()
    assert t.hasRef() is False
    t.ref()
    assert t.has_ref() is True
    t.close()
    run_loop()


def test_unrefed_timer_does_not_keep_run_going(run_loop):
    fired = []
    net.setTimeout(lambda: fired.append(True), 60000).unref()
    run_loop(timeout=3)
    assert fired == []


def test_unrefed_timer_still_fires_while_the_loop_runs_for_something_else(run_loop):
    log = []
    net.setTimeout(lambda: log.append('unrefed'), 5).unref()
    net.setTimeout(lambda: log.append('refed'), 40)
    run_loop()
    assert log == ['unrefed', 'refed']


def test_ref_again_keeps_the_loop_alive(run_loop):
    fired = []
    t = net.setTimeout(lambda: fired.append(True), 20)
    t.unref()
    t.ref()
    run_loop()
    assert fired == [True]


def test_refresh_postpones_the_timeout(run_loop):
    start = now()
    fired = []
    t = net.setTimeout(lambda: fired.append(now()), 60)
    net.setTimeout(t.refresh, 40)
    run_loop()
    assert len(fired) == 1
    # Restarted at ~40 ms with the same 60 ms delay.
    assert fired[0] - start >= 99


def test_refresh_in_its_own_callback_fires_it_again(run_loop):
    count = [0]

    def cb():
        count[0] += 1
        if count[0] == 1:
            t.refresh()
    t = net.setTimeout(cb, 5)
    run_loop()
    assert count[0] == 2


def test_refresh_of_an_unrefed_timer_keeps_it_unrefed(run_loop):
    fired = []
    t = net.setTimeout(lambda: fired.append(True), 60000)
    t.unref()
    t.refresh()
    run_loop(timeout=3)
    assert fired == []
    assert t.hasRef() is False
    t.close()


def test_refresh_of_a_cleared_timer_does_not_revive_it(run_loop):
    fired = []
    t = net.setTimeout(lambda: fired.append(True), 5)
    net.clearTimeout(t)
    t.refresh()
    run_loop()
    assert fired == []


# -- setInterval -----------------------------------------------------------------

def test_interval_clearing_itself_runs_exactly_that_many_times(run_loop):
    count = [0]

    def tick():
        count[0] += 1
        if count[0] == 5:
            net.clearInterval(handle)
    handle = net.setInterval(tick, 2)
    run_loop()
    assert count[0] == 5


def test_interval_passes_arguments_and_repeats(run_loop):
    log = []

    def tick(a, b):
        log.append((a, b))
        if len(log) == 3:
            handle.close()
    handle = net.setInterval(tick, 1, 'x', 'y')
    run_loop()
    assert log == [('x', 'y')] * 3


def test_interval_cleared_with_clear_timeout(run_loop):
    count = [0]

    def tick():
        count[0] += 1
        net.clearTimeout(handle)
    handle = net.setInterval(tick, 1)
    run_loop()
    assert count[0] == 1


def test_interval_spacing(run_loop):
    times = []

    def tick():
        times.append(now())
        if len(times) == 4:
            net.clearInterval(handle)
    handle = net.setInterval(tick, 15)
    run_loop()
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 14 for g in gaps), gaps


# -- setImmediate ---------------------------------------------------------------

def test_immediates_run_in_order_with_arguments(run_loop):
    log = []
    net.setImmediate(log.append, 1)
    net.setImmediate(log.append, 2)
    net.setImmediate(lambda *a: log.append(a), 'a', 'b')
    run_loop()
    assert log == [1, 2, ('a', 'b')]


def test_immediate_queued_by_an_immediate_runs_after_the_current_batch(run_loop):
    log = []

    def first():
        log.append('i1')
        net.setImmediate(lambda: log.append('i3'))
    net.setImmediate(first)
    net.setImmediate(lambda: log.append('i2'))
    run_loop()
    assert log == ['i1', 'i2', 'i3']


def test_immediate_queued_by_an_immediate_waits_for_the_next_loop_turn(run_loop):
    log = []

    def first():
        log.append('immediate 1')
        net.setTimeout(lambda: log.append('timeout'), 0)

        def second():
            log.append('immediate 2')
        net.setImmediate(second)
    net.setImmediate(first)
    run_loop()
    assert log[0] == 'immediate 1'
    assert set(log[1:]) == {'immediate 2', 'timeout'}


def test_clear_immediate_cancels_and_from_an_earlier_immediate(run_loop):
    log = []
    a = net.setImmediate(lambda: log.append('a'))
    net.clearImmediate(a)
    c = None

    def b():
        log.append('b')
        net.clearImmediate(c)
    net.setImmediate(b)
    c = net.setImmediate(lambda: log.append('c'))
    run_loop()
    assert log == ['b']


def test_unrefed_immediate_alone_does_not_run(run_loop):
    # Node: with nothing else alive the process ends without running it.
    log = []
    i = net.setImmediate(lambda: log.append('ran'))
    assert i.unref() is i
    assert i.hasRef() is False
    run_loop(timeout=3)
    assert log == []
    net.clearImmediate(i)


def test_unrefed_immediate_runs_while_something_else_keeps_the_loop_alive(run_loop):
    log = []
    net.setImmediate(lambda: log.append('immediate')).unref()
    net.setTimeout(lambda: log.append('timeout'), 20)
    run_loop()
    assert log == ['immediate', 'timeout']


def test_immediate_ref_after_unref_runs(run_loop):
    log = []
    i = net.setImmediate(lambda: log.append('ran'))
    i.unref()
    assert i.ref() is i
    assert i.hasRef() is True
    run_loop()
    assert log == ['ran']


def test_snake_case_timer_names(run_loop):
    log = []
    t = net.set_timeout(lambda: log.append('t'), 1)
    assert t.has_ref() is True
    net.set_immediate(lambda: log.append('i'))
    h = net.set_interval(lambda: (log.append('iv'), net.clear_interval(h)), 1)
    x = net.set_timeout(lambda: log.append('x'), 1)
    net.clear_timeout(x)
    y = net.set_immediate(lambda: log.append('y'))
    net.clear_immediate(y)
    net.next_tick(lambda: log.append('tick'))
    net.queue_microtask(lambda: log.append('micro'))
    run_loop()
    assert log[:2] == ['tick', 'micro']
    assert sorted(log[2:]) == ['i', 'iv', 't']
