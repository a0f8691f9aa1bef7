/* The OpenSSL functions of PKCS#12 keys, sessions (as DER, their
 * callbacks), renegotiation and tracing: a second table beside
 * pyuvnet_openssl.h's, taken the same way from the libssl/libcrypto that
 * CPython's _ssl already loaded.  Apart so that each concept's table can
 * be loaded (and fail) on its own. */
#ifndef PYUVNET_OPENSSL_SESSIONS_H
#define PYUVNET_OPENSSL_SESSIONS_H
#include "pyuvnet_openssl.h"

typedef int (*pyuvnet_new_session_cb)(void* ssl, void* session);
typedef void* (*pyuvnet_get_session_cb)(void* ssl, const unsigned char* id, int id_len, int* copy);
typedef void (*pyuvnet_msg_cb)(int write_p, int version, int content_type, const void* buf,
                               size_t len, void* ssl, void* arg);
typedef void (*pyuvnet_free_fn)(void* item);
typedef int (*pyuvnet_client_hello_cb)(void* ssl, int* alert, void* arg);
typedef void (*pyuvnet_info_cb)(const void* ssl, int where, int ret);

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
    /* A server's count of client renegotiations (tls.CLIENT_RENEG_LIMIT) */
    void (*set_info_callback)(void* ssl, pyuvnet_info_cb callback);
    pyuvnet_msg_cb trace;       /* SSL_trace: absent where OpenSSL was built without it */
} pyuvnet_openssl_sessions_t;

/* The symbols of the table's fields, in their order; SSL_trace, the one
 * a build may lack (enable-ssl-trace), last. */
static const char* const pyuvnet_openssl_sessions_symbols[] = {
    "BIO_new", "BIO_s_mem", "BIO_write", "BIO_free", "d2i_PKCS12_bio", "PKCS12_parse",
    "PKCS12_free", "X509_free", "OPENSSL_sk_pop_free", "OPENSSL_sk_num", "OPENSSL_sk_value",
    "i2d_X509", "EVP_PKEY2PKCS8", "i2d_PKCS8_PRIV_KEY_INFO", "PKCS8_PRIV_KEY_INFO_free",
    "EVP_PKEY_free", "ERR_get_error", "ERR_reason_error_string", "ERR_clear_error",
    "ERR_error_string_n", "i2d_SSL_SESSION", "d2i_SSL_SESSION", "SSL_SESSION_free",
    "SSL_set_session", "SSL_get_session", "SSL_SESSION_get_id", "SSL_CTX_sess_set_new_cb",
    "SSL_CTX_sess_set_get_cb", "SSL_CTX_ctrl", "SSL_CTX_set_session_id_context",
    "SSL_get_ex_data", "SSL_CTX_set_client_hello_cb", "SSL_client_hello_get0_session_id",
    "SSL_client_hello_get0_ext", "SSL_renegotiate", "SSL_renegotiate_pending", "SSL_ctrl",
    "SSL_set_msg_callback", "BIO_new_fd", "SSL_set_info_callback", "SSL_trace",
};
#define PYUVNET_OPENSSL_SESSIONS_COUNT \
    (sizeof(pyuvnet_openssl_sessions_symbols) / sizeof(pyuvnet_openssl_sessions_symbols[0]))
/* The table is read as that many pointers: a field added without its
 * symbol (or the other way round) fails to compile. */
typedef char pyuvnet_openssl_sessions_table_matches[
    sizeof(pyuvnet_openssl_sessions_t) == PYUVNET_OPENSSL_SESSIONS_COUNT * sizeof(void*) ? 1 : -1];

/* 0 when every function (SSL_trace aside) was found in the already loaded
 * module at ssl_module_path and the libraries it depends on; -1 otherwise. */
static int pyuvnet_openssl_sessions_load(const char* ssl_module_path, pyuvnet_openssl_sessions_t* f) {
    void** slots = (void**)f;
    size_t index;
    void* module = pyuvnet_ssl_module_open(ssl_module_path);
    if (module == NULL)
        return -1;
    for (index = 0; index < PYUVNET_OPENSSL_SESSIONS_COUNT; index++) {
        slots[index] = pyuvnet_ssl_symbol(module, pyuvnet_openssl_sessions_symbols[index]);
        if (slots[index] == NULL && index + 1 < PYUVNET_OPENSSL_SESSIONS_COUNT)
            break;
    }
    pyuvnet_ssl_module_close(module);
    return index == PYUVNET_OPENSSL_SESSIONS_COUNT ? 0 : -1;
}

#endif
