# Every libuv declaration pyuvnet uses, in one place (libuv >= 1.44).
from libc.stdint cimport uint64_t, int64_t, intptr_t
from cpython.ref cimport PyObject




cdef extern from "uv.h" nogil:
    ctypedef long ssize_t
    const char* uv_version_string()
    unsigned int UV_VERSION_HEX

    int UV_EOF, UV_ECANCELED, UV_EAGAIN, UV_EBADF, UV_EINVAL, UV_ENOTCONN
    int UV_ECONNRESET, UV_EPIPE, UV_ENOBUFS, UV_ETIMEDOUT, UV_ENOTSUP
    int UV_EADDRINUSE, UV_ENOSYS, UV_ENAMETOOLONG, UV_ENOMEM

    const char* uv_err_name(int err)
    const char* uv_strerror(int err)

    ctypedef enum uv_run_mode:
        UV_RUN_DEFAULT, UV_RUN_ONCE, UV_RUN_NOWAIT

    ctypedef enum uv_handle_type:
        UV_UNKNOWN_HANDLE, UV_TCP, UV_NAMED_PIPE, UV_TTY, UV_UDP, UV_FILE

    ctypedef struct uv_loop_t:
        void* data
        # Set by uv_stop() until uv_run returns (a public member, "internal").
        unsigned int stop_flag

    ctypedef struct uv_handle_t:
        void* data
        uv_loop_t* loop
        uv_handle_type type

    ctypedef struct uv_stream_t:
        void* data
        uv_loop_t* loop
        size_t write_queue_size

    ctypedef struct uv_tcp_t:
        void* data

    ctypedef struct uv_pipe_t:
        void* data

    ctypedef struct uv_timer_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_prepare_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_check_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_idle_t:
        void* data

    ctypedef struct uv_poll_t:
        void* data

    ctypedef struct uv_async_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_req_t:
        void* data

    ctypedef struct uv_write_t:
        void* data
        uv_stream_t* handle

    ctypedef struct uv_connect_t:
        void* data
        uv_stream_t* handle

    ctypedef struct uv_shutdown_t:
        void* data
        uv_stream_t* handle

    ctypedef struct uv_getaddrinfo_t:
        void* data

    ctypedef struct uv_getnameinfo_t:
        void* data
        uv_loop_t* loop

    ctypedef struct uv_buf_t:
        char* base
        size_t len

    # int on Unix; on Windows uv_os_sock_t is a SOCKET (an unsigned
    # pointer-sized integer) and uv_os_fd_t a HANDLE (a pointer). The C
    # Cython emits names the header's own types; declared pointer-sized
    # here so that no value is narrowed on its way to or from Python
    # (a uv_os_fd_t is cast to intptr_t explicitly, as a HANDLE must be).
    ctypedef intptr_t uv_os_fd_t
    ctypedef intptr_t uv_os_sock_t
    ctypedef int uv_file

    # sockaddr family (from the system headers libuv includes)
    ctypedef unsigned short sa_family_t
    struct sockaddr:
        sa_family_t sa_family
    struct sockaddr_storage:
        sa_family_t ss_family
    struct in_addr:
        pass
    struct in6_addr:
        pass
    struct sockaddr_in:
        sa_family_t sin_family
        unsigned short sin_port
    struct sockaddr_in6:
        sa_family_t sin6_family
        unsigned short sin6_port
        unsigned int sin6_scope_id
    struct addrinfo:
        int ai_flags
        int ai_family
        int ai_socktype
        int ai_protocol
        size_t ai_addrlen
        sockaddr* ai_addr
        char* ai_canonname
        addrinfo* ai_next
    int AF_INET, AF_INET6, AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP
    int AI_ADDRCONFIG, AI_V4MAPPED, AI_ALL
    int INET6_ADDRSTRLEN

    # A loop callback that takes the GIL by hand (pyuvnet_take_gil;
    # loop/loop.pyx, "The GIL") is given as <uv_X_cb><void*>function: Cython
    # cannot see that it does, and would warn of every such cast.
    ctypedef void (*uv_close_cb)(uv_handle_t* handle) with gil
    ctypedef void (*uv_alloc_cb)(uv_handle_t* handle, size_t suggested_size, uv_buf_t* buf) with gil
    ctypedef void (*uv_read_cb)(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) with gil
    ctypedef void (*uv_write_cb)(uv_write_t* req, int status) with gil
    ctypedef void (*uv_connect_cb)(uv_connect_t* req, int status) with gil
    ctypedef void (*uv_shutdown_cb)(uv_shutdown_t* req, int status) with gil
    ctypedef void (*uv_connection_cb)(uv_stream_t* server, int status) with gil
    ctypedef void (*uv_timer_cb)(uv_timer_t* handle) with gil
    ctypedef void (*uv_prepare_cb)(uv_prepare_t* handle) with gil
    ctypedef void (*uv_check_cb)(uv_check_t* handle) with gil
    ctypedef void (*uv_idle_cb)(uv_idle_t* handle) with gil
    ctypedef void (*uv_poll_cb)(uv_poll_t* handle, int status, int events) with gil
    ctypedef void (*uv_async_cb)(uv_async_t* handle) with gil
    ctypedef void (*uv_getaddrinfo_cb)(uv_getaddrinfo_t* req, int status, addrinfo* res) with gil
    ctypedef void (*uv_getnameinfo_cb)(uv_getnameinfo_t* req, int status, const char* hostname,
                                       const char* service) with gil

    # loop
    int uv_loop_init(uv_loop_t* loop)
    int uv_loop_close(uv_loop_t* loop)
    int uv_run(uv_loop_t*, uv_run_mode mode)
    void uv_stop(uv_loop_t*)
    int uv_loop_alive(const uv_loop_t* loop)
    uint64_t uv_now(const uv_loop_t*)
    uint64_t uv_hrtime()
    void uv_update_time(uv_loop_t*)
    int uv_backend_fd(const uv_loop_t*)
    int uv_backend_timeout(const uv_loop_t*)
    void uv_walk(uv_loop_t* loop, void (*walk_cb)(uv_handle_t*, void*), void* arg)

    # handles
    size_t uv_handle_size(uv_handle_type type)
    void uv_close(uv_handle_t* handle, uv_close_cb close_cb)
    int uv_is_closing(const uv_handle_t* handle)
    int uv_is_active(const uv_handle_t* handle)
    void uv_ref(uv_handle_t*)
    void uv_unref(uv_handle_t*)
    int uv_has_ref(const uv_handle_t*)
    int uv_fileno(const uv_handle_t* handle, uv_os_fd_t* fd)
    uv_buf_t uv_buf_init(char* base, unsigned int len)

    # timers, prepare/check/idle
    int uv_timer_init(uv_loop_t*, uv_timer_t* handle)
    int uv_timer_start(uv_timer_t* handle, uv_timer_cb cb, uint64_t timeout, uint64_t repeat)
    int uv_timer_stop(uv_timer_t* handle)
    int uv_prepare_init(uv_loop_t*, uv_prepare_t* prepare)
    int uv_prepare_start(uv_prepare_t* prepare, uv_prepare_cb cb)
    int uv_prepare_stop(uv_prepare_t* prepare)
    int uv_check_init(uv_loop_t*, uv_check_t* check)
    int uv_check_start(uv_check_t* check, uv_check_cb cb)
    int uv_check_stop(uv_check_t* check)
    int uv_idle_init(uv_loop_t*, uv_idle_t* idle)
    int uv_idle_start(uv_idle_t* idle, uv_idle_cb cb)
    int uv_idle_stop(uv_idle_t* idle)
    int uv_poll_init(uv_loop_t* loop, uv_poll_t* handle, int fd)
    int uv_async_init(uv_loop_t* loop, uv_async_t* handle, uv_async_cb cb)
    int uv_async_send(uv_async_t* handle) nogil
    int uv_poll_start(uv_poll_t* handle, int events, uv_poll_cb cb)
    int uv_poll_stop(uv_poll_t* handle)

    # streams
    int uv_listen(uv_stream_t* stream, int backlog, uv_connection_cb cb)
    int uv_accept(uv_stream_t* server, uv_stream_t* client)
    int uv_read_start(uv_stream_t*, uv_alloc_cb alloc_cb, uv_read_cb read_cb)
    int uv_read_stop(uv_stream_t*)
    int uv_write(uv_write_t* req, uv_stream_t* handle, const uv_buf_t bufs[],
                 unsigned int nbufs, uv_write_cb cb)
    int uv_try_write(uv_stream_t* handle, const uv_buf_t bufs[], unsigned int nbufs)
    int uv_shutdown(uv_shutdown_t* req, uv_stream_t* handle, uv_shutdown_cb cb)
    int uv_is_readable(const uv_stream_t* handle)
    int uv_is_writable(const uv_stream_t* handle)
    size_t uv_stream_get_write_queue_size(const uv_stream_t* stream)

    # tcp
    int UV_TCP_IPV6ONLY
    int uv_tcp_init(uv_loop_t*, uv_tcp_t* handle)
    int uv_tcp_init_ex(uv_loop_t*, uv_tcp_t* handle, unsigned int flags)
    int uv_tcp_open(uv_tcp_t* handle, uv_os_sock_t sock)
    int uv_tcp_nodelay(uv_tcp_t* handle, int enable)
    int uv_tcp_keepalive(uv_tcp_t* handle, int enable, unsigned int delay)
    int uv_tcp_bind(uv_tcp_t* handle, const sockaddr* addr, unsigned int flags)
    int uv_tcp_getsockname(const uv_tcp_t* handle, sockaddr* name, int* namelen)
    int uv_tcp_getpeername(const uv_tcp_t* handle, sockaddr* name, int* namelen)
    int uv_tcp_connect(uv_connect_t* req, uv_tcp_t* handle, const sockaddr* addr, uv_connect_cb cb)
    int uv_tcp_close_reset(uv_tcp_t* handle, uv_close_cb close_cb)

    # pipes
    int uv_pipe_init(uv_loop_t*, uv_pipe_t* handle, int ipc)
    int uv_pipe_open(uv_pipe_t* handle, uv_file file)
    int uv_pipe_bind(uv_pipe_t* handle, const char* name)
    void uv_pipe_connect(uv_connect_t* req, uv_pipe_t* handle, const char* name, uv_connect_cb cb)
    int uv_pipe_getsockname(const uv_pipe_t* handle, char* buffer, size_t* size)
    int uv_pipe_chmod(uv_pipe_t* handle, int flags)
    int UV_READABLE, UV_WRITABLE
    uv_handle_type uv_guess_handle(uv_file file)

    # dns
    int uv_getaddrinfo(uv_loop_t* loop, uv_getaddrinfo_t* req, uv_getaddrinfo_cb cb,
                       const char* node, const char* service, const addrinfo* hints)
    void uv_freeaddrinfo(addrinfo* ai)
    int uv_getnameinfo(uv_loop_t* loop, uv_getnameinfo_t* req, uv_getnameinfo_cb cb,
                       const sockaddr* addr, int flags)
    int NI_NAMEREQD

    # addresses
    int uv_ip4_addr(const char* ip, int port, sockaddr_in* addr)
    int uv_ip6_addr(const char* ip, int port, sockaddr_in6* addr)
    int uv_ip4_name(const sockaddr_in* src, char* dst, size_t size)
    int uv_ip6_name(const sockaddr_in6* src, char* dst, size_t size)
    int uv_inet_pton(int af, const char* src, void* dst)
    int uv_inet_ntop(int af, const void* src, char* dst, size_t size)
    unsigned short ntohs(unsigned short)
    unsigned short htons(unsigned short)


# -- processes and IPC pipes (pyuvnet.child_process; uv/handles/process.pyx, ipc.pyx)
cdef extern from "uv.h" nogil:
    ctypedef struct uv_process_t:
        void* data
        int pid

    ctypedef void (*uv_exit_cb)(uv_process_t* process, int64_t exit_status, int term_signal) with gil

    ctypedef enum uv_stdio_flags:
        UV_IGNORE, UV_CREATE_PIPE, UV_INHERIT_FD, UV_INHERIT_STREAM,
        UV_READABLE_PIPE, UV_WRITABLE_PIPE

    # The anonymous union of uv_stdio_container_t; only its members are named.
    ctypedef union uv_stdio_container_data:
        uv_stream_t* stream
        int fd

    ctypedef struct uv_stdio_container_t:
        uv_stdio_flags flags
        uv_stdio_container_data data

    ctypedef struct uv_process_options_t:
        uv_exit_cb exit_cb
        const char* file
        char** args
        char** env
        const char* cwd
        unsigned int flags
        int stdio_count
        uv_stdio_container_t* stdio

    int UV_PROCESS_DETACHED, UV_PROCESS_WINDOWS_HIDE
    int UV_ESRCH
    int uv_spawn(uv_loop_t* loop, uv_process_t* handle, const uv_process_options_t* options)
    int uv_process_kill(uv_process_t* handle, int signum)

    # IPC pipes: handles travel with a write; received ones wait as pending.
    int uv_write2(uv_write_t* req, uv_stream_t* handle, const uv_buf_t bufs[],
                  unsigned int nbufs, uv_stream_t* send_handle, uv_write_cb cb)
    int uv_pipe_pending_count(uv_pipe_t* handle)
    uv_handle_type uv_pipe_pending_type(uv_pipe_t* handle)


# -- UDP (pyuvnet.dgram; uv/handles/udp.pyx)
cdef extern from "uv.h" nogil:
    ctypedef struct uv_udp_t:
        void* data
        uv_loop_t* loop
        size_t send_queue_size
        size_t send_queue_count

    ctypedef struct uv_udp_send_t:
        void* data
        uv_udp_t* handle

    ctypedef enum uv_membership:
        UV_LEAVE_GROUP, UV_JOIN_GROUP

    int UV_UDP_IPV6ONLY, UV_UDP_REUSEADDR, UV_UDP_RECVMMSG
    int UV_UDP_PARTIAL, UV_UDP_MMSG_CHUNK, UV_UDP_MMSG_FREE
    int UV_EMSGSIZE, UV_EISCONN

    ctypedef void (*uv_udp_send_cb)(uv_udp_send_t* req, int status) with gil
    ctypedef void (*uv_udp_recv_cb)(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                                    const sockaddr* addr, unsigned flags) with gil

    int uv_udp_init_ex(uv_loop_t*, uv_udp_t* handle, unsigned int flags)
    int uv_udp_open(uv_udp_t* handle, uv_os_sock_t sock)
    int uv_udp_bind(uv_udp_t* handle, const sockaddr* addr, unsigned int flags)
    int uv_udp_connect(uv_udp_t* handle, const sockaddr* addr)
    int uv_udp_getpeername(const uv_udp_t* handle, sockaddr* name, int* namelen)
    int uv_udp_getsockname(const uv_udp_t* handle, sockaddr* name, int* namelen)
    int uv_udp_set_membership(uv_udp_t* handle, const char* multicast_addr,
                              const char* interface_addr, uv_membership membership)
    int uv_udp_set_source_membership(uv_udp_t* handle, const char* multicast_addr,
                                     const char* interface_addr, const char* source_addr,
                                     uv_membership membership)
    int uv_udp_set_multicast_loop(uv_udp_t* handle, int on)
    int uv_udp_set_multicast_ttl(uv_udp_t* handle, int ttl)
    int uv_udp_set_multicast_interface(uv_udp_t* handle, const char* interface_addr)
    int uv_udp_set_broadcast(uv_udp_t* handle, int on)
    int uv_udp_set_ttl(uv_udp_t* handle, int ttl)
    int uv_udp_send(uv_udp_send_t* req, uv_udp_t* handle, const uv_buf_t bufs[],
                    unsigned int nbufs, const sockaddr* addr, uv_udp_send_cb send_cb)
    int uv_udp_try_send(uv_udp_t* handle, const uv_buf_t bufs[], unsigned int nbufs,
                        const sockaddr* addr)
    int uv_udp_recv_start(uv_udp_t* handle, uv_alloc_cb alloc_cb, uv_udp_recv_cb recv_cb)
    int uv_udp_using_recvmmsg(const uv_udp_t* handle)
    int uv_udp_recv_stop(uv_udp_t* handle)
    size_t uv_udp_get_send_queue_size(const uv_udp_t* handle)
    size_t uv_udp_get_send_queue_count(const uv_udp_t* handle)
    int uv_send_buffer_size(uv_handle_t* handle, int* value)
    int uv_recv_buffer_size(uv_handle_t* handle, int* value)


cdef extern from "pyuvnet_compat.h":
    # Needs the GIL: a chunk's bytes (new reference; NULL with an error set).
    bytes pyuvnet_chunk(pyuvnet_loop_t* loop, const char* data, ssize_t n)
    void pyuvnet_chunk_pool_clear(pyuvnet_loop_t* loop)
    void pyuvnet_list_empty(list items)
    # A read's bytes copied out of the loop's buffer (pyuvnet_copy.h).
    bytes pyuvnet_bytes_copy(const char* data, ssize_t n)
    # A sink's read buffer as a bytes object (Stream.sink_buffer).
    char* pyuvnet_read_bytes(PyObject** slot, ssize_t n)
    const char* pyuvnet_bytes_data(PyObject* bytes)
    bytes pyuvnet_bytes_handover(PyObject** slot, ssize_t n)
    # A large body's read buffer, kept for reuse (pyuvnet_body_spare).
    char* pyuvnet_read_body(PyObject** slot, ssize_t n)
    bytes pyuvnet_body_handover(PyObject** slot, ssize_t n)
    # Where a socket whose reads fill chunks reads next (NULL: the loop's buffer).
    char* pyuvnet_read_chunk(pyuvnet_loop_t* loop)
    bint pyuvnet_in_read_chunk(pyuvnet_loop_t* loop, const char* base)
    bytes pyuvnet_read_chunk_take(pyuvnet_loop_t* loop, ssize_t n)
    # ``mine`` is the str ``known``, compared by bytes (exact str only).
    bint pyuvnet_same_text(object mine, object known)
    # A dict's version (PEP 509), where CPython has one (PYUVNET_DICT_VERSIONS).
    unsigned long long pyuvnet_dict_version(object d)
    bint PYUVNET_DICT_VERSIONS

cdef extern from "pyuvnet_compat.h" nogil:
    # Features newer than libuv 1.44 are chosen at compile time from
    # UV_VERSION_HEX; this header gives each one a working fallback.
    int PYUVNET_HAVE_TCP_REUSEPORT
    int UV_TCP_REUSEPORT
    int pyuvnet_set_reuseport(uv_tcp_t* handle)
    int pyuvnet_tcp_bind(uv_tcp_t* handle, const sockaddr* addr, unsigned int flags)
    int pyuvnet_tcp_keepalive(uv_tcp_t* handle, int on, unsigned int idle,
                              unsigned int intvl, unsigned int cnt)
    int pyuvnet_tcp_set_tos(uv_tcp_t* handle, int tos)
    int pyuvnet_tcp_get_tos(uv_tcp_t* handle)
    int pyuvnet_pipe_bind(uv_pipe_t* handle, const char* name, size_t len)
    int pyuvnet_pipe_connect(uv_connect_t* req, uv_pipe_t* handle, const char* name,
                             size_t len, uv_connect_cb cb)
    int PYUVNET_READ_BUF_SIZE
    int PYUVNET_CHUNK_SIZE
    ctypedef struct pyuvnet_loop_t:
        uv_loop_t uv
        void* gil_released
        int gil_kept
        void* chunk_pool[16]
        int chunk_next
        PyObject* read_chunk
        uv_buf_t write_buf
        char* read_buf
    uint64_t pyuvnet_now(uv_loop_t* loop)
    void pyuvnet_release_gil(uv_loop_t* loop)
    void pyuvnet_take_gil(uv_loop_t* loop)
