"""Readable.pipe() and unpipe(): Node 20's (lib/internal/streams/readable.js),
the project's one pipe, for every readable: a stream.Readable, a net.Socket,
a TLSSocket, an HTTP IncomingMessage, a child's stdio pipe; to any
destination with write(), 'drain' and the emitter methods.

Its steps while data moves (ondata, pause, ondrain) are a C ``_uv.PipeLink``:
a C stream hands each chunk to it without a Python call, and a C stream
destination's write is C (the write-through of uv/stream/read_callbacks.pyx),
so a pipe between sockets runs no Python until an end, an error or unpipe().

Node keeps the pipe's fields (pipes, awaitDrainWriters, multiAwaitDrain) in
the source's ReadableState. A C stream gets one only when a program takes
the Readable API (streams.native.take_reads), which takes these fields
with it; until then they live in a HeldPipes beside its C read side."""
from .._internal.options import normalize_options
from .._uv import PipeLink, nextTick
from ._legacy import prepend_listener
from .._internal.streams.state import error_or_destroy, write_state

__all__ = ['pipe', 'unpipe', 'HeldPipes']


class HeldPipes:
    """The pipe's part of ReadableState for a C stream whose C base still
    keeps its reads (its flowing mode and end are the C base's: pipe()
    reads them as readableFlowing and readableEnded). It holds no
    reference to the stream, which would be a cycle."""

    __slots__ = ('pipes', 'awaitDrainWriters', 'multiAwaitDrain')

    def __init__(self):
        self.pipes = []
        self.awaitDrainWriters = None
        self.multiAwaitDrain = False

    def hand_to(self, state):
        """Move the fields into ``state``, the stream's new ReadableState."""
        state.pipes = self.pipes
        state.awaitDrainWriters = self.awaitDrainWriters
        state.multiAwaitDrain = self.multiAwaitDrain


def _state(src):
    state = src._readableState
    if state is None:
        state = src._held_pipes
        if state is None:
            state = src._held_pipes = HeldPipes()
    return state


def pipe(src, dest, options, kwargs):
    opts = normalize_options(options, kwargs, {'end': 'boolean'})
    state = _state(src)
    if len(state.pipes) == 1 and not state.multiAwaitDrain:
        # A second destination: wait for the 'drain' of each one that is full.
        state.multiAwaitDrain = True
        state.awaitDrainWriters = set([state.awaitDrainWriters] if state.awaitDrainWriters else [])
    if state.pipes:
        state.pipes.append(dest)
    else:
        # (An empty tuple until the first destination: core/states.pyx.)
        state.pipes = [dest]
    piping = _Pipe(src, dest)
    end_fn = piping.onend if opts.get('end', True) else piping.unpipe
    # (Node reads state.endEmitted and state.flowing, which these are.)
    if src.readableEnded:
        nextTick(end_fn)
    else:
        src.once('end', end_fn)
    dest.on('unpipe', piping.onunpipe)
    src.on('data', piping.ondata)
    # Before the destination's own 'error' listeners, as Node.
    prepend_listener(dest, 'error', piping.onerror)
    dest.once('close', piping.onclose)
    dest.once('finish', piping.onfinish)
    dest.emit('pipe', src)
    if getattr(dest, 'writableNeedDrain', False) is True:
        piping.ondata.pause()
    elif not src.readableFlowing:
        src.resume()
    return dest


class _Pipe:
    """One pipe's listeners (Node's closures in pipe()), as bound methods:
    closures that name one another would be reference cycles, which a
    closed socket would wait for the cyclic GC to free. Once cleanup()
    took the listeners off, nothing refers to it."""

    __slots__ = ('src', 'dest', 'ondata')

    def __init__(self, src, dest):
        self.src = src
        self.dest = dest
        self.ondata = PipeLink(src, dest)

    def unpipe(self, *args):
        self.src.unpipe(self.dest)

    def onend(self, *args):
        self.dest.end()

    def onunpipe(self, readable, info=None):
        if readable is self.src and info is not None and info.get('hasUnpiped') is False:
            info['hasUnpiped'] = True
            self.cleanup()

    def cleanup(self):
        src, dest, ondata = self.src, self.dest, self.ondata
        dest.removeListener('close', self.onclose)
        dest.removeListener('finish', self.onfinish)
        if ondata.awaits_drain:
            dest.removeListener('drain', ondata.drained)
        dest.removeListener('error', self.onerror)
        dest.removeListener('unpipe', self.onunpipe)
        src.removeListener('end', self.onend)
        src.removeListener('end', self.unpipe)
        src.removeListener('data', ondata)
        ondata.cleaned_up = True
        w = write_state(dest)
        if ondata.awaits_drain and _state(src).awaitDrainWriters \
                and (w is None or w.needDrain):
            ondata.drained()

    def onerror(self, err):
        dest = self.dest
        self.unpipe()
        dest.removeListener('error', self.onerror)
        if dest.listenerCount('error') == 0:
            s = write_state(dest) or getattr(dest, '_readableState', None)
            if s is not None and not s.errorEmitted:
                error_or_destroy(dest, err)
            else:
                dest.emit('error', err)

    def onclose(self, *args):
        self.dest.removeListener('finish', self.onfinish)
        self.unpipe()

    def onfinish(self, *args):
        self.dest.removeListener('close', self.onclose)
        self.unpipe()


def unpipe(src, dest):
    """``src.unpipe(dest)``: stop piping to ``dest`` (every destination
    when None); the source pauses once it pipes nowhere."""
    state = _state(src)
    if not state.pipes:
        return src
    if dest is None:
        dests, state.pipes = state.pipes, ()
        src.pause()
        for d in dests:
            d.emit('unpipe', src, {'hasUnpiped': False})
        return src
    if dest not in state.pipes:
        return src
    state.pipes.remove(dest)
    if not state.pipes:
        src.pause()
    dest.emit('unpipe', src, {'hasUnpiped': False})
    return src
