/* The few OpenSSL functions pyuvnet calls, taken at run time from the
 * libssl that CPython's _ssl module already loaded: pyuvnet neither links
 * nor ships OpenSSL, and uses the very library (and version) whose SSL*
 * it is handed.  Where the platform cannot resolve them (Windows, an _ssl
 * linked statically without exported symbols), loading fails and the
 * caller falls back. */
#ifndef PYUVNET_OPENSSL_H
#define PYUVNET_OPENSSL_H
#include <Python.h>
#ifndef _WIN32
#include <dlfcn.h>
#endif

typedef int (*pyuvnet_verify_cb)(int preverify_ok, void* x509_store_ctx);
typedef int (*pyuvnet_alpn_select_cb)(void* ssl, const unsigned char** out, unsigned char* outlen,
                                      const unsigned char* in, unsigned int inlen, void* arg);

/* SSL_select_next_proto, for pyuvnet_alpn_select (which has no other way
 * to reach the loaded functions). */
static int (*pyuvnet_select_next_proto)(unsigned char** out, unsigned char* outlen,
                                        const unsigned char* server, unsigned int server_len,
                                        const unsigned char* client, unsigned int client_len);

typedef struct {
    long (*get_verify_result)(const void* ssl);
    const char* (*verify_error_string)(long code);
    void (*set_verify)(void* ssl, int mode, pyuvnet_verify_cb callback);
    void* (*get_ssl_ctx)(const void* ssl);
    void* (*get_ex_data)(const void* ssl, int index);
    /* The certificates (X509*, STACK_OF(X509)*), for getPeerCertificate(true)
     * and getCertificate() before Python 3.13 gave the chains. */
    void* (*get0_verified_chain)(const void* ssl);
    void* (*get_peer_cert_chain)(const void* ssl);
    void* (*get_certificate)(const void* ssl);
    int (*stack_count)(const void* stack);
    void* (*stack_item)(const void* stack, int index);
    int (*x509_to_der)(const void* x509, unsigned char** out);
    /* The SNI name a server received: read once the handshake is done, so
     * that a server without an SNICallback needs no Python SNI hook. */
    const char* (*get_servername)(const void* ssl, int type);
    /* A server's ALPN selection that can refuse (Python's cannot). */
    void (*set_alpn_select_cb)(void* ctx, pyuvnet_alpn_select_cb callback, void* arg);
    /* What Python's SSLContext cannot set: the TLS 1.3 suites, and a list
     * of groups (SSL_CTX_set1_groups_list is a macro over SSL_CTX_ctrl). */
    int (*set_ciphersuites)(void* ctx, const char* suites);
    long (*ctx_ctrl)(void* ctx, int command, long larg, void* parg);
    /* TLSSocket's one-call queries: the Finished messages, RFC 5705
     * keying material, SSL_set_max_send_fragment (a macro over SSL_ctrl)
     * and SSL_OP_NO_RENEGOTIATION (SSL_set_options / SSL_get_options take
     * a 64-bit mask in OpenSSL 3, an unsigned long, also 64-bit on LP64,
     * in 1.1). */
    size_t (*get_finished)(const void* ssl, void* buf, size_t count);
    size_t (*get_peer_finished)(const void* ssl, void* buf, size_t count);
    int (*export_keying_material)(void* ssl, unsigned char* out, size_t olen,
                                  const char* label, size_t llen,
                                  const unsigned char* context, size_t contextlen,
                                  int use_context);
    long (*ssl_ctrl)(void* ssl, int command, long larg, void* parg);
    unsigned long long (*set_options)(void* ssl, unsigned long long options);
    unsigned long long (*get_options)(const void* ssl);
    /* getTLSTicket, getEphemeralKeyInfo, setServername (before the
     * handshake: SSL_in_before).  EVP_PKEY_id and EVP_PKEY_bits are
     * EVP_PKEY_get_id/_get_bits in OpenSSL 3 (macros by the old names);
     * the EC_KEY calls name a NIST curve as in both 1.1 and 3. */
    void* (*get_session)(const void* ssl);
    void (*session_get0_ticket)(const void* session, const unsigned char** tick, size_t* len);
    int (*pkey_id)(const void* pkey);
    int (*pkey_bits)(const void* pkey);
    void (*pkey_free)(void* pkey);
    void* (*pkey_get1_ec_key)(void* pkey);
    const void* (*ec_key_get0_group)(const void* ec_key);
    int (*ec_group_get_curve_name)(const void* group);
    void (*ec_key_free)(void* ec_key);
    const char* (*nid_to_short_name)(int nid);
    int (*in_before)(const void* ssl);
    int (*get_shared_sigalgs)(void* ssl, int index, int* sign_nid, int* hash_nid,
                              int* sign_hash_nid, unsigned char* rsig, unsigned char* rhash);
} pyuvnet_openssl_t;

/* The module at ssl_module_path if it is already loaded, else NULL
 * (RTLD_NOLOAD: never loads a second copy of anything; NULL on Windows);
 * its symbols, and those of the libraries it depends on. */
static void* pyuvnet_ssl_module_open(const char* ssl_module_path) {
#ifdef _WIN32
    (void)ssl_module_path;
    return NULL;
#else
    return dlopen(ssl_module_path, RTLD_NOW | RTLD_NOLOAD);
#endif
}

static void* pyuvnet_ssl_symbol(void* module, const char* name) {
#ifdef _WIN32
    (void)module;
    (void)name;
    return NULL;
#else
    return dlsym(module, name);
#endif
}

/* _ssl stays loaded for the life of the process: the addresses found in
 * it stay valid once the handle is closed. */
static void pyuvnet_ssl_module_close(void* module) {
#ifndef _WIN32
    dlclose(module);
#else
    (void)module;
#endif
}

/* 0 when every function was found in the already loaded module at
 * ssl_module_path (and the libraries it depends on); -1 otherwise. */
static int pyuvnet_openssl_load(const char* ssl_module_path, pyuvnet_openssl_t* f) {
#ifdef _WIN32
    (void)ssl_module_path;
    (void)f;
    return -1;
#else
    void* module = pyuvnet_ssl_module_open(ssl_module_path);
    if (module == NULL)
        return -1;
    *(void**)&f->get_verify_result = dlsym(module, "SSL_get_verify_result");
    *(void**)&f->verify_error_string = dlsym(module, "X509_verify_cert_error_string");
    *(void**)&f->set_verify = dlsym(module, "SSL_set_verify");
    *(void**)&f->get_ssl_ctx = dlsym(module, "SSL_get_SSL_CTX");
    *(void**)&f->get_ex_data = dlsym(module, "SSL_get_ex_data");
    *(void**)&f->get0_verified_chain = dlsym(module, "SSL_get0_verified_chain");
    *(void**)&f->get_peer_cert_chain = dlsym(module, "SSL_get_peer_cert_chain");
    *(void**)&f->get_certificate = dlsym(module, "SSL_get_certificate");
    *(void**)&f->stack_count = dlsym(module, "OPENSSL_sk_num");
    *(void**)&f->stack_item = dlsym(module, "OPENSSL_sk_value");
    *(void**)&f->x509_to_der = dlsym(module, "i2d_X509");
    *(void**)&f->get_servername = dlsym(module, "SSL_get_servername");
    *(void**)&f->set_alpn_select_cb = dlsym(module, "SSL_CTX_set_alpn_select_cb");
    *(void**)&f->set_ciphersuites = dlsym(module, "SSL_CTX_set_ciphersuites");
    *(void**)&f->ctx_ctrl = dlsym(module, "SSL_CTX_ctrl");
    *(void**)&f->get_finished = dlsym(module, "SSL_get_finished");
    *(void**)&f->get_peer_finished = dlsym(module, "SSL_get_peer_finished");
    *(void**)&f->export_keying_material = dlsym(module, "SSL_export_keying_material");
    *(void**)&f->ssl_ctrl = dlsym(module, "SSL_ctrl");
    *(void**)&f->set_options = dlsym(module, "SSL_set_options");
    *(void**)&f->get_options = dlsym(module, "SSL_get_options");
    *(void**)&f->get_session = dlsym(module, "SSL_get_session");
    *(void**)&f->session_get0_ticket = dlsym(module, "SSL_SESSION_get0_ticket");
    *(void**)&f->pkey_id = dlsym(module, "EVP_PKEY_get_id");
    if (!f->pkey_id)
        *(void**)&f->pkey_id = dlsym(module, "EVP_PKEY_id");
    *(void**)&f->pkey_bits = dlsym(module, "EVP_PKEY_get_bits");
    if (!f->pkey_bits)
        *(void**)&f->pkey_bits = dlsym(module, "EVP_PKEY_bits");
    *(void**)&f->pkey_free = dlsym(module, "EVP_PKEY_free");
    *(void**)&f->pkey_get1_ec_key = dlsym(module, "EVP_PKEY_get1_EC_KEY");
    *(void**)&f->ec_key_get0_group = dlsym(module, "EC_KEY_get0_group");
    *(void**)&f->ec_group_get_curve_name = dlsym(module, "EC_GROUP_get_curve_name");
    *(void**)&f->ec_key_free = dlsym(module, "EC_KEY_free");
    *(void**)&f->nid_to_short_name = dlsym(module, "OBJ_nid2sn");
    *(void**)&f->in_before = dlsym(module, "SSL_in_before");
    *(void**)&f->get_shared_sigalgs = dlsym(module, "SSL_get_shared_sigalgs");
    *(void**)&pyuvnet_select_next_proto = dlsym(module, "SSL_select_next_proto");
    /* _ssl stays loaded for the life of the process: the addresses stay valid. */
    dlclose(module);
    if (!f->get_verify_result || !f->verify_error_string || !f->set_verify
            || !f->get_ssl_ctx || !f->get_ex_data || !f->get0_verified_chain
            || !f->get_peer_cert_chain || !f->get_certificate || !f->stack_count
            || !f->stack_item || !f->x509_to_der || !f->get_servername
            || !f->set_alpn_select_cb || !pyuvnet_select_next_proto
            || !f->set_ciphersuites || !f->ctx_ctrl || !f->get_finished
            || !f->get_peer_finished || !f->export_keying_material || !f->ssl_ctrl
            || !f->set_options || !f->get_options || !f->get_session
            || !f->session_get0_ticket || !f->pkey_id || !f->pkey_bits || !f->pkey_free
            || !f->pkey_get1_ec_key || !f->ec_key_get0_group || !f->ec_group_get_curve_name
            || !f->ec_key_free || !f->nid_to_short_name || !f->in_before
            || !f->get_shared_sigalgs)
        return -1;
    return 0;
#endif
}

/* The pointer-sized field number `index` after the object header of obj,
 * or NULL when the object is too small to have one (a layout that cannot
 * be CPython's). */
static void* pyuvnet_field_after_head(PyObject* obj, int index) {
    Py_ssize_t offset = (Py_ssize_t)sizeof(PyObject) + index * (Py_ssize_t)sizeof(void*);
    if (Py_TYPE(obj)->tp_basicsize < offset + (Py_ssize_t)sizeof(void*))
        return NULL;
    return *(void**)((char*)obj + offset);
}

/* Node's verify callback: accept every certificate, so that OpenSSL checks
 * the whole chain and keeps the last error, which is judged after the
 * handshake. */
static int pyuvnet_accept_all(int preverify_ok, void* x509_store_ctx) {
    (void)preverify_ok;
    (void)x509_store_ctx;
    return 1;
}

/* Node's ALPN selection on a server: the first of the server's protocols
 * (arg: their wire format, a bytes object its SSLContext keeps) that the
 * client offers; none in common is fatal (OpenSSL then sends the
 * no_application_protocol alert).  Runs inside the handshake, where _ssl
 * has released the GIL: it only reads the immutable bytes. */
static int pyuvnet_alpn_select(void* ssl, const unsigned char** out, unsigned char* outlen,
                               const unsigned char* in, unsigned int inlen, void* arg) {
    PyObject* server = (PyObject*)arg;
    int status;
    (void)ssl;
    status = pyuvnet_select_next_proto((unsigned char**)out, outlen,
                                       (const unsigned char*)PyBytes_AS_STRING(server),
                                       (unsigned int)PyBytes_GET_SIZE(server), in, inlen);
    /* OPENSSL_NPN_NEGOTIATED; SSL_TLSEXT_ERR_OK, SSL_TLSEXT_ERR_ALERT_FATAL */
    return status == 1 ? 0 : 2;
}

#endif
