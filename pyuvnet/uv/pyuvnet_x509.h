/* The OpenSSL functions X509Certificate (tls_x509.pyx) calls, taken at run
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
    int (*i2d_x509)(const void* x509, unsigned char** out);
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

/* 0 when every function was found in the already loaded module at
 * ssl_module_path (and the libraries it depends on); -1 otherwise. */
static int pyuvnet_x509_load(const char* ssl_module_path, pyuvnet_x509_t* f) {
#ifdef _WIN32
    (void)ssl_module_path;
    (void)f;
    return -1;
#else
    void* module = dlopen(ssl_module_path, RTLD_NOW | RTLD_NOLOAD);
    if (module == NULL)
        return -1;
    *(void**)&f->d2i_x509 = dlsym(module, "d2i_X509");
    *(void**)&f->i2d_x509 = dlsym(module, "i2d_X509");
    *(void**)&f->x509_free = dlsym(module, "X509_free");
    *(void**)&f->pem_read_x509 = dlsym(module, "PEM_read_bio_X509");
    *(void**)&f->pem_read_private_key = dlsym(module, "PEM_read_bio_PrivateKey");
    *(void**)&f->d2i_pubkey = dlsym(module, "d2i_PUBKEY");
    *(void**)&f->i2d_pubkey = dlsym(module, "i2d_PUBKEY");
    *(void**)&f->get0_pubkey = dlsym(module, "X509_get0_pubkey");
    *(void**)&f->pkey_free = dlsym(module, "EVP_PKEY_free");
    *(void**)&f->check_host = dlsym(module, "X509_check_host");
    *(void**)&f->check_ip_asc = dlsym(module, "X509_check_ip_asc");
    *(void**)&f->check_email = dlsym(module, "X509_check_email");
    *(void**)&f->check_issued = dlsym(module, "X509_check_issued");
    *(void**)&f->check_private_key = dlsym(module, "X509_check_private_key");
    *(void**)&f->verify = dlsym(module, "X509_verify");
    *(void**)&f->subject_name = dlsym(module, "X509_get_subject_name");
    *(void**)&f->issuer_name = dlsym(module, "X509_get_issuer_name");
    *(void**)&f->name_print_ex = dlsym(module, "X509_NAME_print_ex");
    *(void**)&f->bio_new_mem_buf = dlsym(module, "BIO_new_mem_buf");
    *(void**)&f->bio_s_mem = dlsym(module, "BIO_s_mem");
    *(void**)&f->bio_new = dlsym(module, "BIO_new");
    *(void**)&f->bio_ctrl = dlsym(module, "BIO_ctrl");
    *(void**)&f->bio_free = dlsym(module, "BIO_free");
    *(void**)&f->err_get_error = dlsym(module, "ERR_get_error");
    *(void**)&f->err_clear_error = dlsym(module, "ERR_clear_error");
    *(void**)&f->err_error_string_n = dlsym(module, "ERR_error_string_n");
    *(void**)&f->crypto_free = dlsym(module, "CRYPTO_free");
    dlclose(module);    /* _ssl stays loaded: the addresses stay valid */
    {
        void** fields = (void**)f;
        size_t i;
        for (i = 0; i < sizeof(*f) / sizeof(void*); i++)
            if (fields[i] == NULL)
                return -1;
    }
    return 0;
#endif
}

#endif
