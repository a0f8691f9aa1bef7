# The write seam's table (uv/stream/node_writes.h, node_writes.pyx says
# why a table), declared once for both its sides: pyuvnet._uv, which calls
# through it, and pyuvnet._internal.streams._core, which fills it.  Extern
# declarations only, so a cimport of it imports no module at run time.

cdef extern from "uv/stream/node_writes.h":
    ctypedef struct NodeWrites "pyuvnet_node_writes":
        int (*refuse_write)(object stream, object err, object callback) except -1
        int (*write_failed)(object stream, object err, object callback) except -1
        int (*end_callback)(object stream, object callback, bint ended, bint finished,
                            bint destroyed) except -1
        int (*end_finished)(object stream) except -1
        int (*end_failed)(object stream, bint now) except -1
    const char* NODE_WRITES_CAPSULE "PYUVNET_NODE_WRITES_CAPSULE"
