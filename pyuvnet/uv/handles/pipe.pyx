# Pipe specifics over uv_pipe_t (unix domain sockets, Windows named pipes),
# as functions on a Handle: init, bind, connect, open, chmod, names.


cdef int pipe_init(Handle owner) except -1:
    """Give ``owner`` a fresh uv_pipe_t (not for handle passing)."""
    cdef uv.uv_loop_t* uvloop = owner.loop.live()     # before anything is allocated
    cdef size_t size = uv.uv_handle_size(uv.UV_NAMED_PIPE)
    cdef uv.uv_pipe_t* pipe = <uv.uv_pipe_t*>PyMem_Malloc(size + sizeof(fin_request))
    cdef int r
    if pipe == NULL:
        raise MemoryError()
    r = uv.uv_pipe_init(uvloop, pipe, 0)
    if r < 0:
        PyMem_Free(pipe)
        raise errors.uv_exception(r, 'uv_pipe_init')
    owner.adopt(<uv.uv_handle_t*>pipe)
    give_fin_room(owner, <char*>pipe + size)
    return 0


cdef bytes pipe_name(object path):
    """The bytes of a pipe's path: os.fsencode's (a str decoded from bytes
    with surrogateescape comes back as those bytes), and where a lone
    surrogate cannot be encoded, U+FFFD in its place, as Node writes one."""
    text = exact_str(path, 'path')
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:
        return node_utf8(text)


def pipe_bind(Handle owner, object path):
    """Create ``owner``'s pipe handle bound to ``path`` (a leading NUL
    makes a Linux abstract name); 0 or a libuv error code."""
    cdef bytes name = pipe_name(path)
    pipe_init(owner)
    return uv.pyuvnet_pipe_bind(<uv.uv_pipe_t*>owner.handle, name, len(name))


def pipe_chmod(Handle owner, bint readable, bint writable):
    """Make the bound socket file readable and/or writable by everyone."""
    cdef int flags = (uv.UV_READABLE if readable else 0) | (uv.UV_WRITABLE if writable else 0)
    return uv.uv_pipe_chmod(<uv.uv_pipe_t*>owner.handle, flags)


def pipe_open(Handle owner, int fd):
    """Wrap an existing pipe or unix-socket fd; 0 or a libuv error code."""
    pipe_init(owner)
    return uv.uv_pipe_open(<uv.uv_pipe_t*>owner.handle, fd)


def pipe_connect(Stream stream, object path):
    """Start connecting to ``path``: 0 (``stream._on_connect(status)``
    follows), 1 (connected already: the caller reports it), or a libuv
    error code."""
    cdef bytes name = pipe_name(path)
    cdef ConnectRequest cr = ConnectRequest.__new__(ConnectRequest)
    cdef int r
    if stream.handle != NULL and uv.uv_is_closing(stream.handle):
        raise errors.ERR_SOCKET_CLOSED()
    if stream.handle == NULL:
        pipe_init(stream)
    cr.stream = stream
    r = uv.pyuvnet_pipe_connect(&cr.req, <uv.uv_pipe_t*>stream.handle, name, len(name), <uv.uv_connect_cb><void*>connect_done)
    if r == 0:
        cr.req.data = <void*>cr
        Py_INCREF(cr)
        stream.loop.io_changed()
    elif r == 1:
        stream.connected = True
        stream.connecting = False
    return r


def pipe_sockname(Handle owner):
    """The path this pipe is bound to ('' for an unnamed end), or None."""
    cdef char buf[1024]
    cdef size_t size = sizeof(buf)
    if not owner.is_open() or uv.uv_pipe_getsockname(<uv.uv_pipe_t*>owner.handle, buf, &size) < 0:
        return None
    return os.fsdecode(buf[:size])


def guess_handle(int fd):
    """What kind of handle ``fd`` is: 'tcp', 'pipe', 'tty', 'udp', 'file'
    or 'unknown' (libuv's uv_guess_handle)."""
    cdef uv.uv_handle_type kind = uv.uv_guess_handle(fd)
    if kind == uv.UV_TCP:
        return 'tcp'
    if kind == uv.UV_NAMED_PIPE:
        return 'pipe'
    if kind == uv.UV_TTY:
        return 'tty'
    if kind == uv.UV_UDP:
        return 'udp'
    if kind == uv.UV_FILE:
        return 'file'
    return 'unknown'
