/* OCSP stapling as Node does it (tls/ocsp.pyx drives it), over the
 * libssl CPython's _ssl loaded, found as pyuvnet_openssl.h finds its
 * functions.
 *
 * A server connection whose tls.Server listens for 'OCSPRequest' gets a
 * state (SSL ex_data, freed with the SSL) and a certificate callback.
 * When the client asked for a status, that callback suspends the
 * handshake (SSL_ERROR_WANT_X509_LOOKUP, which _ssl raises as an
 * SSLError) until Python has the listener's answer; the status callback
 * then staples it.  The same certificate callback first waits for an
 * SNICallback that has not answered yet (pyuvnet_sni_wait).  Both
 * callbacks run inside the handshake without the
 * GIL: they touch only the C state. */
#ifndef PYUVNET_OCSP_H
#define PYUVNET_OCSP_H
#include <stdlib.h>
#include <string.h>
#include "pyuvnet_x509.h"

typedef int (*pyuvnet_cert_cb)(void* ssl, void* arg);
typedef void (*pyuvnet_ex_free)(void* parent, void* ptr, void* ex_data, int index, long argl, void* argp);

typedef struct {
    long (*ssl_ctrl)(void* ssl, int command, long larg, void* parg);
    long (*ctx_callback_ctrl)(void* ctx, int command, void (*callback)(void));
    void* (*get_ssl_ctx)(const void* ssl);
    void (*set_cert_cb)(void* ssl, pyuvnet_cert_cb callback, void* arg);
    int (*get_ex_new_index)(int class_index, long argl, void* argp, void* new_func,
                            void* dup_func, pyuvnet_ex_free free_func);
    int (*set_ex_data)(void* ssl, int index, void* data);
    void* (*get_ex_data)(const void* ssl, int index);
    void* (*crypto_malloc)(size_t size, const char* file, int line);
    void (*crypto_free)(void* pointer, const char* file, int line);
} pyuvnet_ocsp_t;

enum {
    PYUVNET_OCSP_NEW = 0,       /* the certificate callback has not run */
    PYUVNET_OCSP_ASKED = 1,     /* the client asked: waiting for the listener */
    PYUVNET_OCSP_ANSWERED = 2,  /* answered, or nothing to ask */
};

typedef struct {
    int ocsp;                   /* the connection watches for a status request */
    int sni_waiting;            /* an SNICallback has not answered yet */
    int phase;
    unsigned char* response;    /* OPENSSL_malloc'd until OpenSSL takes it */
    long length;
} pyuvnet_ocsp_state;

static pyuvnet_ocsp_t pyuvnet_ocsp;
static int pyuvnet_ocsp_index = -1;

static void pyuvnet_ocsp_free(void* parent, void* ptr, void* ex_data, int index, long argl, void* argp) {
    pyuvnet_ocsp_state* state = (pyuvnet_ocsp_state*)ptr;
    (void)parent; (void)ex_data; (void)index; (void)argl; (void)argp;
    if (state == NULL)
        return;
    if (state->response != NULL)
        pyuvnet_ocsp.crypto_free(state->response, __FILE__, __LINE__);
    free(state);
}

static pyuvnet_ocsp_state* pyuvnet_ocsp_state_of(void* ssl) {
    return (pyuvnet_ocsp_state*)pyuvnet_ocsp.get_ex_data(ssl, pyuvnet_ocsp_index);
}

/* The server's status callback: staple the answer (OpenSSL takes the
 * buffer), or send no status.  SSL_TLSEXT_ERR_OK 0, _NOACK 3. */
static int pyuvnet_ocsp_status(void* ssl, void* arg) {
    pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_of(ssl);
    (void)arg;
    if (state == NULL || state->response == NULL)
        return 3;
    /* SSL_set_tlsext_status_ocsp_resp */
    if (pyuvnet_ocsp.ssl_ctrl(ssl, 71, state->length, state->response) != 1)
        return 3;
    state->response = NULL;
    return 0;
}

/* The certificate callback: -1 (suspend) while an SNICallback has not
 * answered, then while the client's status request waits for the
 * listener's answer; 1 (go on) otherwise.  SNI comes first: the status
 * is asked for the certificate of the context the SNICallback chose. */
static int pyuvnet_ocsp_certificate(void* ssl, void* arg) {
    pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_of(ssl);
    (void)arg;
    if (state != NULL && state->sni_waiting)
        return -1;
    if (state == NULL || !state->ocsp || state->phase == PYUVNET_OCSP_ANSWERED)
        return 1;
    if (state->phase == PYUVNET_OCSP_NEW) {
        /* SSL_get_tlsext_status_type: TLSEXT_STATUSTYPE_ocsp is 1 */
        if (pyuvnet_ocsp.ssl_ctrl(ssl, 127, 0, NULL) != 1) {
            state->phase = PYUVNET_OCSP_ANSWERED;
            return 1;
        }
        /* SSL_CTX_set_tlsext_status_cb on the context the handshake uses
         * (an SNICallback's, when it chose one): the same function each
         * time, so setting it again changes nothing for other sockets. */
        pyuvnet_ocsp.ctx_callback_ctrl(pyuvnet_ocsp.get_ssl_ctx(ssl), 63,
                                       (void (*)(void))pyuvnet_ocsp_status);
        state->phase = PYUVNET_OCSP_ASKED;
    }
    return -1;
}

static const char* const pyuvnet_ocsp_names[] = {
    "SSL_ctrl", "SSL_CTX_callback_ctrl", "SSL_get_SSL_CTX", "SSL_set_cert_cb",
    "CRYPTO_get_ex_new_index", "SSL_set_ex_data", "SSL_get_ex_data", "CRYPTO_malloc", "CRYPTO_free",
};

/* 0 when every function was found in the already loaded module at
 * ssl_module_path (pyuvnet_resolve, pyuvnet_x509.h) and the ex_data index
 * was made; -1 otherwise. */
static int pyuvnet_ocsp_load(const char* ssl_module_path) {
    if (sizeof(pyuvnet_ocsp) != sizeof(pyuvnet_ocsp_names)
            || pyuvnet_resolve(ssl_module_path, pyuvnet_ocsp_names, (void**)&pyuvnet_ocsp,
                               sizeof(pyuvnet_ocsp_names) / sizeof(pyuvnet_ocsp_names[0])) != 0)
        return -1;
    /* CRYPTO_EX_INDEX_SSL is 0 */
    pyuvnet_ocsp_index = pyuvnet_ocsp.get_ex_new_index(0, 0, NULL, NULL, NULL, pyuvnet_ocsp_free);
    return pyuvnet_ocsp_index < 0 ? -1 : 0;
}

/* The state of ssl, made (with the certificate callback) the first time;
 * NULL when there is no memory. */
static pyuvnet_ocsp_state* pyuvnet_ocsp_state_made(void* ssl) {
    pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_of(ssl);
    if (state != NULL)
        return state;
    state = (pyuvnet_ocsp_state*)calloc(1, sizeof(*state));
    if (state == NULL)
        return NULL;
    if (pyuvnet_ocsp.set_ex_data(ssl, pyuvnet_ocsp_index, state) != 1) {
        free(state);
        return NULL;
    }
    pyuvnet_ocsp.set_cert_cb(ssl, pyuvnet_ocsp_certificate, NULL);
    return state;
}

/* Give the server connection ssl its state and certificate callback
 * (again: the callback only, which SSL_set_SSL_CTX replaced with the new
 * context's): 0, or -1 when there is no memory. */
static int pyuvnet_ocsp_watch(void* ssl, int again) {
    pyuvnet_ocsp_state* state;
    if (again) {
        if (pyuvnet_ocsp_state_of(ssl) != NULL)
            pyuvnet_ocsp.set_cert_cb(ssl, pyuvnet_ocsp_certificate, NULL);
        return 0;
    }
    state = pyuvnet_ocsp_state_made(ssl);
    if (state == NULL)
        return -1;
    state->ocsp = 1;
    return 0;
}

/* An SNICallback did not answer in its hook (waiting 1): the handshake
 * suspends at the certificate step; it answered (0): it may go on, and
 * the callback is set again (the answer's SSL_set_SSL_CTX replaced it).
 * 0, or -1 when there is no memory. */
static int pyuvnet_sni_wait(void* ssl, int waiting) {
    pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_made(ssl);
    if (state == NULL)
        return -1;
    state->sni_waiting = waiting;
    pyuvnet_ocsp.set_cert_cb(ssl, pyuvnet_ocsp_certificate, NULL);
    return 0;
}

/* The listener's answer (length 0: no status); the handshake may go on.
 * 0, or -1 when there is no memory. */
static int pyuvnet_ocsp_answer(void* ssl, const char* response, long length) {
    pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_of(ssl);
    if (state == NULL)
        return 0;
    if (length > 0 && state->response == NULL) {
        state->response = (unsigned char*)pyuvnet_ocsp.crypto_malloc((size_t)length, __FILE__, __LINE__);
        if (state->response == NULL)
            return -1;
        memcpy(state->response, response, (size_t)length);
        state->length = length;
    }
    state->phase = PYUVNET_OCSP_ANSWERED;
    return 0;
}

#endif
