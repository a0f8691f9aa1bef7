/* The OpenSSL functions of PKCS#12 keys, sessions (as DER, their
 * callbacks), renegotiation and tracing: a second table beside
 * pyuvnet_openssl.h's, taken the same way from the libssl/libcrypto that
 * CPython's _ssl already loaded.  Apart so that each concept's table can
 * be loaded (and fail) on its own. */
#ifndef PYUVNET_OPENSSL_SESSIONS_H
#define PYUVNET_OPENSSL_SESSIONS_H
#include <Python.h>
#ifndef _WIN32
#include <dlfcn.h>
#endif

typedef int (*pyuvnet_new_session_cb)(void* ssl, void* session);
typedef void* (*pyuvnet_get_session_cb)(void* ssl, const unsigned char* id, int id_len, int* copy);
typedef void (*pyuvnet_msg_cb)(int write_p, int version, int content_type, const void* buf,
                               size_t len, void* ssl, void* arg);
typedef void (*pyuvnet_free_fn)(void* item);
typedef int (*pyuvnet_client_hello_cb)(void* ssl, int* alert, void* arg);

typedef struct {
    /* PKCS#12 (Node's loadPKCS12), with the key handed back as PKCS#8 DER. */
    void* (*bio_new)(const void* method);
    const void* (*bio_s_mem)(void);
    int (*bio_write)(void* bio, const void* data, int len);
    int (*bio_free)(void* bio);
    void* (*d2i_pkcs12_bio)(void* bio, void** out);
    int (*pkcs12_parse)(void* p12, const char* pass, void** pkey, void** cert, void** ca);
    void (*pkcs12_free)(void* p12);
    void (*x509_free)(void* x509);
    void (*stack_pop_free)(void* stack, pyuvnet_free_fn free_fn);
    int (*stack_count)(const void* stack);
    void* (*stack_item)(const void* stack, int index);
    int (*x509_to_der)(const void* x509, unsigned char** out);
    void* (*pkey_to_pkcs8)(const void* pkey);
    int (*pkcs8_to_der)(const void* p8, unsigned char** out);
    void (*pkcs8_free)(void* p8);
    void (*pkey_free)(void* pkey);
    unsigned long (*err_get_error)(void);
    const char* (*err_reason_string)(unsigned long code);
    void (*err_clear)(void);
    void (*err_string)(unsigned long code, char* buf, size_t len);
    /* Sessions: DER both ways, set on a connection before its handshake,
     * and the callbacks of a new session / a session looked up. */
    int (*session_to_der)(const void* session, unsigned char** out);
    void* (*session_from_der)(void** out, const unsigned char** in, long len);
    void (*session_free)(void* session);
    int (*set_session)(void* ssl, void* session);
    void* (*get_session)(const void* ssl);
    const unsigned char* (*session_id)(const void* session, unsigned int* len);
    void (*sess_set_new_cb)(void* ctx, pyuvnet_new_session_cb callback);
    void (*sess_set_get_cb)(void* ctx, pyuvnet_get_session_cb callback);
    long (*ctx_ctrl)(void* ctx, int command, long larg, void* parg);
    int (*set_session_id_context)(void* ctx, const unsigned char* sid_ctx, unsigned int len);
    void* (*get_ex_data)(const void* ssl, int index);
    /* A server's external cache: the ClientHello looked at first (its
     * session id, whether it carries a ticket), so that the lookup can
     * wait for 'resumeSession' (SSL_CLIENT_HELLO_RETRY). */
    void (*set_client_hello_cb)(void* ctx, pyuvnet_client_hello_cb callback, void* arg);
    size_t (*client_hello_session_id)(void* ssl, const unsigned char** out);
    int (*client_hello_ext)(void* ssl, unsigned int type, const unsigned char** out, size_t* outlen);
    /* renegotiate() and enableTrace() */
    int (*renegotiate)(void* ssl);
    int (*renegotiate_pending)(const void* ssl);
    long (*ssl_ctrl)(void* ssl, int command, long larg, void* parg);
    void (*set_msg_callback)(void* ssl, pyuvnet_msg_cb callback);
    void* (*new_fd_bio)(int fd, int close_flag);
    pyuvnet_msg_cb trace;       /* SSL_trace: absent where OpenSSL was built without it */
} pyuvnet_openssl_sessions_t;

/* 0 when every function (SSL_trace aside) was found in the already loaded
 * module at ssl_module_path and the libraries it depends on; -1 otherwise. */
static int pyuvnet_openssl_sessions_load(const char* ssl_module_path, pyuvnet_openssl_sessions_t* f) {
#ifdef _WIN32
    (void)ssl_module_path;
    (void)f;
    return -1;
#else
    void* module = dlopen(ssl_module_path, RTLD_NOW | RTLD_NOLOAD);
    if (module == NULL)
        return -1;
    *(void**)&f->bio_new = dlsym(module, "BIO_new");
    *(void**)&f->bio_s_mem = dlsym(module, "BIO_s_mem");
    *(void**)&f->bio_write = dlsym(module, "BIO_write");
    *(void**)&f->bio_free = dlsym(module, "BIO_free");
    *(void**)&f->d2i_pkcs12_bio = dlsym(module, "d2i_PKCS12_bio");
    *(void**)&f->pkcs12_parse = dlsym(module, "PKCS12_parse");
    *(void**)&f->pkcs12_free = dlsym(module, "PKCS12_free");
    *(void**)&f->x509_free = dlsym(module, "X509_free");
    *(void**)&f->stack_pop_free = dlsym(module, "OPENSSL_sk_pop_free");
    *(void**)&f->stack_count = dlsym(module, "OPENSSL_sk_num");
    *(void**)&f->stack_item = dlsym(module, "OPENSSL_sk_value");
    *(void**)&f->x509_to_der = dlsym(module, "i2d_X509");
    *(void**)&f->pkey_to_pkcs8 = dlsym(module, "EVP_PKEY2PKCS8");
    *(void**)&f->pkcs8_to_der = dlsym(module, "i2d_PKCS8_PRIV_KEY_INFO");
    *(void**)&f->pkcs8_free = dlsym(module, "PKCS8_PRIV_KEY_INFO_free");
    *(void**)&f->pkey_free = dlsym(module, "EVP_PKEY_free");
    *(void**)&f->err_get_error = dlsym(module, "ERR_get_error");
    *(void**)&f->err_reason_string = dlsym(module, "ERR_reason_error_string");
    *(void**)&f->err_clear = dlsym(module, "ERR_clear_error");
    *(void**)&f->err_string = dlsym(module, "ERR_error_string_n");
    *(void**)&f->session_to_der = dlsym(module, "i2d_SSL_SESSION");
    *(void**)&f->session_from_der = dlsym(module, "d2i_SSL_SESSION");
    *(void**)&f->session_free = dlsym(module, "SSL_SESSION_free");
    *(void**)&f->set_session = dlsym(module, "SSL_set_session");
    *(void**)&f->get_session = dlsym(module, "SSL_get_session");
    *(void**)&f->session_id = dlsym(module, "SSL_SESSION_get_id");
    *(void**)&f->sess_set_new_cb = dlsym(module, "SSL_CTX_sess_set_new_cb");
    *(void**)&f->sess_set_get_cb = dlsym(module, "SSL_CTX_sess_set_get_cb");
    *(void**)&f->ctx_ctrl = dlsym(module, "SSL_CTX_ctrl");
    *(void**)&f->set_session_id_context = dlsym(module, "SSL_CTX_set_session_id_context");
    *(void**)&f->get_ex_data = dlsym(module, "SSL_get_ex_data");
    *(void**)&f->set_client_hello_cb = dlsym(module, "SSL_CTX_set_client_hello_cb");
    *(void**)&f->client_hello_session_id = dlsym(module, "SSL_client_hello_get0_session_id");
    *(void**)&f->client_hello_ext = dlsym(module, "SSL_client_hello_get0_ext");
    *(void**)&f->renegotiate = dlsym(module, "SSL_renegotiate");
    *(void**)&f->renegotiate_pending = dlsym(module, "SSL_renegotiate_pending");
    *(void**)&f->ssl_ctrl = dlsym(module, "SSL_ctrl");
    *(void**)&f->set_msg_callback = dlsym(module, "SSL_set_msg_callback");
    *(void**)&f->new_fd_bio = dlsym(module, "BIO_new_fd");
    *(void**)&f->trace = dlsym(module, "SSL_trace");
    /* _ssl stays loaded for the life of the process: the addresses stay valid. */
    dlclose(module);
    if (!f->bio_new || !f->bio_s_mem || !f->bio_write || !f->bio_free || !f->d2i_pkcs12_bio || !f->pkcs12_parse || !f->pkcs12_free || !f->x509_free
            || !f->stack_pop_free || !f->stack_count || !f->stack_item || !f->x509_to_der
            || !f->pkey_to_pkcs8 || !f->pkcs8_to_der || !f->pkcs8_free || !f->pkey_free
            || !f->err_get_error || !f->err_reason_string || !f->err_clear || !f->err_string
            || !f->session_to_der || !f->session_from_der || !f->session_free
            || !f->set_session || !f->get_session || !f->session_id || !f->sess_set_new_cb
            || !f->sess_set_get_cb || !f->ctx_ctrl || !f->set_session_id_context || !f->get_ex_data || !f->set_client_hello_cb
            || !f->client_hello_session_id || !f->client_hello_ext || !f->renegotiate
            || !f->renegotiate_pending || !f->ssl_ctrl || !f->set_msg_callback
            || !f->new_fd_bio)
        return -1;
    return 0;
#endif
}

#endif
