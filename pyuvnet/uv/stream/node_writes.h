/* The write seam (uv/stream/node_writes.pyx says why): the write
   sequences the stream core lends the C streams of pyuvnet._uv.  Each takes
   the stream, and returns 0, or -1 with an exception set. */
#ifndef PYUVNET_NODE_WRITES_H
#define PYUVNET_NODE_WRITES_H
#include <Python.h>

typedef struct {
    /* Node's _write() refusing a write (after end(), or destroy()):
       callback(err) on the next tick (callback None: none), and
       errorOrDestroy(err) now. */
    int (*refuse_write)(PyObject* stream, PyObject* err, PyObject* callback);
    /* Node's onwrite() given an error inside write(): on the next tick,
       callback(err) then errorOrDestroy(err). */
    int (*write_failed)(PyObject* stream, PyObject* err, PyObject* callback);
    /* Node's end() given a callback, over the C stream's own fields: the
       callback on the next tick (with its error, or None once finished),
       or kept for 'finish' (the stream's _on_finished list, Node's
       kOnFinished), then 1. */
    int (*end_callback)(PyObject* stream, PyObject* callback, int ended,
                        int finished, int destroyed);
    /* 'finish': the kept end() callbacks, with None, before its listeners. */
    int (*end_finished)(PyObject* stream);
    /* destroy(): Node's errorBuffer() of the kept end() callbacks (the
       stream's error, else ERR_STREAM_DESTROYED), on the next tick, or
       now (now != 0: the stream closed with no destroy()). */
    int (*end_failed)(PyObject* stream, int now);
} pyuvnet_node_writes;

#define PYUVNET_NODE_WRITES_CAPSULE "pyuvnet._internal.streams._core.node_writes"

#endif
