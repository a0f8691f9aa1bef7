"""stream.finished() as Node 20's end-of-stream, ported from Node 20's
test-stream-finished.js block by block (each expectation run under
/usr/bin/node first): a stream destroyed already, a finished() cancelled
in the same tick, a _destroy() that completes later, 'close' inhibited,
streams that do not destroy themselves, one side of a Duplex, and
streams that are no Node stream."""
import pytest

import pyuvnet as net
from pyuvnet import errors
from pyuvnet.events import EventEmitter
from pyuvnet.stream import Duplex, Readable, Writable, finished
from stream_support import calls, run  # noqa: F401 (calls is a fixture)


def idle(self, size):
    pass


def readable(**opts):
    return Readable(read=idle, **opts)


def writable(**opts):
    return Writable(write=lambda self, chunk, encoding, callback: None, **opts)


class Emitter(EventEmitter):
    """A plain emitter that takes attributes, as a JavaScript object does."""


def premature(err):
    assert err.code == 'ERR_STREAM_PREMATURE_CLOSE'


@pytest.fixture(params=[readable, writable], ids=['Readable', 'Writable'])
def factory(request):
    return request.param


def test_a_finished_cancelled_in_the_tick_of_its_destroy_never_calls_back(factory, calls):
    s = factory()
    s.destroy()
    dispose = finished(s, calls.must_not_call())
    dispose()
    run()


def test_a_stream_destroyed_already_calls_back(factory, calls):
    s = factory()
    s.destroy()
    finished(s, calls.must_call(lambda err=None: None))
    run()


def test_the_callback_waits_for_a_destroy_that_completes_later(factory, calls):
    destroyed = []

    def destroy(self, err, cb):
        net.setImmediate(lambda: (destroyed.append(True), cb()))
    s = factory(destroy=destroy)
    s.destroy()
    finished(s, calls.must_call(lambda err=None: destroyed == [True] or pytest.fail(destroyed)))
    run()


def test_a_stream_whose_close_is_inhibited_still_calls_back(factory, calls):
    def destroy(self, err, cb):
        cb()
        finished(self, calls.must_call(lambda err=None: None))
    s = factory(emitClose=False, destroy=destroy)
    s.destroy()
    run()


def test_a_finished_two_turns_after_the_destroy_calls_back(factory, calls):
    def destroy(self, err, cb):
        def later():
            cb()
            net.setImmediate(lambda: finished(self, calls.must_call(lambda err=None: None)))
        net.setImmediate(later)
    s = factory(destroy=destroy)
    s.destroy()
    run()


def test_a_writable_not_writable_and_destroyed_is_a_premature_close(calls):
    w = writable()
    w.writable = False
    w.destroy()
    finished(w, calls.must_call(premature))
    run()


def test_a_readable_not_readable_and_destroyed_is_a_premature_close(calls):
    r = readable()
    r.readable = False
    r.destroy()
    finished(r, calls.must_call(premature))
    run()


def test_a_writable_destroyed_while_its_end_is_written_is_a_premature_close(calls):
    w = Writable(write=lambda self, chunk, encoding, cb: net.setImmediate(cb))
    finished(w, calls.must_call(premature))
    w.end('asd')
    w.destroy()
    run()


def test_a_readable_destroyed_before_its_end_is_read_is_a_premature_close(calls):
    r = readable()
    finished(r, calls.must_call(premature))
    r.push('asd')
    r.push(None)
    r.destroy()
    run()


def test_a_finished_writable_that_does_not_destroy_itself_calls_back(calls):
    w = Writable(write=lambda self, chunk, encoding, cb: cb(), autoDestroy=False)
    w.end('asd')
    net.nextTick(lambda: finished(w, calls.must_call(lambda err=None: None)))
    run()


def test_an_errored_writable_that_does_not_destroy_itself_calls_back(calls):
    w = Writable(write=lambda self, chunk, encoding, cb: cb(RuntimeError()), autoDestroy=False)
    w.write('asd')
    w.on('error', calls.must_call(lambda err: finished(w, calls.must_call(
        lambda err=None: None))))
    run()


def test_an_ended_readable_that_does_not_destroy_itself_calls_back(calls):
    r = readable(autoDestroy=False)
    r.push(None)
    r.resume()
    r.on('end', calls.must_call(lambda: finished(r, calls.must_call(lambda err=None: None))))
    run()


@pytest.mark.parametrize('end_first', [False, True], ids=['watched_then_ended',
                                                           'ended_then_watched'])
def test_the_read_side_of_a_duplex_whose_write_side_never_finishes(end_first, calls):
    d = Duplex(final=lambda self, cb: None, read=lambda self, n: self.push(None))
    d.on('end', calls.must_call())
    if end_first:
        d.end()
    finished(d, {'readable': True, 'writable': False}, calls.must_call(lambda err=None: None))
    if not end_first:
        d.end()
    d.resume()
    run()


def test_an_emitter_that_only_looks_like_a_readable_is_refused():
    stream_like = Emitter()
    stream_like.readableEnded = True
    stream_like.readable = True
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        finished(stream_like, lambda err=None: None)


def assert_none(err=None):
    assert err is None


class BareState:
    """An empty object that takes attributes, as Node's test's ``{}``."""


@pytest.mark.parametrize('fields', [{'finished': True}, {}, {'finished': True, 'errored': True}],
                         ids=['finished', 'empty', 'errored-flag'])
def test_an_emitter_with_a_bare_write_state_closed_early_is_a_premature_close(fields, calls):
    # test-stream-finished.js: an emitter whose _writableState is a bare
    # object (Node reads its missing fields as undefined).  Not a writable
    # (no write()), so 'close' is premature whatever the state says; an
    # errored that is no error (true) is not passed on.  Node 20 gives
    # ERR_STREAM_PREMATURE_CLOSE in each case.
    d = Emitter()
    d._writableState = BareState()
    finished(d, {'readable': False, 'writable': True}, calls.must_call(premature))
    for name, value in fields.items():
        setattr(d._writableState, name, value)
    d.emit('close')
    run()


def test_an_emitter_with_a_bare_write_state_is_done_at_its_finish(calls):
    # The same emitter, with its default sides: Node 20 calls back with
    # no error at 'finish'.
    d = Emitter()
    d._writableState = BareState()
    finished(d, calls.must_call(assert_none))
    d.emit('finish')
    run()
