/* TLSPump's BIO: the one BIO an SSL under a TLSSocket reads its
 * ciphertext from and writes its ciphertext to, in place of the two
 * memory BIOs of ssl.MemoryBIO.  Why: a memory BIO costs three passes
 * over every byte in each direction (the copy into it, BUF_MEM_grow_clean
 * zeroing the space first, the copy out), and the raw socket's chunk was
 * a fourth on the way in.  This BIO hands OpenSSL the bytes where the
 * read left them (libuv's read buffer, or a chunk that waited while the
 * raw socket was paused) and keeps only what OpenSSL has not taken when
 * the read is over; what OpenSSL writes is appended to one malloc'd
 * buffer that TLSPump turns into the raw socket's bytes.
 *
 * Its callbacks run inside _ssl's calls, where the GIL is released: they
 * touch only this struct.  The BIO owns the struct (freed with the BIO,
 * so with the SSL); TLSPump keeps a pointer to it only while it holds the
 * SSLObject.  The functions come from the libssl CPython's _ssl loaded,
 * as in pyuvnet_openssl.h. */
#ifndef PYUVNET_TLS_BIO_H
#define PYUVNET_TLS_BIO_H
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <dlfcn.h>
#endif

typedef struct {
    /* In: `kept` (owned) first, then `fresh` (the read being delivered,
     * not owned, valid during TLSPump.feed only). */
    char* kept;
    size_t kept_off, kept_len, kept_cap;
    const char* fresh;
    size_t fresh_off, fresh_len;
    int held;           /* reads answer "retry": end()'s SSL_shutdown must not read on */
    /* Out: what OpenSSL wrote, not yet given to the raw socket. */
    char* out;
    size_t out_len, out_cap;
    /* TLSPump.write's bytes object for one write's records (its buffer):
     * OpenSSL's output goes straight there while it fits and nothing
     * waits in `out` (which then takes the rest, in order). */
    char* target;
    size_t target_len, target_cap;
} pyuvnet_tls_bio_t;

static struct {
    void* method;
    void* (*bio_new)(const void* method);
    void* (*get_data)(void* bio);
    void (*set_data)(void* bio, void* data);
    void (*set_init)(void* bio, int init);
    void (*set_flags)(void* bio, int flags);
    void (*clear_flags)(void* bio, int flags);
    void (*ssl_set_bio)(void* ssl, void* rbio, void* wbio);
} pyuvnet_tls_bio_fns;

/* BIO_FLAGS_READ, _WRITE, _IO_SPECIAL, _SHOULD_RETRY; BIO_CTRL_* */
#define PYUVNET_BIO_RETRY_READ (0x01 | 0x08)
#define PYUVNET_BIO_CLEAR_RETRY (0x07 | 0x08)
#define PYUVNET_BIO_CTRL_EOF 2
#define PYUVNET_BIO_CTRL_PENDING 10
#define PYUVNET_BIO_CTRL_FLUSH 11
#define PYUVNET_BIO_CTRL_DUP 12
#define PYUVNET_BIO_CTRL_WPENDING 13

static size_t pyuvnet_tls_bio_unread(const pyuvnet_tls_bio_t* s) {
    return (s->kept_len - s->kept_off) + (s->fresh_len - s->fresh_off);
}

static int pyuvnet_tls_bio_read(void* bio, char* buf, int size) {
    pyuvnet_tls_bio_t* s = (pyuvnet_tls_bio_t*)pyuvnet_tls_bio_fns.get_data(bio);
    size_t want = size > 0 ? (size_t)size : 0, n;
    int done = 0;
    pyuvnet_tls_bio_fns.clear_flags(bio, PYUVNET_BIO_CLEAR_RETRY);
    if (s == NULL || s->held || pyuvnet_tls_bio_unread(s) == 0) {
        pyuvnet_tls_bio_fns.set_flags(bio, PYUVNET_BIO_RETRY_READ);
        return -1;
    }
    if (s->kept_off < s->kept_len) {
        n = s->kept_len - s->kept_off;
        if (n > want)
            n = want;
        memcpy(buf, s->kept + s->kept_off, n);
        s->kept_off += n;
        if (s->kept_off == s->kept_len)
            s->kept_off = s->kept_len = 0;
        done = (int)n;
        want -= n;
    }
    if (want > 0 && s->fresh_off < s->fresh_len) {
        n = s->fresh_len - s->fresh_off;
        if (n > want)
            n = want;
        memcpy(buf + done, s->fresh + s->fresh_off, n);
        s->fresh_off += n;
        done += (int)n;
    }
    return done;
}

static int pyuvnet_tls_bio_reserve(char** buf, size_t* cap, size_t need) {
    size_t size = *cap ? *cap : 16384 + 512;
    char* grown;
    if (need <= *cap)
        return 0;
    while (size < need)
        size *= 2;
    grown = (char*)realloc(*buf, size);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = size;
    return 0;
}

static int pyuvnet_tls_bio_write(void* bio, const char* data, int size) {
    pyuvnet_tls_bio_t* s = (pyuvnet_tls_bio_t*)pyuvnet_tls_bio_fns.get_data(bio);
    pyuvnet_tls_bio_fns.clear_flags(bio, PYUVNET_BIO_CLEAR_RETRY);
    if (s == NULL || size < 0)
        return -1;
    if (s->target != NULL && s->out_len == 0 && (size_t)size <= s->target_cap - s->target_len) {
        memcpy(s->target + s->target_len, data, (size_t)size);
        s->target_len += (size_t)size;
        return size;
    }
    if (pyuvnet_tls_bio_reserve(&s->out, &s->out_cap, s->out_len + (size_t)size) < 0)
        return -1;      /* out of memory: OpenSSL fails the call */
    memcpy(s->out + s->out_len, data, (size_t)size);
    s->out_len += (size_t)size;
    return size;
}

static long pyuvnet_tls_bio_ctrl(void* bio, int command, long larg, void* parg) {
    pyuvnet_tls_bio_t* s = (pyuvnet_tls_bio_t*)pyuvnet_tls_bio_fns.get_data(bio);
    (void)larg;
    (void)parg;
    switch (command) {
    case PYUVNET_BIO_CTRL_PENDING:
        return s ? (long)pyuvnet_tls_bio_unread(s) : 0;
    case PYUVNET_BIO_CTRL_WPENDING:
        return s ? (long)s->out_len : 0;
    case PYUVNET_BIO_CTRL_FLUSH:
    case PYUVNET_BIO_CTRL_DUP:
        return 1;
    default:
        return 0;       /* EOF: never (the raw socket's FIN is TLSPump's to judge); kTLS: no */
    }
}

static int pyuvnet_tls_bio_create(void* bio) {
    pyuvnet_tls_bio_t* s = (pyuvnet_tls_bio_t*)calloc(1, sizeof(pyuvnet_tls_bio_t));
    if (s == NULL)
        return 0;
    pyuvnet_tls_bio_fns.set_data(bio, s);
    pyuvnet_tls_bio_fns.set_init(bio, 1);
    return 1;
}

static int pyuvnet_tls_bio_destroy(void* bio) {
    pyuvnet_tls_bio_t* s = (pyuvnet_tls_bio_t*)pyuvnet_tls_bio_fns.get_data(bio);
    if (s != NULL) {
        free(s->kept);
        free(s->out);
        free(s);
        pyuvnet_tls_bio_fns.set_data(bio, NULL);
    }
    return 1;
}

/* 0 when the BIO method is made (once per process), -1 when the functions
 * are not in the loaded module at ssl_module_path: callers then keep the
 * memory BIOs. */
static int pyuvnet_tls_bio_load(const char* ssl_module_path) {
#ifdef _WIN32
    (void)ssl_module_path;
    return -1;
#else
    void* module;
    int (*new_index)(void);
    void* (*meth_new)(int type, const char* name);
    int (*set_write)(void*, int (*)(void*, const char*, int));
    int (*set_read)(void*, int (*)(void*, char*, int));
    int (*set_ctrl)(void*, long (*)(void*, int, long, void*));
    int (*set_create)(void*, int (*)(void*));
    int (*set_destroy)(void*, int (*)(void*));
    if (pyuvnet_tls_bio_fns.method != NULL)
        return 0;
    module = dlopen(ssl_module_path, RTLD_NOW | RTLD_NOLOAD);
    if (module == NULL)
        return -1;
    *(void**)&new_index = dlsym(module, "BIO_get_new_index");
    *(void**)&meth_new = dlsym(module, "BIO_meth_new");
    *(void**)&set_write = dlsym(module, "BIO_meth_set_write");
    *(void**)&set_read = dlsym(module, "BIO_meth_set_read");
    *(void**)&set_ctrl = dlsym(module, "BIO_meth_set_ctrl");
    *(void**)&set_create = dlsym(module, "BIO_meth_set_create");
    *(void**)&set_destroy = dlsym(module, "BIO_meth_set_destroy");
    *(void**)&pyuvnet_tls_bio_fns.bio_new = dlsym(module, "BIO_new");
    *(void**)&pyuvnet_tls_bio_fns.get_data = dlsym(module, "BIO_get_data");
    *(void**)&pyuvnet_tls_bio_fns.set_data = dlsym(module, "BIO_set_data");
    *(void**)&pyuvnet_tls_bio_fns.set_init = dlsym(module, "BIO_set_init");
    *(void**)&pyuvnet_tls_bio_fns.set_flags = dlsym(module, "BIO_set_flags");
    *(void**)&pyuvnet_tls_bio_fns.clear_flags = dlsym(module, "BIO_clear_flags");
    *(void**)&pyuvnet_tls_bio_fns.ssl_set_bio = dlsym(module, "SSL_set_bio");
    dlclose(module);        /* _ssl stays loaded: the addresses stay valid */
    if (!new_index || !meth_new || !set_write || !set_read || !set_ctrl || !set_create
            || !set_destroy || !pyuvnet_tls_bio_fns.bio_new || !pyuvnet_tls_bio_fns.get_data
            || !pyuvnet_tls_bio_fns.set_data || !pyuvnet_tls_bio_fns.set_init
            || !pyuvnet_tls_bio_fns.set_flags || !pyuvnet_tls_bio_fns.clear_flags
            || !pyuvnet_tls_bio_fns.ssl_set_bio)
        return -1;
    /* BIO_TYPE_SOURCE_SINK: an end of the chain, as a memory BIO. */
    pyuvnet_tls_bio_fns.method = meth_new(new_index() | 0x0400, "pyuvnet TLSPump");
    if (pyuvnet_tls_bio_fns.method == NULL)
        return -1;
    set_write(pyuvnet_tls_bio_fns.method, pyuvnet_tls_bio_write);
    set_read(pyuvnet_tls_bio_fns.method, pyuvnet_tls_bio_read);
    set_ctrl(pyuvnet_tls_bio_fns.method, pyuvnet_tls_bio_ctrl);
    set_create(pyuvnet_tls_bio_fns.method, pyuvnet_tls_bio_create);
    set_destroy(pyuvnet_tls_bio_fns.method, pyuvnet_tls_bio_destroy);
    return 0;
#endif
}

/* Put a new BIO under `ssl` (for both directions; OpenSSL frees the memory
 * BIOs it replaces, which their Python objects still hold) and return its
 * state, or NULL when none could be made (the memory BIOs stay). */
static pyuvnet_tls_bio_t* pyuvnet_tls_bio_attach(void* ssl) {
    void* bio = pyuvnet_tls_bio_fns.bio_new(pyuvnet_tls_bio_fns.method);
    if (bio == NULL)
        return NULL;
    pyuvnet_tls_bio_fns.ssl_set_bio(ssl, bio, bio);     /* one reference, for both */
    return (pyuvnet_tls_bio_t*)pyuvnet_tls_bio_fns.get_data(bio);
}

/* Aim OpenSSL's output at `bytes` (made for it, referenced by nobody
 * else) during one SSL_write. */
static void pyuvnet_tls_bio_aim(pyuvnet_tls_bio_t* s, PyObject* bytes) {
    s->target = PyBytes_AS_STRING(bytes);
    s->target_len = 0;
    s->target_cap = (size_t)PyBytes_GET_SIZE(bytes);
}

/* End the aim: `bytes` is cut to what OpenSSL wrote into it (its size set
 * smaller; the slack, at most the allowance for the records' overhead,
 * stays allocated until it is freed). */
static void pyuvnet_tls_bio_unaim(pyuvnet_tls_bio_t* s, PyObject* bytes) {
    Py_ssize_t used = (Py_ssize_t)s->target_len;
    s->target = NULL;
    s->target_len = s->target_cap = 0;
    Py_SET_SIZE(bytes, used);
    PyBytes_AS_STRING(bytes)[used] = '\0';
}

/* The unread ciphertext of the read just delivered goes into `kept`, as
 * `fresh` is about to be reused; -1 when out of memory. */
static int pyuvnet_tls_bio_keep_fresh(pyuvnet_tls_bio_t* s) {
    size_t rest = s->fresh_len - s->fresh_off, live;
    if (rest > 0) {
        live = s->kept_len - s->kept_off;
        if (s->kept_off > 0) {
            memmove(s->kept, s->kept + s->kept_off, live);
            s->kept_off = 0;
            s->kept_len = live;
        }
        if (pyuvnet_tls_bio_reserve(&s->kept, &s->kept_cap, live + rest) < 0)
            return -1;
        memcpy(s->kept + live, s->fresh + s->fresh_off, rest);
        s->kept_len = live + rest;
    }
    s->fresh = NULL;
    s->fresh_off = s->fresh_len = 0;
    return 0;
}

#endif
