/* The read seam (uv/stream/node_reads.pyx): the read sequences the stream
   core lends the C streams of pyuvnet._uv once a program took the
   Readable API on one (its ReadableState is then the stream's
   _readableState).  Each takes the stream, and returns 0 or more, or -1
   with an exception set (take_reads: NULL). */
#ifndef PYUVNET_NODE_READS_H
#define PYUVNET_NODE_READS_H
#include <Python.h>

typedef struct {
    /* Node's push(chunk), None for the end: 1 while the state wants
       more, 0 once it holds its high-water mark (stop reading). */
    int (*push)(PyObject* stream, PyObject* chunk);
    /* Node's pause() and resume(). */
    int (*pause)(PyObject* stream);
    int (*resume)(PyObject* stream);
    /* What Readable's on() does once a 'data' or 'readable' listener is
       added. */
    int (*listener_added)(PyObject* stream, PyObject* event);
    /* 'readable' listeners went: Node's updateReadableListening() on the
       next tick. */
    int (*listeners_gone)(PyObject* stream);
    /* Give the stream its ReadableState (the Readable API taken):
       returns the state, a new reference. */
    PyObject* (*take_reads)(PyObject* stream);
    /* Node's read(size) (size as given), over ``state``, the stream's
       ReadableState, or None before the Readable API is taken (then
       taken): a new reference. */
    PyObject* (*read)(PyObject* stream, PyObject* state, PyObject* size);
} pyuvnet_node_reads;

#define PYUVNET_NODE_READS_CAPSULE "pyuvnet._internal.streams._core.node_reads"

#endif
