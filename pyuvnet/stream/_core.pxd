# C-level interface of pyuvnet.stream._core: Node's ReadableState and
# WritableState as C structs, for the stream sequences written in Cython
# (`from pyuvnet.stream._core cimport ReadableState, WritableState`).
# Field names are Node's; from Python each is a property of the same name.
# Tri-state fields (None, True, False) and buffers stay objects.

cdef class ReadableState:
    cdef public bint objectMode
    cdef public Py_ssize_t highWaterMark
    cdef public object buffer           # a deque of chunks
    cdef public Py_ssize_t length       # bytes buffered (objects in object mode)
    cdef public list pipes
    cdef public object flowing          # None (never), True, False (paused)
    cdef public bint ended, endEmitted
    cdef public Py_ssize_t endQueued    # the endReadable() calls one queued tick stands for
    cdef public bint reading, constructed
    cdef public bint sync               # push() from inside _read(): 'readable' waits a tick
    cdef public bint needReadable, emittedReadable, readableListening, resumeScheduled
    cdef public object paused           # None, True, False
    cdef public bint errorEmitted, emitClose, autoDestroy, destroyed
    cdef public object errored
    cdef public bint closed, closeEmitted
    cdef public object defaultEncoding
    cdef public object awaitDrainWriters
    cdef public bint multiAwaitDrain, readingMore, dataEmitted
    cdef public object decoder, encoding
    cdef public bint readable

    cpdef ReadableState clone(self)


cdef class WritableState:
    cdef public bint objectMode
    cdef public Py_ssize_t highWaterMark
    cdef public bint finalCalled, needDrain, ending, ended, finished, destroyed
    cdef public bint decodeStrings
    cdef public object defaultEncoding
    cdef public Py_ssize_t length       # bytes written and not called back (objects in object mode)
    cdef public bint writing
    cdef public Py_ssize_t corked
    cdef public bint sync, bufferProcessing
    cdef public object writecb          # None: the write has no callback
    cdef public bint expectWriteCb      # a second call is ERR_MULTIPLE_CALLBACK
    cdef public Py_ssize_t writelen
    cdef public object afterWriteTickInfo
    cdef public bint afterWritePending
    cdef public list buffered           # {chunk, encoding, callback} dicts
    cdef public Py_ssize_t bufferedIndex
    cdef public bint allBuffers, allNoop
    cdef public Py_ssize_t pendingcb
    cdef public bint constructed, prefinished, errorEmitted, emitClose, autoDestroy
    cdef public object errored
    cdef public bint closed, closeEmitted, writable
    cdef public list onFinished

    cpdef WritableState clone(self)
