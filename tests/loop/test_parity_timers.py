"""Timers as Node's: they count from when they are set, and a delay above
2**31-1 ms warns (TimeoutOverflowWarning) before it is changed."""
import time
import warnings

import pytest

import pyuvnet as net

BLOCK_S = 0.3
DELAY_MS = 100


def blocked_then(arm, run_loop):
    """From a callback: block the loop for BLOCK_S, then ``arm(fired)``,
    where ``fired()`` records when it is called.  Returns ms from the arming
    to the first firing."""
    stamps = {}

    def fired(*_):
        stamps.setdefault('fired', time.monotonic())

    def on_immediate():
        time.sleep(BLOCK_S)          # a callback that keeps the loop busy
        stamps['armed'] = time.monotonic()
        arm(fired)
    net.setImmediate(on_immediate)
    run_loop()
    return (stamps['fired'] - stamps['armed']) * 1000


def test_set_timeout_counts_from_when_it_is_set(run_loop):
    """Node 20: setImmediate(() => { busy 300 ms; t0 = now; setTimeout(f,
    100) }) fires f 104 ms after t0, not at once."""
    waited = blocked_then(lambda fired: net.setTimeout(fired, DELAY_MS), run_loop)
    assert waited >= DELAY_MS - 2


def test_set_interval_counts_from_when_it_is_set(run_loop):
    """Node 20: the same with setInterval(f, 100): first call 107 ms later."""
    def arm(fired):
        timer = net.setInterval(lambda: (fired(), timer.close()), DELAY_MS)
    waited = blocked_then(arm, run_loop)
    assert waited >= DELAY_MS - 2


def test_socket_idle_timeout_counts_from_when_it_is_set(run_loop):
    """Node 20: the same with new net.Socket().setTimeout(100, f): 'timeout'
    116 ms later."""
    def arm(fired):
        sock = net.Socket()
        # The idle timer is unref'd, as Node's: this one keeps run() going.
        keep_running = net.setTimeout(lambda: None, DELAY_MS * 3)

        def on_timeout():
            fired()
            sock.destroy()
            keep_running.close()
        sock.setTimeout(DELAY_MS, on_timeout)
    waited = blocked_then(arm, run_loop)
    assert waited >= DELAY_MS - 2


def test_set_timeout_above_int32_warns_and_runs_in_1_ms(run_loop):
    """Node 20: setTimeout(f, 2 ** 31) prints "TimeoutOverflowWarning:
    2147483648 does not fit into a 32-bit signed integer.\\nTimeout duration
    was set to 1." and f runs at once; the same for 1e300 ("1e+300") and
    setInterval."""
    fired = []
    with pytest.warns(net.TimeoutOverflowWarning) as caught:
        net.setTimeout(lambda: fired.append('timeout'), 2 ** 31)
        interval = net.setInterval(lambda: (fired.append('interval'), interval.close()), 1e300)
        net.setTimeout(lambda: fired.append('huge'), 10 ** 400)
    messages = [str(w.message) for w in caught]
    assert messages[0] == ('2147483648 does not fit into a 32-bit signed integer.\n'
                           'Timeout duration was set to 1.')
    assert messages[1].startswith('1e+300 does not fit')
    assert messages[2].startswith('Infinity does not fit')
    assert all(w.filename == __file__ for w in caught)
    run_loop(timeout=2)
    assert sorted(fired) == ['huge', 'interval', 'timeout']


def test_socket_timeout_above_int32_is_truncated_with_a_warning():
    """Node 20: new net.Socket().setTimeout(30 days) prints
    "TimeoutOverflowWarning: 2592000000 does not fit into a 32-bit signed
    integer.\\nTimer duration was truncated to 2147483647." and
    socket.timeout stays 2592000000."""
    sock = net.Socket()
    with pytest.warns(net.TimeoutOverflowWarning) as caught:
        sock.setTimeout(30 * 24 * 3600 * 1000)
    assert str(caught[0].message) == ('2592000000 does not fit into a 32-bit signed integer.\n'
                                      'Timer duration was truncated to 2147483647.')
    assert caught[0].filename == __file__
    assert sock.timeout == 30 * 24 * 3600 * 1000
    assert repr(sock._idle.timer) == '<Timeout delay=2147483647 repeat=False>'
    sock.destroy()


@pytest.mark.parametrize('timeout', [float('inf'), 10 ** 400])
def test_socket_timeout_of_infinity_is_out_of_range(timeout):
    """Node 20: socket.setTimeout(Infinity) (and 1e400, which is Infinity)
    throws ERR_OUT_OF_RANGE; a Python int beyond any float is the same."""
    sock = net.Socket()
    with pytest.raises(net.NodeError) as info:
        sock.setTimeout(timeout)
    assert info.value.code == 'ERR_OUT_OF_RANGE'
    sock.destroy()


def test_set_timeout_on_a_destroyed_socket_does_nothing(run_loop):
    """Node 20: const s = new net.Socket(); s.destroy();
    s.setTimeout(100000, cb) returns s, adds no 'timeout' listener, leaves
    s.timeout undefined and keeps nothing alive; s.setTimeout('abc') does
    not throw."""
    sock = net.Socket()
    sock.destroy()
    assert sock.setTimeout(100000, lambda: None) is sock
    assert sock.setTimeout('abc') is sock
    assert sock.listenerCount('timeout') == 0
    assert sock.timeout is None
    started = time.monotonic()
    run_loop(timeout=2)
    assert time.monotonic() - started < 1


def test_no_warning_at_the_largest_delay():
    """Node 20: setTimeout(f, 2 ** 31 - 1) prints no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        net.setTimeout(lambda: None, 2 ** 31 - 1).close()
        sock = net.Socket()
        sock.setTimeout(2 ** 31 - 1)
        sock.destroy()


@pytest.mark.parametrize('msecs, shown', [(-1, '-1'), (float('nan'), 'nan'), (-0.5, '-0.5'),
                                          (float('inf'), 'inf')])
def test_socket_timeout_refuses_what_is_not_a_finite_number_at_least_0(msecs, shown):
    """Node 20: new net.Socket().setTimeout(-1) (NaN, Infinity too) throws
    ERR_OUT_OF_RANGE 'The value of "msecs" is out of range. It must be a
    non-negative finite number. Received -1'; nothing is armed."""
    sock = net.Socket()
    with pytest.raises(net.errors.ERR_OUT_OF_RANGE) as raised:
        sock.setTimeout(msecs)
    assert str(raised.value) == ('The value of "msecs" is out of range. It must be a '
                                 'non-negative finite number. Received ' + shown)
    assert sock.timeout is None
