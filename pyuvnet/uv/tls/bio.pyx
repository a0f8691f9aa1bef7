# The pump's BIO (pyuvnet_tls_bio.h): one BIO an SSL reads its ciphertext
# from and writes its records to, in place of ssl's two MemoryBIOs (see
# tls/pump.pyx, "The ciphertext").  Its functions are taken from the libssl
# that Python's _ssl loaded, on first use.

cdef extern from "tls/pyuvnet_tls_bio.h":
    ctypedef struct pyuvnet_tls_bio_t:
        const char* fresh
        size_t fresh_off, fresh_len
        int held
        char* out
        size_t out_len
    size_t pyuvnet_tls_bio_unread(const pyuvnet_tls_bio_t* s)
    int pyuvnet_tls_bio_load(const char* ssl_module_path)
    pyuvnet_tls_bio_t* pyuvnet_tls_bio_attach(void* ssl)
    int pyuvnet_tls_bio_keep_fresh(pyuvnet_tls_bio_t* s)
    void pyuvnet_tls_bio_aim(pyuvnet_tls_bio_t* s, object records)
    void pyuvnet_tls_bio_unaim(pyuvnet_tls_bio_t* s, object records)


cdef int tls_bio_state = 0      # 0: not tried, 1: made, -1: unavailable


cdef bint tls_bio_ready():
    global tls_bio_state
    if tls_bio_state == 0:
        tls_bio_state = -1
        if load_openssl():
            import _ssl
            if pyuvnet_tls_bio_load(os.fsencode(_ssl.__file__)) == 0:
                tls_bio_state = 1
    return tls_bio_state == 1
