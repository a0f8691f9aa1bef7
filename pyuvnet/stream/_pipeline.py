"""stream.pipeline(): Node 20's (lib/internal/streams/pipeline.js). Joins a
source, transforms and a destination with backpressure; the first error
destroys every stream; the callback runs once, after all are done.

Stages may be streams (pyuvnet's sockets among them: two sockets are
joined by their C pipe()), iterables (a list, a generator: the source),
generator functions (given the previous stage, returning an iterable), and,
under the asyncio bridge, async iterables, async generator functions and an
async function as the last stage (its result is the callback's value).
"""
import inspect

from .. import errors
from .._internal.options import OptionSpec, normalize_options
from .._uv import nextTick, queueMicrotask
from .._internal.validate import validate_abort_signal, validate_function
from ._utils import (
    destroyer, is_iterable, is_node_stream, is_readable, is_readable_finished,
    is_readable_node_stream,
)
from ._finished import eos

__all__ = ['pipeline', 'pipeline_impl', 'pump_sync']

_PIPELINE_OPTIONS = OptionSpec(dict(signal='object', end='boolean'))


def pipeline(*streams, **kwargs):
    """``pipeline(source, *transforms, destination, callback)``: pipe each
    stage into the next; ``callback(err, value=None)`` once the last is done
    or one failed (then every stage is destroyed). Returns the last stage.
    A single list of stages may be given instead. Options (keywords):
    signal (abort: destroy all), end (False: leave the destination open)."""
    # Node checks the callback first: pipeline() with nothing lacks it.
    callback = streams[-1] if streams else None
    validate_function(callback, 'streams[stream.length - 1]')
    streams = streams[:-1]
    if len(streams) == 1 and isinstance(streams[0], (list, tuple)):
        streams = tuple(streams[0])
    if len(streams) < 2:
        raise errors.ERR_MISSING_ARGS('streams')
    opts = normalize_options(None, kwargs, _PIPELINE_OPTIONS)
    return pipeline_impl(list(streams), callback, opts)


def _destroyer(stream, reading, writing):
    finished = False

    def on_close(*args):
        nonlocal finished
        finished = True
    stream.on('close', on_close)

    def on_eos(err=None):
        nonlocal finished
        finished = err is None
    cleanup = eos(stream, {'readable': reading, 'writable': writing}, on_eos)

    def destroy(err):
        nonlocal finished
        if finished:
            return
        finished = True
        destroyer(stream, err if err is not None else errors.ERR_STREAM_DESTROYED('pipe'))
    return destroy, cleanup


def pipeline_impl(streams, callback, opts):
    signal = validate_abort_signal(opts.get('signal'), 'options.signal')
    callback = _once(callback)
    end_last = opts.get('end') is not False
    destroys = []
    last_cleanup = []
    error = None
    value = None
    finish_count = 0
    ret = None

    def finish(err=None):
        nonlocal finish_count
        finish_count -= 1
        finish_impl(err, finish_count == 0)

    def finish_impl(err, final):
        nonlocal error
        if err is not None and (error is None or getattr(error, 'code', None) ==
                                'ERR_STREAM_PREMATURE_CLOSE'):
            error = err
        if error is None and not final:
            return
        while destroys:
            destroys.pop(0)(error)
        if signal is not None:
            signal.removeListener('abort', abort)
        if final:
            if error is None:
                for fn in last_cleanup:
                    fn()
            # (What they hold would keep the last stage in a cycle with
            # the 'error' listener left on it.)
            last_cleanup.clear()
            nextTick(callback, error, value)

    def abort(*args):
        finish_impl(errors.AbortError(cause=signal.reason), True)
    if signal is not None:
        if signal.aborted:
            nextTick(abort)
        else:
            signal.on('abort', abort)

    def set_value(v):
        nonlocal value
        value = v

    count = len(streams)
    for i, stage in enumerate(streams):
        reading = i < count - 1
        writing = i > 0
        end = reading or end_last
        is_last = i == count - 1
        if is_node_stream(stage):
            if end:
                destroy, cleanup = _destroyer(stage, reading, writing)
                destroys.append(destroy)
                if is_readable(stage) and is_last:
                    last_cleanup.append(cleanup)
            on_error = _late_error(finish)
            stage.on('error', on_error)
            if is_readable(stage) and is_last:
                last_cleanup.append(lambda s=stage, f=on_error: s.removeListener('error', f))
        if i == 0:
            if callable(stage) and not is_node_stream(stage):
                ret = stage()
                if not is_iterable(ret):
                    raise errors.ERR_INVALID_RETURN_VALUE(
                        'Iterable, AsyncIterable or Stream', 'source', ret)
            elif _is_source(stage) or is_readable_node_stream(stage):
                ret = stage
            else:
                raise errors.ERR_INVALID_ARG_TYPE(
                    'source', ['Stream', 'Iterable', 'AsyncIterable', 'Function'], stage)
        elif callable(stage) and not is_node_stream(stage):
            if is_readable_node_stream(ret) or hasattr(ret, '__aiter__') or _is_async_function(stage):
                from ._hooks import async_layer
                source = async_layer().as_async_iterable(ret)
            else:
                source = ret
            ret = stage(source)
            if reading:
                if not is_iterable(ret):
                    raise errors.ERR_INVALID_RETURN_VALUE(
                        'AsyncIterable', 'transform[%d]' % (i - 1), ret)
            else:
                from ._duplex import PassThrough
                pt = PassThrough(objectMode=True)
                if hasattr(ret, '__await__'):
                    from ._hooks import async_layer
                    finish_count += 1
                    async_layer().settle_last(ret, pt, end, finish, set_value)
                elif is_iterable(ret):
                    finish_count += 1
                    _pump(ret, pt, finish, end)
                else:
                    raise errors.ERR_INVALID_RETURN_VALUE(
                        'AsyncIterable or Promise', 'destination', ret)
                ret = pt
                destroy, cleanup = _destroyer(ret, False, True)
                destroys.append(destroy)
                if is_last:
                    last_cleanup.append(cleanup)
        elif is_node_stream(stage):
            if is_readable_node_stream(ret):
                finish_count += 2
                cleanup = _pipe(ret, stage, finish, end)
                if is_readable(stage) and is_last:
                    last_cleanup.append(cleanup)
            elif _is_source(ret):
                finish_count += 1
                _pump(ret, stage, finish, end)
            else:
                raise errors.ERR_INVALID_ARG_TYPE(
                    'val', ['Readable', 'Iterable', 'AsyncIterable'], ret)
            ret = stage
        else:
            raise errors.ERR_INVALID_ARG_TYPE(
                'destination', ['Stream', 'Function'], stage)
    return ret


def _is_async_function(fn):
    # Its ``async for`` takes a list or a str as JavaScript's for await does.
    return inspect.isasyncgenfunction(fn) or inspect.iscoroutinefunction(fn)


def _is_source(obj):
    # A str is an iterable source too, one chunk per character, and bytes
    # one int per byte (as Node iterates strings and Buffers);
    # Readable.from_() takes either whole instead.
    return isinstance(obj, (str, bytes, bytearray)) or is_iterable(obj)


def _once(callback):
    def once(*args):
        # Called, it lets go of the callback: the stages' 'error' listeners
        # still hold this function (compose()'s callback holds its Duplex).
        nonlocal callback
        if callback is not None:
            call, callback = callback, None
            call(*args)
    return once


def _late_error(finish):
    # An error after the stage's part is done (the callback may have run):
    # AbortError and premature close are what destroying the others causes.
    def on_error(err):
        if err is not None and not isinstance(err, errors.AbortError) and \
                getattr(err, 'code', None) != 'ERR_STREAM_PREMATURE_CLOSE':
            finish(err)
    return on_error


def _pump(iterable, writable, finish, end):
    if hasattr(iterable, '__aiter__'):
        from ._hooks import async_layer
        async_layer().pump(iterable, writable, finish, end)
    else:
        pump_sync(iter(iterable), writable, finish, end)


def pump_sync(iterator, writable, finish, end):
    """Write a sync iterator's items to ``writable`` with backpressure (a
    'drain' before the next write), then end() it; ``finish(err)`` once."""
    error = None
    waiting = None

    def resume(err=None):
        nonlocal error, waiting
        if err is not None:
            error = err
        if waiting is not None:
            then, waiting = waiting, None
            then()

    writable.on('drain', resume)
    cleanup = eos(writable, {'readable': False}, resume)

    def done(err=None):
        cleanup()
        writable.removeListener('drain', resume)
        finish(err)

    def wait(then):
        nonlocal waiting
        if error is not None:
            done(error)
        else:
            waiting = lambda: done(error) if error is not None else then()

    def loop():
        try:
            for chunk in iterator:
                if not writable.write(chunk):
                    wait(loop)
                    return
        except Exception as exc:
            done(exc)
            return
        if end:
            writable.end()
            wait(done)
        else:
            done()

    def start():
        if getattr(writable, 'writableNeedDrain', False):
            wait(loop)
        else:
            loop()
    # Started once every stage is counted, after the ticks queued meanwhile,
    # as Node's async pump is (its first await).
    queueMicrotask(start)


def _pipe(src, dst, finish, end):
    """Pipe ``src`` into ``dst``, ending ``dst`` ourselves (so that an error
    of ``src`` is seen before). Two pyuvnet sockets use their C pipe()."""
    ended = False

    def on_dst_close(*args):
        if not ended:
            finish(errors.ERR_STREAM_PREMATURE_CLOSE())
    dst.on('close', on_dst_close)
    # The options as a dict: what every pipe() takes (a socket's too).
    src.pipe(dst, {'end': False})
    if end:
        def end_fn(*args):
            nonlocal ended
            ended = True
            dst.end()
        if is_readable_finished(src):
            nextTick(end_fn)
        else:
            src.once('end', end_fn)
    else:
        # Counted for the destination's end, which is not ours to wait
        # for: the source's end is the pipeline's (Node 20).
        finish()

    def on_src_done(err=None):
        r = getattr(src, '_readableState', None)
        if err is not None and getattr(err, 'code', None) == 'ERR_STREAM_PREMATURE_CLOSE' \
                and r is not None and r.ended and r.errored is None and not r.errorEmitted:
            src.once('end', finish)
            src.once('error', finish)
        else:
            finish(err)
    eos(src, {'readable': True, 'writable': False}, on_src_done)
    # A readable last stage loses this watch once the pipeline is done
    # (Node's lastStreamCleanup), not its 'close' listener above, as Node's.
    return eos(dst, {'readable': False, 'writable': True}, finish)
