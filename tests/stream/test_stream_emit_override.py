"""The events a stream's machinery emits go through its class's emit(), as
Node's internals call this.emit(): a subclass that overrides emit() hears
each, in Node's order. An emit() set on one instance (not its class) is
not called by the machinery (docs/PARITY.md, "Streams"): the stream core
calls EventEmitter's C emit for a class that keeps it. Each expectation
is what Node 20 printed for the same program (/usr/bin/node):

    class Spied extends Duplex {
      _read() {}
      _write(chunk, enc, cb) { cb(); }
      emit(event, ...args) { seen.push(event); return super.emit(event, ...args); }
    }
    s.on('data', () => {}); s.push('x'); s.push(null); s.end('y');
    // seen at 'close': prefinish resume data readable finish end close
"""
from pyuvnet.stream import Duplex

NODE_ORDER = ['prefinish', 'resume', 'data', 'readable', 'finish', 'end', 'close']


def _run(stream, run_loop):
    stream.on('data', lambda chunk: None)
    stream.push(b'x')
    stream.push(None)
    stream.end(b'y')
    run_loop()


class _Quiet(Duplex):
    def _read(self, size):
        pass

    def _write(self, chunk, encoding, callback):
        callback()


def test_a_class_that_overrides_emit_hears_every_event_in_nodes_order(run_loop):
    seen = []

    class Spied(_Quiet):
        def emit(self, event, *args):
            seen.append(event)
            return Duplex.emit(self, event, *args)

    _run(Spied(), run_loop)
    assert seen == NODE_ORDER


def test_a_class_given_emit_later_is_heard_from_then_on(run_loop):
    # The core remembers a class as plain until the class changes.
    class Later(_Quiet):
        pass

    _run(Later(), run_loop)
    seen = []
    Later.emit = lambda self, event, *args: seen.append(event) or Duplex.emit(self, event, *args)
    _run(Later(), run_loop)
    assert seen == NODE_ORDER


def test_an_emit_set_on_one_instance_is_not_called_by_the_machinery(run_loop):
    # Node 20 calls it (the same order as above); pyuvnet's stream core
    # emits through the class (docs/PARITY.md). A user's own emit() call
    # still goes through the instance's attribute, as any Python call.
    heard = []
    stream = _Quiet()
    stream.emit = lambda event, *args: heard.append(event) or Duplex.emit(stream, event, *args)
    _run(stream, run_loop)
    stream.emit('mine')
    assert heard == ['mine']
