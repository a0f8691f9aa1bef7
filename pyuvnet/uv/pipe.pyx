# Pipe specifics over uv_pipe_t (unix domain sockets, Windows named pipes).


cdef int pipe_init(Handle owner) except -1:
    """Give ``owner`` a fresh uv_pipe_t (not for handle passing)."""
    cdef uv.uv_pipe_t* pipe = <uv.uv_pipe_t*>PyMem_RawMalloc(uv.uv_handle_size(uv.UV_NAMED_PIPE))
    cdef int r
    if pipe == NULL:
        raise MemoryError()
    r = uv.uv_pipe_init(owner.loop.uvloop, pipe, 0)
    if r < 0:
        PyMem_RawFree(pipe)
        raise errors.uv_exception(r, 'uv_pipe_init')
    owner.adopt(<uv.uv_handle_t*>pipe)
    return 0
