"""Readable.pipe(): Node 20's, to any destination with write(), 'drain'
and the emitter methods (a stream.Writable, a net.Socket, an HTTP message)."""
from .._options import normalize_options
from .._uv import nextTick
from ._legacy import prepend_listener
from ._state import error_or_destroy

__all__ = ['pipe']


def pipe(src, dest, options, kwargs):
    opts = normalize_options(options, kwargs, {'end': 'boolean'})
    state = src._readableState
    if len(state.pipes) == 1 and not state.multiAwaitDrain:
        # A second destination: wait for the 'drain' of each one that is full.
        state.multiAwaitDrain = True
        state.awaitDrainWriters = set([state.awaitDrainWriters] if state.awaitDrainWriters else [])
    state.pipes.append(dest)
    cleaned_up = False
    ondrain = None

    def unpipe(*args):
        src.unpipe(dest)

    def onend(*args):
        dest.end()

    end_fn = onend if opts.get('end', True) else unpipe

    def onunpipe(readable, info=None):
        if readable is src and info is not None and info.get('hasUnpiped') is False:
            info['hasUnpiped'] = True
            cleanup()

    def cleanup():
        nonlocal cleaned_up
        dest.removeListener('close', onclose)
        dest.removeListener('finish', onfinish)
        if ondrain is not None:
            dest.removeListener('drain', ondrain)
        dest.removeListener('error', onerror)
        dest.removeListener('unpipe', onunpipe)
        src.removeListener('end', onend)
        src.removeListener('end', unpipe)
        src.removeListener('data', ondata)
        cleaned_up = True
        w = getattr(dest, '_writableState', None)
        if ondrain is not None and state.awaitDrainWriters and (w is None or w.needDrain):
            ondrain()

    def pause():
        nonlocal ondrain
        if not cleaned_up:
            if len(state.pipes) == 1 and state.pipes[0] is dest:
                state.awaitDrainWriters = dest
                state.multiAwaitDrain = False
            elif len(state.pipes) > 1 and dest in state.pipes:
                state.awaitDrainWriters.add(dest)
            src.pause()
        if ondrain is None:
            ondrain = _on_drain(src, dest)
            dest.on('drain', ondrain)

    def ondata(chunk):
        if dest.write(chunk) is False:
            pause()

    def onerror(err):
        unpipe()
        dest.removeListener('error', onerror)
        if dest.listenerCount('error') == 0:
            s = getattr(dest, '_writableState', None) or getattr(dest, '_readableState', None)
            if s is not None and not s.errorEmitted:
                error_or_destroy(dest, err)
            else:
                dest.emit('error', err)

    def onclose(*args):
        dest.removeListener('finish', onfinish)
        unpipe()

    def onfinish(*args):
        dest.removeListener('close', onclose)
        unpipe()

    if state.endEmitted:
        nextTick(end_fn)
    else:
        src.once('end', end_fn)
    dest.on('unpipe', onunpipe)
    src.on('data', ondata)
    # Before the destination's own 'error' listeners, as Node.
    prepend_listener(dest, 'error', onerror)
    dest.once('close', onclose)
    dest.once('finish', onfinish)
    dest.emit('pipe', src)
    if getattr(dest, 'writableNeedDrain', False) is True:
        pause()
    elif not state.flowing:
        src.resume()
    return dest


def _on_drain(src, dest):
    def ondrain(*args):
        state = src._readableState
        if state.awaitDrainWriters is dest:
            state.awaitDrainWriters = None
        elif state.multiAwaitDrain:
            state.awaitDrainWriters.discard(dest)
        if not state.awaitDrainWriters and src.listenerCount('data'):
            src.resume()
    return ondrain
