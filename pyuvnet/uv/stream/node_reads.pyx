# The read seam: how the C streams (a Stream, a TLS pump, an IncomingCore)
# run Node's read sequences once a program took the Readable API on one.
# The sequences are written once, in the stream core
# (pyuvnet/_internal/streams/core/reads_seam.pyx), a module above this one,
# which hands this table of its C functions to _uv once, at its import,
# as it does the write seam's (uv/stream/node_writes.pyx says why a table).
# A call through it is a C call: no Python call, no *args tuple.

cdef extern from "stream/node_reads.h":
    ctypedef struct NodeReads "pyuvnet_node_reads":
        int (*push)(object stream, object chunk) except -1
        int (*pause)(object stream) except -1
        int (*resume)(object stream) except -1
        int (*listener_added)(object stream, object event) except -1
        int (*listeners_gone)(object stream) except -1
        object (*take_reads)(object stream)
        object (*read)(object stream, object state, object size)
    const char* NODE_READS_CAPSULE "PYUVNET_NODE_READS_CAPSULE"


cdef NodeReads* node_reads = NULL


def take_node_reads(capsule):
    """_internal.streams._core's read sequences (a capsule of its NodeReads
    table, which lives as long as that module): called once, at its import.
    Returns the C streams' own read() (StreamReadable's), which the stream
    core knows as Readable's."""
    global node_reads
    node_reads = <NodeReads*>PyCapsule_GetPointer(capsule, NODE_READS_CAPSULE)
    return StreamReadable.read
