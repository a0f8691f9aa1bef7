/*
 * uv_echo: the same echo server written directly on libuv, the practical
 * ceiling pyuvnet is measured against.
 *
 *   uv_echo            listen on 127.0.0.1, port 0; print the port
 *   uv_echo PATH       listen on the unix socket PATH; print "ready"
 *
 * Reads land in one buffer owned by the loop (a single thread needs no
 * more); each chunk is written back with uv_try_write, and only what the
 * kernel did not take is copied into a uv_write request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define READ_BUF_SIZE (64 * 1024)
/* Stop reading a connection whose peer does not read its echo, so a slow
 * client cannot make the server buffer without bound. */
#define MAX_QUEUED (1024 * 1024)

struct conn {
    union { /* first, so a handle pointer is the conn pointer */
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    };
    int paused; /* reading stopped until the write queue empties */
};

struct pending_write {
    uv_write_t req;
    char data[]; /* the unsent tail of a chunk */
};

static char read_buf[READ_BUF_SIZE];
static struct conn server;
static int is_pipe;

static void die(const char *what, int err)
{
    fprintf(stderr, "uv_echo: %s: %s\n", what, uv_strerror(err));
    exit(1);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    (void)suggested;
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

static void on_close(uv_handle_t *handle)
{
    free(handle);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    if (!uv_is_closing((uv_handle_t *)req->handle)) /* a failed write may have closed it */
        uv_close((uv_handle_t *)req->handle, on_close);
    free(req);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = (struct conn *)req->handle;
    free(req); /* struct pending_write starts with req */
    if (uv_is_closing(&c->handle))
        return;
    if (status < 0) {
        uv_close(&c->handle, on_close);
    } else if (c->paused && c->stream.write_queue_size == 0) {
        c->paused = 0;
        uv_read_start(&c->stream, on_alloc, on_read);
    }
}

static void echo(uv_stream_t *stream, const char *data, size_t len)
{
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
    int n = uv_try_write(stream, &buf, 1);
    if (n == UV_EAGAIN)
        n = 0; /* socket full, or earlier writes still queued: queue it all */
    if (n < 0) {
        uv_close((uv_handle_t *)stream, on_close);
        return;
    }
    if ((size_t)n == len)
        return;
    /* read_buf is reused by the next read: the tail must be copied. */
    size_t rest = len - (size_t)n;
    struct pending_write *w = malloc(sizeof *w + rest);
    if (!w)
        die("malloc", UV_ENOMEM);
    memcpy(w->data, data + n, rest);
    buf = uv_buf_init(w->data, (unsigned)rest);
    int err = uv_write(&w->req, stream, &buf, 1, on_write);
    if (err)
        die("uv_write", err);
    if (stream->write_queue_size > MAX_QUEUED) {
        ((struct conn *)stream)->paused = 1;
        uv_read_stop(stream);
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    if (nread > 0) {
        echo(stream, buf->base, (size_t)nread);
    } else if (nread == UV_EOF) {
        /* Half-closed by the client: close once queued echoes are out. */
        uv_shutdown_t *req = malloc(sizeof *req);
        if (!req || uv_shutdown(req, stream, on_shutdown) != 0) {
            free(req);
            uv_close((uv_handle_t *)stream, on_close);
        }
    } else if (nread < 0) {
        uv_close((uv_handle_t *)stream, on_close);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    if (status < 0)
        die("listen", status);
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        die("malloc", UV_ENOMEM);
    int err = is_pipe ? uv_pipe_init(listener->loop, &c->pipe, 0) : uv_tcp_init(listener->loop, &c->tcp);
    if (err)
        die("init", err);
    if (uv_accept(listener, &c->stream) != 0) {
        uv_close(&c->handle, on_close);
        return;
    }
    if (!is_pipe)
        uv_tcp_nodelay(&c->tcp, 1); /* as every server in the benchmark */
    uv_read_start(&c->stream, on_alloc, on_read);
}

static void listen_tcp(uv_loop_t *loop)
{
    struct sockaddr_in addr;
    struct sockaddr_storage name;
    int len = sizeof name;
    int err;
    if ((err = uv_tcp_init(loop, &server.tcp)) || (err = uv_ip4_addr("127.0.0.1", 0, &addr)) ||
        (err = uv_tcp_bind(&server.tcp, (const struct sockaddr *)&addr, 0)) ||
        (err = uv_listen(&server.stream, 511, on_connection)) ||
        (err = uv_tcp_getsockname(&server.tcp, (struct sockaddr *)&name, &len)))
        die("listen on 127.0.0.1", err);
    printf("%d\n", ntohs(((struct sockaddr_in *)&name)->sin_port));
}

static void listen_pipe(uv_loop_t *loop, const char *path)
{
    int err;
    if ((err = uv_pipe_init(loop, &server.pipe, 0)) || (err = uv_pipe_bind(&server.pipe, path)) ||
        (err = uv_listen(&server.stream, 511, on_connection)))
        die(path, err);
    printf("ready\n");
}

int main(int argc, char **argv)
{
    uv_loop_t *loop = uv_default_loop();
    if (argc > 2) {
        fprintf(stderr, "usage: uv_echo [UNIX_PATH]\n");
        return 2;
    }
    is_pipe = argc == 2;
    if (is_pipe)
        listen_pipe(loop, argv[1]);
    else
        listen_tcp(loop);
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
