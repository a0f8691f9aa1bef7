/* The floor of bench/udp_echo.py: a bare libuv UDP echo in C (recvmmsg
 * batches as pyuvnet's, each datagram sent back with uv_udp_try_send, then
 * uv_udp_send for what the kernel refuses).  Prints its port.
 *   cc -O2 -o uv_udp_echo uv_udp_echo.c -luv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SLOT (64 * 1024)
#define SLOTS 20

static uv_udp_t server;
static char *slab;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)h; (void)suggested;
    buf->base = slab;
    buf->len = SLOT * SLOTS;
}

typedef struct { uv_udp_send_t req; char data[]; } pending_t;

static void on_sent(uv_udp_send_t *req, int status) {
    (void)status;
    free(req);
}

static void on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags) {
    uv_buf_t out;
    pending_t *p;
    (void)flags;
    if (n < 0 || addr == NULL)
        return;
    out = uv_buf_init(buf->base, (unsigned)n);
    if (uv_udp_try_send(h, &out, 1, addr) >= 0)
        return;
    p = malloc(sizeof *p + n);
    memcpy(p->data, buf->base, n);
    out = uv_buf_init(p->data, (unsigned)n);
    uv_udp_send(&p->req, h, &out, 1, addr, on_sent);
}

int main(void) {
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof bound;
    slab = malloc(SLOT * SLOTS);
    uv_udp_init_ex(uv_default_loop(), &server, AF_UNSPEC | UV_UDP_RECVMMSG);
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if (uv_udp_bind(&server, (const struct sockaddr *)&addr, 0) != 0)
        return 1;
    uv_udp_getsockname(&server, (struct sockaddr *)&bound, &len);
    printf("%d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);
    uv_udp_recv_start(&server, on_alloc, on_recv);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
