"""pyuvnet.stream.promises: Node's ``stream/promises``: pipeline() and
finished() as asyncio awaitables, under the asyncio bridge
(``aio.attach()`` or ``aio.install()``).

    from pyuvnet.stream import promises

    async def main():
        async with aio.attach():
            await promises.pipeline(source, gzip, destination)
"""
from collections.abc import Mapping

from .._internal import aio_bridge as aio
from .._internal.options import OptionSpec, normalize_options
from .. import errors
from ._finished import finished as _finished
from ._pipeline import pipeline_impl
from ._utils import is_node_stream

__all__ = ['pipeline', 'finished']

_PIPELINE_OPTIONS = OptionSpec(dict(signal='object', end='boolean'))


def pipeline(*streams, **kwargs):
    """``await pipeline(source, *transforms, destination[, options])``: the
    stages joined as ``stream.pipeline()`` joins them; resolves with the
    last stage's value (an async function's result) or None, raises the
    first error. Options, a dict last (as Node's) or keywords: signal (an
    abort rejects with ABORT_ERR and destroys every stage), end (False:
    the destination is left open). The pipeline starts at the call."""
    bridge = aio._bridge()
    options = None
    if streams and isinstance(streams[-1], Mapping) and not is_node_stream(streams[-1]):
        options, streams = streams[-1], streams[:-1]
    opts = normalize_options(options, kwargs, _PIPELINE_OPTIONS)
    if len(streams) == 1 and isinstance(streams[0], (list, tuple)):
        streams = tuple(streams[0])
    if len(streams) < 2:
        raise errors.ERR_MISSING_ARGS('streams')
    future = bridge.loop.create_future()

    def done(err=None, value=None):
        if future.done():
            return
        if err is not None:
            future.set_exception(err)
        else:
            future.set_result(value)
    pipeline_impl(list(streams), done, opts)
    return future


def finished(stream, options=None, **kwargs):
    """``await finished(stream[, options])``: returns once ``stream`` is
    done (as ``stream.finished()``), raises its error. Options: error,
    readable, writable, signal, cleanup (True: remove the listeners then)."""
    bridge = aio._bridge()
    cleanup_after = kwargs.pop('cleanup', None)
    if isinstance(options, dict) and 'cleanup' in options:
        options = dict(options)
        cleanup_after = options.pop('cleanup')
    future = bridge.loop.create_future()

    def done(err=None):
        if cleanup_after:
            remove()
        if not future.done():
            if err is not None:
                future.set_exception(err)
            else:
                future.set_result(None)
    remove = _finished(stream, options, done, **kwargs)
    return future
