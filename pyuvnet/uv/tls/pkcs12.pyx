# PKCS#12 (Node's ``pfx``): OpenSSL parses it (d2i_PKCS12_bio, PKCS12_parse)
# and hands back DER, which tls/_keys.py loads through Python's ssl as it
# loads PEM.  The table of functions is tls/sessions.pyx's.


cdef bytes pkcs8_der(const void* pkey):
    """A private key as unencrypted PKCS#8 DER (b'' when OpenSSL refused)."""
    cdef void* p8 = sessions_ssl.pkey_to_pkcs8(pkey)
    cdef int size
    cdef unsigned char* cursor
    if p8 == NULL:
        return b''
    size = sessions_ssl.pkcs8_to_der(p8, NULL)
    der = PyBytes_FromStringAndSize(NULL, max(size, 0))
    if size > 0:
        cursor = <unsigned char*>PyBytes_AS_STRING(der)
        sessions_ssl.pkcs8_to_der(p8, &cursor)
    sessions_ssl.pkcs8_free(p8)
    return der


cdef bytes der_of_x509(const void* x509):
    cdef int size = sessions_ssl.x509_to_der(x509, NULL)
    cdef unsigned char* cursor
    der = PyBytes_FromStringAndSize(NULL, max(size, 0))
    if size > 0:
        cursor = <unsigned char*>PyBytes_AS_STRING(der)
        sessions_ssl.x509_to_der(x509, &cursor)
    return der


cdef tuple openssl_reason():
    """(library number, reason) of OpenSSL's first queued error (Node's
    message for a PKCS#12 that does not load is the reason), the queue
    then emptied."""
    cdef unsigned long code = sessions_ssl.err_get_error()
    cdef const char* reason = sessions_ssl.err_reason_string(code) if code else NULL
    sessions_ssl.err_clear()
    # ERR_GET_LIB: the library's number sits above the 23 reason bits.
    return ((code >> 23) & 0xff,
            'Unknown error' if reason == NULL else (<bytes>reason).decode('ascii', 'replace'))


def tls_pkcs12_parse(bytes data, passphrase):
    """(certificate DER, PKCS#8 key DER, [extra certificates' DER]) of a
    PKCS#12 blob; ``passphrase`` bytes (read up to a NUL) or None (OpenSSL
    then tries none and the empty one).  (OpenSSL's library number, its
    reason) when it does not parse or decrypt ((35, 'mac verify failure'),
    (13, 'not enough data')).
    None where OpenSSL cannot be reached."""
    cdef void* bio
    cdef void* p12
    cdef void* pkey = NULL
    cdef void* cert = NULL
    cdef void* extra = NULL
    cdef const char* password = NULL
    if not load_sessions_openssl():
        return None
    if passphrase is not None:
        password = <const char*>PyBytes_AS_STRING(passphrase)
    # From a growing memory BIO, as Node reads it (OpenSSL's reasons for
    # what does not parse differ from d2i_PKCS12's on a buffer).
    bio = sessions_ssl.bio_new(sessions_ssl.bio_s_mem())
    if bio == NULL:
        return openssl_reason()
    if data and sessions_ssl.bio_write(bio, PyBytes_AS_STRING(data),
                                       <int>PyBytes_GET_SIZE(data)) != PyBytes_GET_SIZE(data):
        sessions_ssl.bio_free(bio)
        return openssl_reason()
    p12 = sessions_ssl.d2i_pkcs12_bio(bio, NULL)
    sessions_ssl.bio_free(bio)
    if p12 == NULL:
        return openssl_reason()
    if not sessions_ssl.pkcs12_parse(p12, password, &pkey, &cert, &extra):
        sessions_ssl.pkcs12_free(p12)
        return openssl_reason()
    sessions_ssl.pkcs12_free(p12)
    try:
        if cert == NULL or pkey == NULL:
            # Node's SSL_CTX_use_certificate(NULL) / _use_PrivateKey(NULL).
            return 20, 'passed a null parameter'     # ERR_LIB_SSL's, as Node's
        key = pkcs8_der(pkey)
        if not key:
            return openssl_reason()
        extras = [der_of_x509(sessions_ssl.stack_item(extra, index))
                  for index in range(sessions_ssl.stack_count(extra))] if extra != NULL else []
        return der_of_x509(cert), key, extras
    finally:
        sessions_ssl.err_clear()
        if pkey != NULL:
            sessions_ssl.pkey_free(pkey)
        if cert != NULL:
            sessions_ssl.x509_free(cert)
        if extra != NULL:
            sessions_ssl.stack_pop_free(extra, <pyuvnet_free_fn>sessions_ssl.x509_free)
