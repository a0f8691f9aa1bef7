"""stream.compose(): Node 20's lib/internal/streams/compose.js. The stages
are joined by pipeline(); the Duplex returned writes into the first and
reads from the last, and destroying it destroys the pipeline."""
from .. import errors
from ._duplexify import Joined, duplexify
from ._finished import eos
from ._pipeline import pipeline_impl
from ._utils import is_node_stream, is_readable, is_writable

__all__ = ['compose']


def compose(*streams):
    """``compose(stage, ...)``: one Duplex of the stages piped in order
    (streams, iterables, async generator functions; an async function
    last). Its writes go to the first stage and its reads come from the
    last; an error in any stage destroys it. One stage is
    ``Duplex.from(stage)``."""
    if not streams:
        raise errors.ERR_MISSING_ARGS('streams')
    if len(streams) == 1:
        return duplexify(streams[0])
    given = streams
    streams = list(streams)
    for i in (0, -1):
        if callable(streams[i]) and not is_node_stream(streams[i]):
            streams[i] = duplexify(streams[i])
    last = len(streams) - 1
    for i, stage in enumerate(streams):
        if not is_node_stream(stage):
            continue
        if i < last and not is_readable(stage):
            raise errors.ERR_INVALID_ARG_VALUE('streams[%d]' % i, given[i], 'must be readable')
        if i > 0 and not is_writable(stage):
            raise errors.ERR_INVALID_ARG_VALUE('streams[%d]' % i, given[i], 'must be writable')

    head = streams[0]
    joined = []     # pipeline() calls back on a later tick, when d exists
    tail = pipeline_impl(streams, lambda err=None, *value: joined[0]._settled(err), {})
    writable = bool(is_writable(head))
    readable = bool(is_readable(tail))
    # Node takes the read side's object mode from the tail's write side.
    d = Joined(writableObjectMode=bool(getattr(head, 'writableObjectMode', False)),
               readableObjectMode=bool(getattr(tail, 'writableObjectMode', False)),
               writable=writable, readable=readable)
    d._join(head if writable and is_node_stream(head) else None,
            tail if readable and is_node_stream(tail) else None,
            (tail,) if is_node_stream(tail) else (), readable, writable)
    if writable:
        eos(tail, {}, d._sink_finished)
    joined.append(d)
    return d
