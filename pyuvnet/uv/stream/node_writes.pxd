# The write seam (uv/stream/node_writes.pyx says why a table): the table
# of the stream core's write sequences, declared once for both sides, in
# _uv.pxd (the stream core cimports it from pyuvnet._uv, below it), as the
# read seam's is.

cdef extern from "uv/stream/node_writes.h":
    ctypedef struct NodeWrites "pyuvnet_node_writes":
        int (*refuse_write)(object stream, object err, object callback) except -1
        int (*write_failed)(object stream, object err, object callback) except -1
        int (*end_callback)(object stream, object callback, bint ended, bint finished,
                            bint destroyed) except -1
        int (*end_finished)(object stream) except -1
        int (*end_failed)(object stream, bint now) except -1
    const char* NODE_WRITES_CAPSULE "PYUVNET_NODE_WRITES_CAPSULE"
