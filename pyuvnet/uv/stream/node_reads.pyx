# The read seam: how the C streams (a Stream, a TLS pump, an IncomingCore)
# run Node's read sequences once a program took the Readable API on one.
# The sequences are written once, in the stream core
# (pyuvnet/_internal/streams/core/reads_seam.pyx), a module above this one,
# which hands this table of its C functions to _uv once, at its import,
# as it does the write seam's (uv/stream/node_writes.pyx says why a table).
# A call through it is a C call: no Python call, no *args tuple.

# (The table's declaration: node_reads.pxd, in _uv.pxd.)

cdef NodeReads* node_reads = NULL


def take_node_reads(capsule):
    """_internal.streams._core's read sequences (a capsule of its NodeReads
    table, which lives as long as that module): called once, at its import.
    Returns the C streams' own read() (StreamReadable's), which the stream
    core knows as Readable's."""
    global node_reads
    node_reads = <NodeReads*>PyCapsule_GetPointer(capsule, NODE_READS_CAPSULE)
    return StreamReadable.read
