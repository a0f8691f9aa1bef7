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
} pyuvnet_node_writes;

#define PYUVNET_NODE_WRITES_CAPSULE "pyuvnet._internal.streams._core.node_writes"

#endif
