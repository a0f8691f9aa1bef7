# The read seam (uv/stream/node_reads.pyx): the table of the stream core's
# read sequences, declared once for both sides (the stream core cimports it
# from pyuvnet._uv, below it).
cdef extern from "uv/stream/node_reads.h":
    ctypedef struct NodeReads "pyuvnet_node_reads":
        int (*push)(object stream, object chunk) except -1
        int (*pause)(object stream) except -1
        int (*resume)(object stream) except -1
        int (*listener_added)(object stream, object event) except -1
        int (*listeners_gone)(object stream) except -1
        object (*take_reads)(object stream)
        object (*read)(object stream, object state, object size)
    const char* NODE_READS_CAPSULE "PYUVNET_NODE_READS_CAPSULE"
