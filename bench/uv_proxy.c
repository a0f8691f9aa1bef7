/*
 * uv_proxy: a TCP proxy written directly on libuv, the ceiling the proxy
 * benchmark measures pyuvnet's pipe() against.
 *
 *   uv_proxy HOST:PORT     listen on 127.0.0.1, port 0 (printed); each
 *                          connection is forwarded to HOST:PORT
 *
 * Each accepted connection opens one to the upstream; what one side reads
 * is written to the other (uv_try_write, the rest copied into a uv_write),
 * and reading stops while the other side has more than MAX_QUEUED waiting.
 * A side's EOF becomes a shutdown of the other once its writes are out;
 * when both directions have ended, or on any error, both close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define READ_BUF_SIZE (64 * 1024)
#define MAX_QUEUED (1024 * 1024)

struct pair;

struct side {
    uv_tcp_t tcp;           /* first: a handle pointer is the side pointer */
    struct pair *pair;
    struct side *peer;
    size_t queued;          /* bytes in this side's pending uv_writes */
    int paused;             /* its peer stopped reading until queued drains */
    int ended;              /* our shutdown (the peer's EOF passed on) is done */
};

struct pair {
    struct side down, up;
    int closing;
    int open_handles;
};

struct pending_write {
    uv_write_t req;
    struct side *to;
    size_t len;
    char data[];
};

static char read_buf[READ_BUF_SIZE];
static struct sockaddr_in upstream;

static void die(const char *what, int err)
{
    fprintf(stderr, "uv_proxy: %s: %s\n", what, uv_strerror(err));
    exit(1);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    (void)suggested;
    *buf = uv_buf_init(read_buf, sizeof read_buf);
}

static void on_closed(uv_handle_t *handle)
{
    struct pair *pair = ((struct side *)handle)->pair;
    if (--pair->open_handles == 0)
        free(pair);
}

static void close_pair(struct pair *pair)
{
    if (pair->closing)
        return;
    pair->closing = 1;
    uv_close((uv_handle_t *)&pair->down.tcp, on_closed);
    uv_close((uv_handle_t *)&pair->up.tcp, on_closed);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void on_written(uv_write_t *req, int status)
{
    struct pending_write *w = (struct pending_write *)req;
    struct side *to = w->to;
    to->queued -= w->len;
    free(w);
    if (status < 0) {
        if (status != UV_ECANCELED)
            close_pair(to->pair);
        return;
    }
    if (to->paused && to->queued == 0 && !to->pair->closing) {
        to->paused = 0;
        uv_read_start((uv_stream_t *)&to->peer->tcp, on_alloc, on_read);
    }
}

static void forward(struct side *to, const char *data, size_t len)
{
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned int)len);
    struct pending_write *w;
    int r = to->queued ? UV_EAGAIN : uv_try_write((uv_stream_t *)&to->tcp, &buf, 1);
    if (r >= 0) {
        if ((size_t)r == len)
            return;
        data += r;
        len -= (size_t)r;
    } else if (r != UV_EAGAIN) {
        close_pair(to->pair);
        return;
    }
    w = malloc(sizeof *w + len);
    if (w == NULL)
        die("malloc", UV_ENOMEM);
    memcpy(w->data, data, len);
    w->to = to;
    w->len = len;
    buf = uv_buf_init(w->data, (unsigned int)len);
    r = uv_write(&w->req, (uv_stream_t *)&to->tcp, &buf, 1, on_written);
    if (r < 0) {
        free(w);
        close_pair(to->pair);
        return;
    }
    to->queued += len;
    if (to->queued > MAX_QUEUED && !to->paused) {
        to->paused = 1;
        uv_read_stop((uv_stream_t *)&to->peer->tcp);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct side *side = req->data;
    free(req);
    if (status < 0) {
        if (status != UV_ECANCELED)
            close_pair(side->pair);
        return;
    }
    side->ended = 1;
    if (side->peer->ended)
        close_pair(side->pair);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct side *from = (struct side *)stream;
    uv_shutdown_t *req;
    if (nread > 0) {
        forward(from->peer, buf->base, (size_t)nread);
    } else if (nread == UV_EOF) {
        uv_read_stop(stream);
        req = malloc(sizeof *req);
        if (req == NULL)
            die("malloc", UV_ENOMEM);
        req->data = from->peer;
        if (uv_shutdown(req, (uv_stream_t *)&from->peer->tcp, on_shutdown) < 0) {
            free(req);
            close_pair(from->pair);
        }
    } else if (nread < 0) {
        close_pair(from->pair);
    }
}

static void on_upstream(uv_connect_t *req, int status)
{
    struct pair *pair = req->data;
    free(req);
    if (status < 0 || pair->closing) {
        close_pair(pair);
        return;
    }
    uv_tcp_nodelay(&pair->up.tcp, 1);
    uv_read_start((uv_stream_t *)&pair->down.tcp, on_alloc, on_read);
    uv_read_start((uv_stream_t *)&pair->up.tcp, on_alloc, on_read);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct pair *pair;
    uv_connect_t *req;
    if (status < 0)
        return;
    pair = calloc(1, sizeof *pair);
    req = malloc(sizeof *req);
    if (pair == NULL || req == NULL)
        die("malloc", UV_ENOMEM);
    pair->down.pair = pair->up.pair = pair;
    pair->down.peer = &pair->up;
    pair->up.peer = &pair->down;
    uv_tcp_init(server->loop, &pair->down.tcp);
    uv_tcp_init(server->loop, &pair->up.tcp);
    pair->open_handles = 2;
    if (uv_accept(server, (uv_stream_t *)&pair->down.tcp) < 0) {
        free(req);
        close_pair(pair);
        return;
    }
    uv_tcp_nodelay(&pair->down.tcp, 1);
    req->data = pair;
    if (uv_tcp_connect(req, &pair->up.tcp, (const struct sockaddr *)&upstream, on_upstream) < 0) {
        free(req);
        close_pair(pair);
    }
}

int main(int argc, char **argv)
{
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof bound, r;
    char host[64];
    const char *colon;
    if (argc != 2 || (colon = strrchr(argv[1], ':')) == NULL ||
            (size_t)(colon - argv[1]) >= sizeof host) {
        fprintf(stderr, "usage: uv_proxy HOST:PORT\n");
        return 2;
    }
    memcpy(host, argv[1], (size_t)(colon - argv[1]));
    host[colon - argv[1]] = '\0';
    if ((r = uv_ip4_addr(host, atoi(colon + 1), &upstream)) < 0)
        die("upstream address", r);
    uv_tcp_init(loop, &server);
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if ((r = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0)) < 0)
        die("bind", r);
    if ((r = uv_listen((uv_stream_t *)&server, 511, on_connection)) < 0)
        die("listen", r);
    uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &len);
    printf("%d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
