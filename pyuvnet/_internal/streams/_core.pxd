# C-level interface of pyuvnet._internal.streams._core: Node's ReadableState and
# WritableState as C structs, for the stream sequences written in Cython
# (`from pyuvnet._internal.streams._core cimport ReadableState, WritableState`).
# Field names are Node's. The counters are C integers (a property each
# from Python); every other field is an object, which core/states.pyx
# makes a member descriptor, so that Python code reads and writes it as
# fast as a __slots__ field (CPython 3.11 specializes those, not
# properties) and stores what it is given, as Node's fields do.

cdef class ReadableState:
    cdef public object objectMode
    cdef public Py_ssize_t highWaterMark
    cdef public object buffer           # a deque of chunks
    # pyuvnet's, not Node's: how much of buffer[0] was read already. A read
    # of part of the head chunk moves it on rather than slicing the chunk
    # (Node's Buffer slice is a view; a bytes slice is a copy of the rest).
    cdef public Py_ssize_t headOffset
    cdef public Py_ssize_t length       # bytes buffered (objects in object mode)
    cdef public object pipes
    cdef public object flowing          # None (never), True, False (paused)
    cdef public object ended, endEmitted
    cdef public Py_ssize_t endQueued    # the endReadable() calls one queued tick stands for
    cdef public object reading, constructed
    cdef public object sync               # push() from inside _read(): 'readable' waits a tick
    cdef public object needReadable, emittedReadable, readableListening, resumeScheduled
    cdef public object paused           # None, True, False
    cdef public object errorEmitted, emitClose, autoDestroy, destroyed
    cdef public object errored
    cdef public object closed, closeEmitted
    cdef public object defaultEncoding
    cdef public object awaitDrainWriters
    cdef public object multiAwaitDrain, readingMore, dataEmitted
    cdef public object decoder, encoding
    cdef public object readable
    # pyuvnet's, not Node's: None, or what a stream whose bytes come from
    # C (net.Socket, a TLSSocket, an IncomingMessage) runs after 'end' in
    # place of the half-open end and auto-destroy below (called with the
    # stream; its own end sequence, which C keeps).
    cdef public object endHook

    cpdef ReadableState clone(self)


cdef class WritableState:
    cdef public object objectMode
    cdef public Py_ssize_t highWaterMark
    cdef public object finalCalled, needDrain, ending, ended, finished, destroyed
    cdef public object decodeStrings
    cdef public object defaultEncoding
    cdef public Py_ssize_t length       # bytes written and not called back (objects in object mode)
    cdef public object writing
    cdef public Py_ssize_t corked
    cdef public object sync, bufferProcessing
    cdef public object writecb          # None: the write has no callback
    cdef public object expectWriteCb      # a second call is ERR_MULTIPLE_CALLBACK
    cdef public Py_ssize_t writelen
    cdef public object afterWriteTickInfo
    cdef public object afterWritePending
    cdef public object buffered           # {chunk, encoding, callback} dicts
    cdef public Py_ssize_t bufferedIndex
    cdef public object allBuffers, allNoop
    cdef public Py_ssize_t pendingcb
    cdef public object constructed, prefinished, errorEmitted, emitClose, autoDestroy
    cdef public object errored
    cdef public object closed, closeEmitted, writable
    cdef public object onFinished

    cpdef WritableState clone(self)
