/*
 * loadgen's http mode: what each connection sends (a batch of --pipeline
 * identical GET requests, written as one buffer, as wrk's pipelining
 * scripts do; loadgen.c sends it and counts the answers) and how it reads
 * the answers: one response after another,
 * each a head kept until its blank line (status 200 and a Content-Length
 * required) and then a body of that many bytes, skipped. A response of
 * another status, without a Content-Length (chunked: a hello server
 * knows its length), with a head over HTTP_HEAD_MAX, or bytes beyond the
 * batch's answers are fatal, as a bad echo is in the other modes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loadgen.h"

const unsigned char *http_batch;
size_t http_batch_len;
static char *heads; /* HTTP_HEAD_MAX bytes per connection: the head being read */

void http_setup(void)
{
    char request[1024];
    /* wrk's request line and Host header; a unix target has no host. */
    int len = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
                       opt.path, peer_unix ? "localhost" : opt.target);
    if (len < 0 || (size_t)len >= sizeof request)
        fail("path or target too long for a request head: %s %s", opt.path, opt.target);
    http_batch_len = (size_t)len * (size_t)opt.pipeline;
    unsigned char *batch = malloc(http_batch_len);
    heads = malloc((size_t)opt.conns * HTTP_HEAD_MAX);
    if (!batch || !heads)
        fail("out of memory for %d connections' response heads", opt.conns);
    for (int i = 0; i < opt.pipeline; i++)
        memcpy(batch + (size_t)i * (size_t)len, request, (size_t)len);
    http_batch = batch;
}

/* The value of header `name` (lower case, with its colon) in a complete
 * head, or NULL: matched at a line's start, case-insensitively. */
static const char *header_value(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, n) == 0) {
            const char *v = line + n;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Checks a complete head (NUL-terminated, ending in its blank line) and
 * returns its body's length. */
static uint64_t parse_head(const struct conn *c, char *head)
{
    if (strncmp(head, "HTTP/1.", 7) != 0 || strncmp(head + 8, " 200", 4) != 0 ||
        (head[12] != ' ' && head[12] != '\r')) {
        head[strcspn(head, "\r\n")] = '\0';
        fail("connection %u: the server answered \"%s\", not 200", c->id, head);
    }
    if (header_value(head, "transfer-encoding:"))
        fail("connection %u: a response with Transfer-Encoding; http mode reads only "
             "Content-Length bodies", c->id);
    const char *length = header_value(head, "content-length:");
    if (!length || !isdigit((unsigned char)*length))
        fail("connection %u: a response without a Content-Length", c->id);
    char *end;
    unsigned long long body = strtoull(length, &end, 10);
    if (*end != '\r' && *end != ' ' && *end != '\t')
        fail("connection %u: a bad Content-Length", c->id);
    return body;
}

/* Reads one response's whole head or as much of it as p holds; returns
 * how many bytes it took. Heads are taken a line at a time, so the
 * blank line that ends one is seen whichever read it comes in. */
static size_t take_head(struct conn *c, const unsigned char *p, size_t n)
{
    char *head = heads + (size_t)(c - conns) * HTTP_HEAD_MAX;
    const unsigned char *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) + 1 : n;
    if (c->head_len + take >= HTTP_HEAD_MAX) /* one byte kept for the NUL */
        fail("connection %u: a response head over %d bytes", c->id, HTTP_HEAD_MAX);
    memcpy(head + c->head_len, p, take);
    c->head_len += (uint32_t)take;
    if (nl && c->head_len >= 4 && memcmp(head + c->head_len - 4, "\r\n\r\n", 4) == 0) {
        head[c->head_len] = '\0';
        c->body_left = parse_head(c, head);
        c->head_len = 0;
        c->in_body = true;
    }
    return take;
}

/* Reads n bytes of c's responses; returns how many responses they
 * completed, each taken off c->due. Bytes beyond the last one due are
 * fatal: the next batch has not gone out yet, so nothing can answer it. */
size_t http_read(struct conn *c, const unsigned char *p, size_t n)
{
    size_t done = 0;
    while (n > 0) {
        if (c->due == 0)
            fail("connection %u: %zu bytes came after the responses to its requests", c->id, n);
        size_t took;
        if (c->in_body) {
            took = n < c->body_left ? n : (size_t)c->body_left;
            c->body_left -= took;
        } else {
            took = take_head(c, p, n);
        }
        p += took;
        n -= took;
        if (c->in_body && c->body_left == 0) {
            c->in_body = false;
            c->due--;
            done++;
        }
    }
    return done;
}
