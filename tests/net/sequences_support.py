"""Random operation sequences over a connected pair of sockets (issue 13).

A hypothesis state machine: a TCP or unix-socket pair, allowHalfOpen on or
off, then any sequence of Node's calls on either end (write, end, destroy,
destroySoon, resetAndDestroy, pause, resume, cork, uncork, setTimeout, ref,
unref, setNoDelay, setKeepAlive), with a few turns of the loop after every
call. It holds, after every step and at the end:

- each end received a prefix of what the other wrote, and all of it when
  nothing was destroyed and no error came;
- 'close' is emitted exactly once per socket, and no event after it;
- a call raises nothing, or a NodeError whose code is documented for it;
  no listener exception surfaces from the loop;
- once both are closed the loop finishes and the process has the fds it
  had before the pair.

tests/net/test_random_sequences.py runs it in the suite's budget; tests/stress
runs it longer.  tests/net/test_found_by_random_tests.py replays what it found.
"""
import contextlib
import gc
import os
import random
import shutil
import tempfile

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import pyuvnet as net

from support import open_fd_count

EVENTS = ('connect', 'ready', 'data', 'end', 'finish', 'drain', 'timeout', 'error', 'close')
# Errors a pair can report through 'error' or a write callback, by what the
# sequence did: writes after end() or destroy(), the peer's RST or FIN.
DOCUMENTED_ERRORS = {
    'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED',
    'ECONNRESET', 'EPIPE',
}
# Codes a call may raise synchronously: resetAndDestroy() on a unix socket.
DOCUMENTED_RAISES = {'ERR_INVALID_HANDLE_TYPE'}
SIDES = st.sampled_from((0, 1))
LOOP_TURNS = 4
TEARDOWN_SECONDS = 10


class End:
    """One socket of the pair and what the machine knows of it."""

    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.written = bytearray()       # what write() took while writable, in order
        self.written_before_end = None   # frozen at end()/destroySoon()
        self.received = bytearray()
        self.events = []
        self.closes = 0
        self.after_close = []
        self.errors = []
        self.destroyed_by_us = False
        self.corks = 0
        self.paused = False
        self.chunks = 0
        for name in EVENTS:
            sock.on(name, self._listener(name))

    def _listener(self, name):
        def on_event(*args):
            if self.closes:
                self.after_close.append((name, args))
            if name == 'data':
                self.received += args[0]
            elif name == 'close':
                self.closes += 1
            elif name == 'error':
                self.errors.append(getattr(args[0], 'code', repr(args[0])))
            self.events.append(name)
        return on_event

    def next_payload(self, size):
        self.chunks += 1
        return random.Random(self.index * 1_000_003 + self.chunks).randbytes(size)

    @property
    def sent(self):
        """What the peer may receive: every byte written before end()."""
        return self.written if self.written_before_end is None else self.written_before_end

    def freeze_writes(self):
        if self.written_before_end is None:
            self.written_before_end = bytes(self.written)


class ConnectedPair(RuleBasedStateMachine):
    """The machine; the loop is the test's own (tests/conftest.py)."""

    def __init__(self):
        super().__init__()
        self.ends = []
        self.sockdir = None
        gc.collect()     # an earlier test's loop, unreachable, closes its fds now
        self.fd_baseline = open_fd_count()
        self.loop = net.get_loop()

    # -- setting up --------------------------------------------------------

    @initialize(transport=st.sampled_from(('tcp', 'unix')), half_open=st.booleans())
    def connect_pair(self, transport, half_open):
        self.transport = transport
        self.half_open = half_open
        accepted = []
        server = net.createServer({'allowHalfOpen': half_open}, accepted.append)
        if transport == 'tcp':
            server.listen(0, '127.0.0.1')
            target = (server.address().port, '127.0.0.1')
        else:
            self.sockdir = tempfile.mkdtemp(prefix='pyuvseq', dir='/tmp')
            target = (os.path.join(self.sockdir, 's'),)
            server.listen(target[0])
        client = net.Socket({'allowHalfOpen': half_open})
        self.ends.append(End(client, 0))
        client.connect(*target)
        # Bounded: a timer wakes the poll, the deadline ends the wait.
        waker = net.setInterval(lambda: None, 50)
        waker.unref()
        deadline = self.loop.now() + 5000
        while not (accepted and client.readyState == 'open') and self.loop.now() < deadline:
            self.loop.run_once(True)
        waker.close()
        assert accepted and client.readyState == 'open', (
            'the pair did not connect in 5 s: %r' % (self.ends[0].events,))
        server.close()
        self.ends.append(End(accepted[0], 1))

    def turns(self):
        """A few turns of the loop: writes flush, reads arrive, ticks run."""
        for _ in range(LOOP_TURNS):
            self.loop.run_once(False)

    def call(self, end, method, *args):
        try:
            getattr(end.sock, method)(*args)
        except net.NodeError as err:
            assert err.code in DOCUMENTED_RAISES, '%s%r raised %r' % (method, args, err)
        self.turns()

    # -- the operations ----------------------------------------------------

    @rule(side=SIDES, size=st.integers(1, 200_000), with_callback=st.booleans())
    def write(self, side, size, with_callback):
        end = self.ends[side]
        data = end.next_payload(size)
        if not (end.sock.destroyed or end.sock.writableEnded):
            # Refused otherwise (an error to the callback): never sent.
            end.written += data
        args = (data, lambda *err: None) if with_callback else (data,)
        self.call(end, 'write', *args)

    @rule(side=SIDES)
    def end(self, side):
        self.ends[side].freeze_writes()
        self.call(self.ends[side], 'end')

    @rule(side=SIDES)
    def destroy(self, side):
        self.ends[side].destroyed_by_us = True
        self.ends[side].freeze_writes()
        self.call(self.ends[side], 'destroy')

    @rule(side=SIDES)
    def destroySoon(self, side):
        # It destroys once its FIN left: what the peer sends later is lost.
        self.ends[side].destroyed_by_us = True
        self.ends[side].freeze_writes()
        self.call(self.ends[side], 'destroySoon')

    @rule(side=SIDES)
    def resetAndDestroy(self, side):
        end = self.ends[side]
        if self.transport == 'tcp':
            end.destroyed_by_us = True
            end.freeze_writes()
        self.call(end, 'resetAndDestroy')

    @rule(side=SIDES)
    def pause(self, side):
        self.ends[side].paused = True
        self.call(self.ends[side], 'pause')

    @rule(side=SIDES)
    def resume(self, side):
        self.ends[side].paused = False
        self.call(self.ends[side], 'resume')

    @rule(side=SIDES)
    def cork(self, side):
        self.ends[side].corks += 1
        self.call(self.ends[side], 'cork')

    @rule(side=SIDES)
    def uncork(self, side):
        self.ends[side].corks = max(0, self.ends[side].corks - 1)
        self.call(self.ends[side], 'uncork')

    @rule(side=SIDES, ms=st.sampled_from((0, 1, 5, 30)))
    def setTimeout(self, side, ms):
        self.call(self.ends[side], 'setTimeout', ms)

    @rule(side=SIDES)
    def ref(self, side):
        self.call(self.ends[side], 'ref')

    @rule(side=SIDES)
    def unref(self, side):
        self.call(self.ends[side], 'unref')

    @rule(side=SIDES, enable=st.booleans())
    def setNoDelay(self, side, enable):
        self.call(self.ends[side], 'setNoDelay', enable)

    @rule(side=SIDES, enable=st.booleans(), delay=st.sampled_from((0, 500, 1000, 60_000)))
    def setKeepAlive(self, side, enable, delay):
        # A delay under a second is not applied, and says so (Node's
        # KeepAliveWarning); pytest makes any other one an error.
        expected = pytest.warns(net.KeepAliveWarning) if 0 < delay < 1000 else contextlib.nullcontext()
        with expected:
            self.call(self.ends[side], 'setKeepAlive', enable, delay)

    @rule(ms=st.sampled_from((1, 10, 40)))
    def let_time_pass(self, ms):
        """Timers (socket timeouts) get their chance."""
        fired = []
        # An interval, not a timeout: a timer that is already due when a
        # turn starts fires first thing, and a one-shot one then leaves
        # that turn's poll nothing to wake it (libuv's UV_RUN_ONCE blocks
        # while the sockets are idle).
        timer = net.setInterval(fired.append, ms, True)
        while not fired:
            self.loop.run_once(True)
        timer.close()

    # -- what must hold ----------------------------------------------------

    @invariant()
    def received_a_prefix_and_nothing_after_close(self):
        for end in self.ends:
            peer = self.ends[1 - end.index]
            assert peer.written.startswith(end.received), (
                'end %d received %d bytes that are not a prefix of what end %d wrote'
                % (end.index, len(end.received), peer.index))
            assert end.after_close == [], 'end %d: %r after close' % (end.index, end.after_close)
            assert end.closes <= 1, 'end %d: close emitted %d times' % (end.index, end.closes)
            unexpected = set(end.errors) - DOCUMENTED_ERRORS
            assert not unexpected, 'end %d: undocumented errors %r' % (end.index, unexpected)

    def teardown(self):
        try:
            if len(self.ends) == 2:
                self.finish_pair()
        finally:
            for end in self.ends:
                end.sock.destroy()
            if self.sockdir:
                shutil.rmtree(self.sockdir, ignore_errors=True)

    def finish_pair(self):
        """Both ends resumed, uncorked, ref'd and ended: the pair must close
        by itself, each end with all the other wrote unless something was
        destroyed or failed."""
        clean = not any(end.destroyed_by_us or end.errors for end in self.ends)
        for end in self.ends:
            for _ in range(end.corks):
                end.sock.uncork()
            end.sock.resume()
            end.sock.ref()
            end.freeze_writes()
            end.sock.end()
        expired = []
        watchdog = net.setTimeout(expired.append, TEARDOWN_SECONDS * 1000, True)
        watchdog.unref()
        deadline = self.loop.now() + TEARDOWN_SECONDS * 1000
        while self.loop.run_once(True) and not expired and self.loop.now() < deadline:
            if all(end.closes for end in self.ends):
                break
        watchdog.close()
        self.received_a_prefix_and_nothing_after_close()
        for end in self.ends:
            assert end.closes == 1, 'end %d did not close (events %r)' % (end.index, end.events[-8:])
        clean = clean and not any(end.destroyed_by_us or end.errors for end in self.ends)
        if clean:
            for end in self.ends:
                peer = self.ends[1 - end.index]
                assert bytes(end.received) == bytes(peer.sent), (
                    'end %d received %d of the %d bytes end %d sent'
                    % (end.index, len(end.received), len(peer.sent), peer.index))
        # Nothing left to keep the loop going, and every fd is back.
        for _ in range(100):
            if not self.loop.run_once(False):
                break
        assert not self.loop.alive(), 'the loop is still alive after both ends closed'
        assert open_fd_count() == self.fd_baseline, 'fds: %d before the pair, %d after' % (
            self.fd_baseline, open_fd_count())


def warm_up_loop():
    """One pair of each transport before any fd is counted: a loop opens
    some fds of its own on first use (libuv's async wakeup), for good."""
    for transport in ('tcp', 'unix'):
        machine = ConnectedPair()
        machine.connect_pair(transport, False)
        for end in machine.ends:
            end.sock.destroy()
        while machine.loop.run_once(False):
            pass
        shutil.rmtree(machine.sockdir or '/nonexistent', ignore_errors=True)
