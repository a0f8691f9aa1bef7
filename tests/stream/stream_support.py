"""Helpers of the stream tests (tests/stream): Node's common.mustCall and
common.mustNotCall, checked when the test ends, and an event recorder."""
import pytest

import pyuvnet as net


class Calls:
    """``must_call(fn, times)`` wraps ``fn`` (or a no-op) and must be called
    exactly ``times`` times by the end of the test; ``must_not_call()`` fails
    the test when called (the loop's run() raises the AssertionError)."""

    def __init__(self):
        self.wrappers = []

    def must_call(self, fn=None, times=1):
        record = {'count': 0, 'times': times, 'fn': fn}

        def wrapper(*args, **kwargs):
            record['count'] += 1
            if fn is not None:
                return fn(*args, **kwargs)
        self.wrappers.append(record)
        return wrapper

    def must_not_call(self, what='a callback that must not be called'):
        def wrapper(*args, **kwargs):
            raise AssertionError('%s was called with %r' % (what, args))
        return wrapper

    def verify(self):
        for record in self.wrappers:
            assert record['count'] == record['times'], (
                '%r called %d times, expected %d' % (record['fn'], record['count'],
                                                   record['times']))


@pytest.fixture
def calls(run_loop):
    """A Calls whose counts are checked after the test ran its loop."""
    tracker = Calls()
    yield tracker
    tracker.verify()


def recorder(stream, events, log=None):
    """Append each of ``events`` that ``stream`` emits to ``log`` (the
    event's name, and the error's code for 'error'); returns ``log``."""
    log = [] if log is None else log

    def listener(name):
        def record(*args):
            if name == 'error':
                log.append('error:%s' % (getattr(args[0], 'code', None) or args[0]))
            else:
                log.append(name)
        return record
    for name in events:
        stream.on(name, listener(name))
    return log


def rewrap(source, object_mode=False, later=False):
    """A flowing Readable whose _read() takes ``source.read()`` (in a
    nextTick when ``later``), waiting for 'readable' when it is empty, and
    that ends at ``source``'s 'end' (Node's tests of pull-through chains)."""
    from pyuvnet.stream import Readable

    def pull():
        data = source.read()
        if data is None or (not object_mode and not data):
            def on_readable():
                more = source.read()
                if more:
                    wrapper.push(more)
            source.once('readable', on_readable)
        else:
            wrapper.push(data)

    def read(self, size):
        if later:
            net.nextTick(pull)
        else:
            pull()
    wrapper = Readable(objectMode=object_mode, read=read)
    source.on('end', lambda: wrapper.push(None))
    wrapper.resume()
    return wrapper


def run():
    """Run the loop until nothing is left (the test's loop is fresh)."""
    net.run()
