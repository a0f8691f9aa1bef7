/* Compile-time choices for features newer than libuv 1.44, each with a fallback,
 * and the loop struct pyuvnet allocates (libuv's loop plus the read buffer that
 * every stream of that loop reads into, so alloc callbacks need no GIL). */
#ifndef PYUVNET_COMPAT_H
#define PYUVNET_COMPAT_H
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

#define PYUVNET_READ_BUF_SIZE (64 * 1024)

typedef struct {
    uv_loop_t uv;
    char read_buf[PYUVNET_READ_BUF_SIZE];
} pyuvnet_loop_t;

#endif
