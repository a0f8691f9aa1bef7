/* The OpenSSL functions X509Certificate (tls/openssl_x509.pyx) calls, taken at run
 * time from the libssl/libcrypto CPython's _ssl already loaded, as
 * pyuvnet_openssl.h does for the connection's calls: parsing, the name
 * checks with their flags, issuer and signature checks, the names printed
 * as Node prints them. */
#ifndef PYUVNET_X509_H
#define PYUVNET_X509_H
#include <Python.h>
#ifndef _WIN32
#include <dlfcn.h>
#endif

typedef struct {
    void* (*d2i_x509)(void** out, const unsigned char** in, long length);
    void (*x509_free)(void* x509);
    void* (*pem_read_x509)(void* bio, void** out, void* password_cb, void* arg);
    void* (*pem_read_private_key)(void* bio, void** out, void* password_cb, void* arg);
    void* (*d2i_pubkey)(void** out, const unsigned char** in, long length);
    int (*i2d_pubkey)(const void* pkey, unsigned char** out);
    void* (*get0_pubkey)(const void* x509);
    void (*pkey_free)(void* pkey);
    int (*check_host)(void* x509, const char* name, size_t length, unsigned int flags, char** peername);
    int (*check_ip_asc)(void* x509, const char* address, unsigned int flags);
    int (*check_email)(void* x509, const char* address, size_t length, unsigned int flags);
    int (*check_issued)(void* issuer, void* subject);
    int (*check_private_key)(const void* x509, const void* pkey);
    int (*verify)(void* x509, void* pkey);
    void* (*subject_name)(const void* x509);
    void* (*issuer_name)(const void* x509);
    int (*name_print_ex)(void* bio, const void* name, int indent, unsigned long flags);
    void* (*bio_new_mem_buf)(const void* data, int length);
    const void* (*bio_s_mem)(void);
    void* (*bio_new)(const void* method);
    long (*bio_ctrl)(void* bio, int command, long larg, void* parg);
    int (*bio_free)(void* bio);
    unsigned long (*err_get_error)(void);
    void (*err_clear_error)(void);
    void (*err_error_string_n)(unsigned long code, char* buf, size_t size);
    void (*crypto_free)(void* pointer, const char* file, int line);
} pyuvnet_x509_t;

/* Fill slots[i] with the function names[i] of the already loaded module
 * at ssl_module_path (and the libraries it depends on): 0 when every one
 * was found, -1 otherwise.  RTLD_NOLOAD: never loads a second copy. */
static int pyuvnet_resolve(const char* ssl_module_path, const char* const* names, void** slots,
                           size_t count) {
#ifdef _WIN32
    (void)ssl_module_path; (void)names; (void)slots; (void)count;
    return -1;
#else
    size_t i;
    int found = 0;
    void* module = dlopen(ssl_module_path, RTLD_NOW | RTLD_NOLOAD);
    if (module == NULL)
        return -1;
    for (i = 0; i < count; i++)
        found += (slots[i] = dlsym(module, names[i])) != NULL;
    dlclose(module);    /* _ssl stays loaded: the addresses stay valid */
    return (size_t)found == count ? 0 : -1;
#endif
}

/* OpenSSL's names of pyuvnet_x509_t's fields, in their order. */
static const char* const pyuvnet_x509_names[] = {
    "d2i_X509", "X509_free", "PEM_read_bio_X509", "PEM_read_bio_PrivateKey",
    "d2i_PUBKEY", "i2d_PUBKEY", "X509_get0_pubkey", "EVP_PKEY_free", "X509_check_host",
    "X509_check_ip_asc", "X509_check_email", "X509_check_issued", "X509_check_private_key",
    "X509_verify", "X509_get_subject_name", "X509_get_issuer_name", "X509_NAME_print_ex",
    "BIO_new_mem_buf", "BIO_s_mem", "BIO_new", "BIO_ctrl", "BIO_free", "ERR_get_error",
    "ERR_clear_error", "ERR_error_string_n", "CRYPTO_free",
};

static int pyuvnet_x509_load(const char* ssl_module_path, pyuvnet_x509_t* f) {
    /* The struct is a run of function pointers, one per name. */
    if (sizeof(*f) != sizeof(pyuvnet_x509_names))
        return -1;
    return pyuvnet_resolve(ssl_module_path, pyuvnet_x509_names, (void**)f,
                           sizeof(pyuvnet_x509_names) / sizeof(pyuvnet_x509_names[0]));
}

#endif
