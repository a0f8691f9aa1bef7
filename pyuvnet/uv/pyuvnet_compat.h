/* Compile-time choices for features newer than libuv 1.44, each with a fallback,
 * and the loop struct pyuvnet allocates (libuv's loop plus the read buffer that
 * every stream of that loop reads into, so alloc callbacks need no GIL). */
#ifndef PYUVNET_COMPAT_H
#define PYUVNET_COMPAT_H
#include <Python.h>
#include <uv.h>

#if UV_VERSION_HEX >= ((1 << 16) | (49 << 8))
#define PYUVNET_HAVE_TCP_REUSEPORT 1
#else
#define PYUVNET_HAVE_TCP_REUSEPORT 0
#define UV_TCP_REUSEPORT 0
#endif

/* SO_REUSEPORT set by hand on the (already created) socket, for libuv
 * releases without UV_TCP_REUSEPORT; a libuv error code on failure. */
#ifndef _WIN32
#include <errno.h>
#include <sys/socket.h>
#endif
static int pyuvnet_set_reuseport(uv_tcp_t* handle) {
#if defined(SO_REUSEPORT) && !defined(_WIN32)
    uv_os_fd_t fd;
    int on = 1;
    int r = uv_fileno((uv_handle_t*)handle, &fd);
    if (r < 0)
        return r;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        return -errno;
    return 0;
#else
    (void)handle;
    return UV_ENOTSUP;
#endif
}

/* Binding and connecting pipes by name, with the name's length: Linux
 * abstract names start with NUL, and a name too long for sun_path must be
 * refused rather than truncated.  libuv >= 1.46 has uv_pipe_bind2 and
 * uv_pipe_connect2 for both; before that, plain names go through
 * uv_pipe_bind/uv_pipe_connect and abstract names through a socket made
 * here and handed to uv_pipe_open. */
/* Is ``mine`` the str ``known`` (exact str; ``known`` exact and ready)?
 * By identity, length, kind and bytes: an app's strings are not interned,
 * so not ours, and a rich compare costs several times as much. */
#include <string.h>
static inline int pyuvnet_same_text(PyObject *mine, PyObject *known) {
    Py_ssize_t n;
    if (mine == known) return 1;
    if (!PyUnicode_CheckExact(mine)) return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(mine) < 0) { PyErr_Clear(); return 0; }
#endif
    n = PyUnicode_GET_LENGTH(mine);
    return n == PyUnicode_GET_LENGTH(known) && PyUnicode_KIND(mine) == PyUnicode_KIND(known)
        && memcmp(PyUnicode_DATA(mine), PyUnicode_DATA(known), n * PyUnicode_KIND(mine)) == 0;
}

#ifndef _WIN32
#include <stddef.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#define PYUVNET_PIPE_NAME_MAX (sizeof(((struct sockaddr_un*)0)->sun_path))
#endif
#define PYUVNET_HAVE_PIPE_BIND2 (UV_VERSION_HEX >= ((1 << 16) | (46 << 8)))

static int pyuvnet_pipe_name_ok(const char* name, size_t len) {
#ifndef _WIN32
    /* A path needs room for its NUL; an abstract name does not. */
    size_t limit = (len > 0 && name[0] == '\0') ? PYUVNET_PIPE_NAME_MAX : PYUVNET_PIPE_NAME_MAX - 1;
    /* EINVAL, as uv_pipe_bind2 with UV_PIPE_NO_TRUNCATE answers. */
    if (len > limit)
        return UV_EINVAL;
    if (len > 0 && name[0] != '\0' && memchr(name, '\0', len) != NULL)
        return UV_EINVAL;
#else
    (void)name; (void)len;
#endif
    return 0;
}

#if !PYUVNET_HAVE_PIPE_BIND2 && !defined(_WIN32)
/* A unix socket bound (bind_it) or connected to an abstract name; the fd
 * or a libuv error code. */
static int pyuvnet_abstract_socket(const char* name, size_t len, int bind_it) {
    struct sockaddr_un sa;
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int r;
    if (fd < 0)
        return -errno;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, len);
    r = bind_it ? bind(fd, (struct sockaddr*)&sa, salen) : connect(fd, (struct sockaddr*)&sa, salen);
    if (r != 0) {
        r = -errno;
        close(fd);
        return r;
    }
    return fd;
}
#endif

static int pyuvnet_pipe_bind(uv_pipe_t* handle, const char* name, size_t len) {
    int r = pyuvnet_pipe_name_ok(name, len);
    if (r < 0)
        return r;
#if PYUVNET_HAVE_PIPE_BIND2
    return uv_pipe_bind2(handle, name, len, UV_PIPE_NO_TRUNCATE);
#else
#ifndef _WIN32
    if (len > 0 && name[0] == '\0') {
        int fd = pyuvnet_abstract_socket(name, len, 1);
        return fd < 0 ? fd : uv_pipe_open(handle, fd);
    }
#endif
    return uv_pipe_bind(handle, name);
#endif
}

/* 0 when the connect is under way (cb follows), 1 when it completed here
 * (the caller reports success itself; cb never runs), or an error code. */
static int pyuvnet_pipe_connect(uv_connect_t* req, uv_pipe_t* handle, const char* name,
                                size_t len, uv_connect_cb cb) {
    int r = pyuvnet_pipe_name_ok(name, len);
    if (r < 0)
        return r;
#if PYUVNET_HAVE_PIPE_BIND2
    return uv_pipe_connect2(req, handle, name, len, UV_PIPE_NO_TRUNCATE, cb);
#else
#ifndef _WIN32
    if (len > 0 && name[0] == '\0') {
        int fd = pyuvnet_abstract_socket(name, len, 0);
        if (fd < 0)
            return fd;
        r = uv_pipe_open(handle, fd);
        return r < 0 ? r : 1;
    }
#endif
    uv_pipe_connect(req, handle, name, cb);
    return 0;
#endif
}

/* uv_tcp_bind, with EADDRINUSE reported now: libuv keeps that error for
 * the next listen or connect, where Node reports it from bind. */
static int pyuvnet_tcp_bind(uv_tcp_t* handle, const struct sockaddr* addr, unsigned int flags) {
    int r = uv_tcp_bind(handle, addr, flags);
#ifndef _WIN32
    if (r == 0 && handle->delayed_error != 0) {
        r = handle->delayed_error;
        handle->delayed_error = 0;
    }
#endif
    return r;
}

/* Keep-alive with its probe timing, as newest Node's setKeepAlive(enable,
 * initialDelay, interval, count): SO_KEEPALIVE, then TCP_KEEPIDLE,
 * TCP_KEEPINTVL and TCP_KEEPCNT for each value above 0 (0 leaves the
 * system's setting alone).  libuv's uv_tcp_keepalive sets only the idle
 * time, and refuses 0; uv_tcp_keepalive_ex refuses 0 too.  So the options
 * are set here on the fd, where the platform has them.  0 or -errno. */
#ifndef _WIN32
#include <netinet/in.h>
#include <netinet/tcp.h>
#endif
static int pyuvnet_tcp_keepalive(uv_tcp_t* handle, int on, unsigned int idle,
                                 unsigned int intvl, unsigned int cnt) {
#ifdef _WIN32
    (void)intvl; (void)cnt;
    return uv_tcp_keepalive(handle, on, idle > 0 ? idle : 7200);
#else
    uv_os_fd_t fd;
    int value;
    int r = uv_fileno((uv_handle_t*)handle, &fd);
    if (r < 0)
        return r;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0)
        return -errno;
    if (!on)
        return 0;
#if defined(TCP_KEEPIDLE)
    value = (int)idle;
    if (idle > 0 && setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &value, sizeof value) != 0)
        return -errno;
#elif defined(TCP_KEEPALIVE)
    value = (int)idle;
    if (idle > 0 && setsockopt(fd, IPPROTO_TCP, TCP_KEEPALIVE, &value, sizeof value) != 0)
        return -errno;
#endif
#ifdef TCP_KEEPINTVL
    value = (int)intvl;
    if (intvl > 0 && setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &value, sizeof value) != 0)
        return -errno;
#endif
#ifdef TCP_KEEPCNT
    value = (int)cnt;
    if (cnt > 0 && setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &value, sizeof value) != 0)
        return -errno;
#endif
    return 0;
#endif
}

/* The Type of Service byte (IP_TOS), or an IPv6 socket's Traffic Class
 * (IPV6_TCLASS): no libuv release has an API for it.  0 or -errno. */
#ifndef _WIN32
static int pyuvnet_tcp_is_ipv6(uv_os_fd_t fd) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr*)&addr, &len) != 0)
        return 0;
    return addr.ss_family == AF_INET6;
}
#endif

static int pyuvnet_tcp_set_tos(uv_tcp_t* handle, int tos) {
#if defined(_WIN32) || !defined(IP_TOS)
    (void)handle; (void)tos;
    return UV_ENOTSUP;
#else
    uv_os_fd_t fd;
    int r = uv_fileno((uv_handle_t*)handle, &fd);
    if (r < 0)
        return r;
#ifdef IPV6_TCLASS
    if (pyuvnet_tcp_is_ipv6(fd))
        return setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos) != 0 ? -errno : 0;
#endif
    return setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) != 0 ? -errno : 0;
#endif
}

/* The TOS byte (or Traffic Class) now set on the socket, or -errno. */
static int pyuvnet_tcp_get_tos(uv_tcp_t* handle) {
#if defined(_WIN32) || !defined(IP_TOS)
    (void)handle;
    return UV_ENOTSUP;
#else
    uv_os_fd_t fd;
    int tos = 0;
    socklen_t len = sizeof tos;
    int r = uv_fileno((uv_handle_t*)handle, &fd);
    if (r < 0)
        return r;
#ifdef IPV6_TCLASS
    if (pyuvnet_tcp_is_ipv6(fd))
        return getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len) != 0 ? -errno : tos;
#endif
    return getsockopt(fd, IPPROTO_IP, IP_TOS, &tos, &len) != 0 ? -errno : tos;
#endif
}

/* A flowing socket reads up to this much per system call (as uvloop) and
 * delivers it as chunks of at most PYUVNET_CHUNK_SIZE (Node's 'data'
 * chunks, libuv's suggested 64 KiB): a stream of 64 KiB writes then costs
 * about one read and one write system call per 256 KiB instead of one
 * each per 64 KiB (bench/RESULTS.md, "Streaming"). */
#define PYUVNET_READ_BUF_SIZE (256 * 1024)
#define PYUVNET_CHUNK_SIZE (64 * 1024)
/* Up to this many chunks of one loop turn's reads can be reused at once
 * (pyuvnet_chunk). */
#define PYUVNET_CHUNK_POOL 16

typedef struct {
    uv_loop_t uv;
    /* While run() is inside uv_run the loop's thread keeps the GIL, except
     * from the prepare phase to the first callback after the poll: this is
     * the thread state saved meanwhile, NULL whenever the thread holds the
     * GIL (see "The GIL" in uv/loop/loop.pyx). */
    PyThreadState* gil_released;
    /* Whether uv_run was entered with the GIL held (run()), so that the
     * prepare phase may let it go. */
    int gil_kept;
    /* Chunk bytes objects kept for reuse (pyuvnet_chunk); NULL: free slot. */
    PyObject* chunk_pool[PYUVNET_CHUNK_POOL];
    /* Where pyuvnet_chunk looks first: after the slot it used last. */
    int chunk_next;
    /* The bytes a socket whose reads fill chunks reads into (pyuvnet_read_chunk),
     * or NULL. */
    PyObject* read_chunk;
    /* The buffer a read written through is described by (write_through in
     * uv/stream/read_callbacks.pyx): uv_try_write keeps no pointer to it. */
    uv_buf_t write_buf;
    char read_buf[PYUVNET_READ_BUF_SIZE];
} pyuvnet_loop_t;

/* uv_now()'s body, the loop's time cached at the start of its turn (a
 * field of every platform's uv_loop_t): inlined where a call would make a
 * read callback's path without the GIL save registers (count_through in
 * uv/stream/read_callbacks.pyx). */
#define pyuvnet_now(uvloop) ((uvloop)->time)

/* The prepare phase: let the GIL go for the poll (when run() kept it). */
static inline void pyuvnet_release_gil(uv_loop_t* uvloop) {
    pyuvnet_loop_t* loop = (pyuvnet_loop_t*)uvloop;
    if (loop->gil_kept && loop->gil_released == NULL)
        loop->gil_released = PyEval_SaveThread();
}

/* The first callback after the poll takes the GIL back; the others of
 * the same turn find it held and pay nothing. */
static inline void pyuvnet_take_gil(uv_loop_t* uvloop) {
    pyuvnet_loop_t* loop = (pyuvnet_loop_t*)uvloop;
    PyThreadState* tstate = loop->gil_released;
    if (tstate != NULL) {
        loop->gil_released = NULL;
        PyEval_RestoreThread(tstate);
    }
}

#include "pyuvnet_bytes_pool.h"

/* Whether a dict changed since a moment: its version (PEP 509), which
 * every change moves on.  CPython 3.14 has none (PYUVNET_DICT_VERSIONS 0):
 * there what was lent out is never taken back (a WSGI environ, a dgram
 * rinfo). */
#if PY_VERSION_HEX < 0x030E0000
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
static inline unsigned long long pyuvnet_dict_version(PyObject* d) {
    return ((PyDictObject*)d)->ma_version_tag;
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#define PYUVNET_DICT_VERSIONS 1
#else
static inline unsigned long long pyuvnet_dict_version(PyObject* d) { (void)d; return 0; }
#define PYUVNET_DICT_VERSIONS 0
#endif

/* The bytes a read delivers (see "Chunk reuse" in uv/stream/stream.pyx),
 * from the loop's pool (pyuvnet_bytes_pool.h): a chunk malloc'd and freed
 * per read would cost about a quarter of an echoed message's
 * instructions.  The chunks a turn's reads still hold (writes held to the
 * end of the poll's reads, uv/stream/held_writes.pyx) are those before
 * the slot used last.  A new reference, NULL with an exception set. */
static PyObject* pyuvnet_chunk(pyuvnet_loop_t* loop, const char* data, Py_ssize_t n) {
    return pyuvnet_pooled_bytes(loop->chunk_pool, PYUVNET_CHUNK_POOL, &loop->chunk_next,
                                PYUVNET_POOLED_MIN, data, n);
}

/* A bytes object for a read to land in (a sink's buffer, Stream.sink_buffer in
 * uv/stream/stream.pyx): *slot (a reference the sink owns, or NULL) if it is n
 * bytes long, else a new one put there.  Its bytes are uninitialised until
 * the read fills them, so it is never seen by Python code before
 * pyuvnet_bytes_handover.  NULL, with no error set, if it cannot be made:
 * the read then lands in the loop's buffer. */
static char* pyuvnet_read_bytes(PyObject** slot, Py_ssize_t n) {
    PyObject* bytes = *slot;
    if (bytes == NULL || Py_SIZE(bytes) != n) {
        Py_CLEAR(*slot);
        bytes = PyBytes_FromStringAndSize(NULL, n);
        if (bytes == NULL) {
            PyErr_Clear();
            return NULL;
        }
        *slot = bytes;
    }
    return PyBytes_AS_STRING(bytes);
}

/* Where the bytes of ``bytes`` start; NULL for no object (an empty slot). */
static inline const char* pyuvnet_bytes_data(PyObject* bytes) {
    return bytes == NULL ? NULL : PyBytes_AS_STRING(bytes);
}

/* The bytes object in *slot, cut to the n bytes a read filled, handed
 * over: *slot becomes NULL.  The sink's reference is the only one
 * (nothing saw it), so it is cut in place.  Returns a new reference,
 * NULL with an exception set. */
static PyObject* pyuvnet_bytes_handover(PyObject** slot, Py_ssize_t n) {
    PyObject* bytes = *slot;
    *slot = NULL;
    if (Py_SIZE(bytes) != n && _PyBytes_Resize(&bytes, n) < 0)
        return NULL;
    return bytes;
}

/* A large body's reads (pyuvnet_read_body): one bytes object the size of
 * the largest such read, kept and read into again once nothing else holds
 * it (refcount 1: the app let go of the last body read into it).  A new one
 * per request would come from glibc's heap top, which free() gives back to
 * the kernel past its trim threshold: the next read then faulted in 16 fresh
 * pages, most of an upload's system time.  One per process: only threads
 * holding the GIL touch it, and it is handed out only while unshared. */
static PyObject* pyuvnet_body_spare = NULL;
#define PYUVNET_BODY_SPARE_SIZE (PYUVNET_CHUNK_SIZE + 1)

/* pyuvnet_read_bytes for a body's read of n bytes: reads of at least half
 * the spare's size land in the spare (or in a new spare, the old one left
 * to whoever holds it), so that what it holds is at least half used. */
static char* pyuvnet_read_body(PyObject** slot, Py_ssize_t n) {
    PyObject* spare = pyuvnet_body_spare;
    if (n < PYUVNET_BODY_SPARE_SIZE / 2 || n > PYUVNET_BODY_SPARE_SIZE)
        return pyuvnet_read_bytes(slot, n);
    if (*slot != NULL && *slot == spare) {
        Py_SET_SIZE(spare, n);
        PyBytes_AS_STRING(spare)[n] = 0;
        return PyBytes_AS_STRING(spare);
    }
    Py_CLEAR(*slot);
    if (spare == NULL || Py_REFCNT(spare) != 1) {
        spare = PyBytes_FromStringAndSize(NULL, PYUVNET_BODY_SPARE_SIZE);
        if (spare == NULL) {
            PyErr_Clear();
            return NULL;
        }
        Py_XSETREF(pyuvnet_body_spare, spare);
    } else {
        pyuvnet_bytes_forget_hash(spare);
    }
    Py_SET_SIZE(spare, n);
    PyBytes_AS_STRING(spare)[n] = 0;
    Py_INCREF(spare);
    *slot = spare;
    return PyBytes_AS_STRING(spare);
}

/* pyuvnet_bytes_handover for pyuvnet_read_body's slot: the spare, cut to
 * the n bytes the read filled, when they are at least half of it (else
 * they are copied out, and the spare is free again at once). */
static PyObject* pyuvnet_body_handover(PyObject** slot, Py_ssize_t n) {
    PyObject* bytes = *slot;
    if (bytes == NULL || bytes != pyuvnet_body_spare)
        return pyuvnet_bytes_handover(slot, n);
    *slot = NULL;
    if (n < PYUVNET_BODY_SPARE_SIZE / 2) {
        PyObject* copy = pyuvnet_bytes_copy(PyBytes_AS_STRING(bytes), n);
        Py_DECREF(bytes);
        return copy;
    }
    Py_SET_SIZE(bytes, n);
    PyBytes_AS_STRING(bytes)[n] = 0;
    return bytes;
}

/* Empty ``list`` keeping its item array for the next appends: a stream's
 * write queue is filled and emptied once per loop turn, and list_clear
 * would free the array for the next append to allocate again. */
static void pyuvnet_list_empty(PyObject* list) {
    PyListObject* items = (PyListObject*)list;
    Py_ssize_t i = Py_SIZE(items);
    /* Emptied first: a dealloc below sees a consistent, empty list. */
    Py_SET_SIZE(items, 0);
    while (--i >= 0)
        Py_CLEAR(items->ob_item[i]);
}

/* Where a flowing socket's next read lands when its reads fill chunks
 * (Stream.big_reads): straight in a chunk-sized bytes object, the 'data'
 * chunk itself, so that 64 KiB are not copied out of the loop's buffer.
 * The loop keeps it, and fills it again once nothing else references it
 * (refcount 1, as pyuvnet_chunk's pool); else it makes a new one.  Its
 * bytes are uninitialised until the read fills them, and it is seen by
 * Python code only through pyuvnet_read_chunk_take.  NULL, with no error
 * set, if it cannot be made: the read then lands in the loop's buffer. */
static char* pyuvnet_read_chunk(pyuvnet_loop_t* loop) {
    PyObject* chunk = loop->read_chunk;
    if (chunk != NULL && Py_REFCNT(chunk) == 1 && Py_SIZE(chunk) == PYUVNET_CHUNK_SIZE) {
        pyuvnet_bytes_forget_hash(chunk);
        return PyBytes_AS_STRING(chunk);
    }
    Py_CLEAR(loop->read_chunk);
    chunk = PyBytes_FromStringAndSize(NULL, PYUVNET_CHUNK_SIZE);
    if (chunk == NULL) {
        PyErr_Clear();
        return NULL;
    }
    loop->read_chunk = chunk;
    return PyBytes_AS_STRING(chunk);
}

/* Whether a read landed in the loop's read chunk. */
static inline int pyuvnet_in_read_chunk(pyuvnet_loop_t* loop, const char* base) {
    return loop->read_chunk != NULL && base == PyBytes_AS_STRING(loop->read_chunk);
}

/* The read chunk, its first n bytes filled, to deliver: a new reference.
 * A full one stays the loop's too, for a later read once nothing else
 * holds it; a shorter one is cut in place (nothing else holds it) and
 * handed over.  NULL with an exception set. */
static PyObject* pyuvnet_read_chunk_take(pyuvnet_loop_t* loop, Py_ssize_t n) {
    if (n == Py_SIZE(loop->read_chunk)) {
        Py_INCREF(loop->read_chunk);
        return loop->read_chunk;
    }
    return pyuvnet_bytes_handover(&loop->read_chunk, n);
}

/* Drop the pool's references (the loop is being freed). */
static void pyuvnet_chunk_pool_clear(pyuvnet_loop_t* loop) {
    int i;
    for (i = 0; i < PYUVNET_CHUNK_POOL; i++)
        Py_CLEAR(loop->chunk_pool[i]);
    Py_CLEAR(loop->read_chunk);
}

#endif
