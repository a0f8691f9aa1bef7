# cython: language_level=3, auto_pickle=False
"""The stream package's state and hot sequences in C (Node 20's
lib/internal/streams/): ``ReadableState`` and ``WritableState`` as C
structs (_core.pxd), and the sequences that run on every stream, written
over those fields. The classes (Readable, Writable, Duplex) stay Python
classes in the package's .py files; their hot methods are this module's
functions, bound as methods.

The rooms are included, not imported, so that the sequences reach each
other and the states' fields in C:

    core/states.pyx       the two states and their options
    core/ticks.pyx        nextTick() as a C call
    core/emits.pyx        the events the sequences emit, through C when they may
    core/chunks.pyx       the byte-like kinds, and a chunk made bytes
    core/readable.pyx     the read side: push, read, flowing mode, 'readable'
    core/read_head.pyx    reads within the head chunk, and the bytes they copy
    core/readable_end.pyx the read side's end: endReadable and its tick
    core/writable.pyx     write(), end(), the buffer and the finish sequence
    core/destroy.pyx      destroy() and errorOrDestroy()
    core/duplex.pyx       Duplex's init from a template of states
    core/writes_seam.pyx  the write sequences the C streams of _uv run
    core/reads_seam.pyx   the read sequences the C streams of _uv run
"""
include "core/states.pyx"
include "core/ticks.pyx"
include "core/emits.pyx"
include "core/chunks.pyx"
include "core/readable.pyx"
include "core/read_head.pyx"
include "core/readable_end.pyx"
include "core/writable.pyx"
include "core/destroy.pyx"
include "core/duplex.pyx"
include "core/writes_seam.pyx"
include "core/reads_seam.pyx"
