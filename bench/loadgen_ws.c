/*
 * loadgen's ws mode: each connection does a WebSocket opening handshake
 * (one GET with the RFC 6455 sample key; the 101's head is read whole and
 * checked), then sends --size-byte binary messages one at a time, each a
 * single masked frame made once at setup, and counts a request when the
 * server's echo came back whole: one unmasked binary frame of --size
 * bytes. The payload is not compared (the server's frame is not the
 * client's: no mask); its header is. A close frame, a text frame, another
 * length or a head other than 101 is fatal, as a bad echo is elsewhere.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

const unsigned char *ws_handshake, *ws_message;
size_t ws_handshake_len, ws_message_len;
static char *heads; /* HTTP_HEAD_MAX bytes per connection: the 101's head, or a frame's */

void ws_setup(void)
{
    static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    char request[512];
    int len = snprintf(request, sizeof request,
                       "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n",
                       peer_unix ? "localhost" : opt.target);
    if (len < 0 || (size_t)len >= sizeof request)
        fail("target too long for a Host header: %s", opt.target);
    unsigned char *hs = malloc((size_t)len);
    size_t head = opt.size < 126 ? 2 : opt.size < 65536 ? 4 : 10;
    unsigned char *msg = malloc(head + 4 + opt.size);
    heads = malloc((size_t)opt.conns * HTTP_HEAD_MAX);
    if (!hs || !msg || !heads)
        fail("out of memory for %d connections' heads", opt.conns);
    memcpy(hs, request, (size_t)len);
    msg[0] = 0x82; /* FIN, binary */
    if (head == 2) {
        msg[1] = (unsigned char)(0x80 | opt.size);
    } else if (head == 4) {
        msg[1] = 0x80 | 126;
        msg[2] = (unsigned char)(opt.size >> 8);
        msg[3] = (unsigned char)opt.size;
    } else {
        msg[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++)
            msg[2 + i] = (unsigned char)((uint64_t)opt.size >> (8 * (7 - i)));
    }
    memcpy(msg + head, key, 4);
    for (size_t i = 0; i < opt.size; i++)
        msg[head + 4 + i] = (unsigned char)(i * 31 + 7) ^ key[i & 3];
    ws_handshake = hs;
    ws_handshake_len = (size_t)len;
    ws_message = msg;
    ws_message_len = head + 4 + opt.size;
}

/* A frame's header is whole once its 2, 4 or 10 bytes came. */
static size_t header_len(const unsigned char *h)
{
    unsigned n = h[1] & 0x7f;
    return n == 126 ? 4 : n == 127 ? 10 : 2;
}

static uint64_t payload_len(const unsigned char *h)
{
    unsigned n = h[1] & 0x7f;
    if (n < 126)
        return n;
    if (n == 126)
        return (uint64_t)h[2] << 8 | h[3];
    uint64_t v = 0;
    for (int i = 2; i < 10; i++)
        v = v << 8 | h[i];
    return v;
}

/* Reads n bytes of c's: the 101's head while c->due is set (then
 * *opened), else frames; returns the echoes completed. */
size_t ws_read(struct conn *c, const unsigned char *p, size_t n, bool *opened)
{
    char *head = heads + (size_t)(c - conns) * HTTP_HEAD_MAX;
    size_t done = 0;
    while (n > 0) {
        if (c->due) {
            if (c->head_len + 1 >= HTTP_HEAD_MAX)
                fail("connection %u: a handshake answer over %d bytes", c->id, HTTP_HEAD_MAX);
            head[c->head_len++] = (char)*p++;
            n--;
            if (c->head_len >= 4 && memcmp(head + c->head_len - 4, "\r\n\r\n", 4) == 0) {
                head[c->head_len] = '\0';
                if (strncmp(head, "HTTP/1.1 101 ", 13) != 0)
                    fail("connection %u: the handshake was answered %.40s", c->id, head);
                c->due = 0;
                c->head_len = 0;
                *opened = true;
            }
        } else if (!c->in_body) {
            head[c->head_len++] = (char)*p++;
            n--;
            const unsigned char *h = (const unsigned char *)head;
            if (c->head_len < 2 || c->head_len < header_len(h))
                continue;
            if (h[0] != 0x82 || payload_len(h) != opt.size)
                fail("connection %u: a frame 0x%02x of %llu bytes, not a binary echo of %zu",
                     c->id, h[0], (unsigned long long)payload_len(h), opt.size);
            c->head_len = 0;
            c->in_body = true;
            c->body_left = opt.size;
        } else {
            size_t take = n < c->body_left ? n : (size_t)c->body_left;
            p += take;
            n -= take;
            c->body_left -= take;
        }
        if (c->in_body && c->body_left == 0) {
            c->in_body = false;
            done++;
        }
    }
    return done;
}
