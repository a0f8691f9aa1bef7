/* pyuvnet_bytes_pool.h: bytes objects made from C memory, and a pool of
 * them refilled in place, for the two extensions that hand bytes to
 * Python per message: the loop's read chunks (pyuvnet_chunk in
 * uv/pyuvnet_compat.h) and the stream core's read(n) (_part in
 * _internal/streams/core/readable.pyx).
 *
 * A bytes object above pymalloc's sizes costs glibc a malloc and a free
 * outside its tcache (1 KiB and the header is past tcache's 1,032 bytes).
 * A pool keeps the objects it made, and a copy of the same size refills
 * one that nothing else references any more: its refcount is 1 (the
 * pool's), so no Python code can see that it changed (a view or a buffer
 * export would hold a reference).  Its cached hash is reset. */
#ifndef PYUVNET_BYTES_POOL_H
#define PYUVNET_BYTES_POOL_H
#include <Python.h>

#include "pyuvnet_copy.h"

/* pymalloc's largest size: smaller bytes cost it less than a glibc malloc,
 * about what a scan of the loop's sixteen slots costs (the stream core's
 * four are cheaper, and pool those too). */
#define PYUVNET_POOLED_MIN 513

/* PyBytes_FromStringAndSize(data, n), copied by pyuvnet_copy: a read's
 * bytes leaving the loop's buffer.  A new reference, NULL with an error
 * set. */
static PyObject* pyuvnet_bytes_copy(const char* data, Py_ssize_t n) {
    PyObject* bytes = PyBytes_FromStringAndSize(NULL, n);
    if (bytes != NULL)
        pyuvnet_copy(PyBytes_AS_STRING(bytes), data, (size_t)n);
    return bytes;
}

/* A bytes object refilled in place (only its pool holds it) must hash as
 * its new bytes: its cached hash is dropped (ob_shash is deprecated API,
 * the only way to do so). */
static inline void pyuvnet_bytes_forget_hash(PyObject* bytes) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    ((PyBytesObject*)bytes)->ob_shash = -1;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

/* The n bytes at data as a bytes object, from ``pool`` (``slots`` of them,
 * a power of two; NULL: a free slot) when one of that size is free, else
 * new and kept there; made new when n is below ``min`` (2 at least:
 * CPython shares its bytes of one byte).  ``*next`` is where the search starts, after the
 * slot used last: the objects still held are those before it, in the
 * order made.  A new reference, NULL with an exception set. */
static inline PyObject* pyuvnet_pooled_bytes(PyObject** pool, int slots, int* next,
                                             Py_ssize_t min, const char* data, Py_ssize_t n) {
    PyObject* bytes;
    int k, i, slot = -1;
    if (n >= min) {
        for (k = 0; k < slots; k++) {
            i = (*next + k) & (slots - 1);
            bytes = pool[i];
            if (bytes == NULL) {
                if (slot < 0)
                    slot = i;
            } else if (Py_REFCNT(bytes) == 1) {
                if (Py_SIZE(bytes) == n) {
                    pyuvnet_copy(PyBytes_AS_STRING(bytes), data, (size_t)n);
                    pyuvnet_bytes_forget_hash(bytes);
                    Py_INCREF(bytes);
                    *next = (i + 1) & (slots - 1);
                    return bytes;
                }
                if (slot < 0)
                    slot = i;       /* unused, of another size: replaced */
            }
        }
    }
    bytes = pyuvnet_bytes_copy(data, n);
    if (bytes != NULL && slot >= 0) {
        Py_XDECREF(pool[slot]);
        Py_INCREF(bytes);
        pool[slot] = bytes;
        *next = (slot + 1) & (slots - 1);
    }
    return bytes;
}

#endif
