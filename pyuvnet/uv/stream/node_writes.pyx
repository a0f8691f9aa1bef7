# The write seam: how the C streams below (a Stream's write path, the TLS
# pump) run Node's write sequences, which are written once, in the stream core
# (pyuvnet/_internal/streams/core/writes_seam.pyx), a module above this one.
#
# Why a table of C function pointers in a capsule (docs/DESIGN.md, "The
# write seam"), and not the two other ways to reach the stream core from here:
# - _uv cannot cimport pyuvnet._internal.streams._core: a cimport of a module that
#   declares extension types makes _uv import it (and the stream package's
#   __init__, which imports _uv) while _uv itself is being initialised, a
#   circle at import, even if _internal.streams._core took _uv's tick capsule lazily.
# - The states could move to an extension below _uv that both cimport;
#   that moves the stream core's states out of their room and adds a module
#   every program loads, for what one table of pointers gives.
# - Python globals bound at import are a Python call each: fine once per
#   API call, not on a path a write may take per chunk.
# So _internal.streams._core fills a NodeWrites table with its own cdef functions and
# hands it to _uv once, at its import (take_node_writes).  The C streams
# call through it with no Python call and no import of anything above.
# _internal.streams._core is imported with the package (every Socket is a Duplex), so
# no C stream runs before the table is there.

# (The table's declaration: node_writes.pxd, in _uv.pxd.)

cdef NodeWrites* node_writes = NULL


def take_node_writes(capsule):
    """_internal.streams._core's write sequences (a capsule of its NodeWrites table,
    which lives as long as that module): called once, at its import."""
    global node_writes
    node_writes = <NodeWrites*>PyCapsule_GetPointer(capsule, NODE_WRITES_CAPSULE)
