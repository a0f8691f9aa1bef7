# X509Certificate's OpenSSL side (pyuvnet/x509.py is the class): a parsed
# X509* owned by an X509Handle, and the calls Node makes on it.  The
# functions come from the libcrypto CPython's _ssl loaded
# (pyuvnet_x509.h).  Every call that can fail empties OpenSSL's error
# queue, which _ssl reads after its own calls on this thread.

cdef extern from "tls/pyuvnet_x509.h":
    ctypedef struct pyuvnet_x509_t:
        void* (*d2i_x509)(void** out, const unsigned char** inp, long length)
        void (*x509_free)(void* x509)
        void* (*pem_read_x509)(void* bio, void** out, void* password_cb, void* arg)
        void* (*pem_read_private_key)(void* bio, void** out, void* password_cb, void* arg)
        void* (*d2i_pubkey)(void** out, const unsigned char** inp, long length)
        int (*i2d_pubkey)(const void* pkey, unsigned char** out)
        void* (*get0_pubkey)(const void* x509)
        void (*pkey_free)(void* pkey)
        int (*check_host)(void* x509, const char* name, size_t length, unsigned int flags,
                          char** peername)
        int (*check_ip_asc)(void* x509, const char* address, unsigned int flags)
        int (*check_email)(void* x509, const char* address, size_t length, unsigned int flags)
        int (*check_issued)(void* issuer, void* subject)
        int (*check_private_key)(const void* x509, const void* pkey)
        int (*verify)(void* x509, void* pkey)
        void* (*subject_name)(const void* x509)
        void* (*issuer_name)(const void* x509)
        int (*name_print_ex)(void* bio, const void* name, int indent, unsigned long flags)
        void* (*bio_new_mem_buf)(const void* data, int length)
        const void* (*bio_s_mem)()
        void* (*bio_new)(const void* method)
        long (*bio_ctrl)(void* bio, int command, long larg, void* parg)
        int (*bio_free)(void* bio)
        unsigned long (*err_get_error)()
        void (*err_clear_error)()
        void (*err_error_string_n)(unsigned long code, char* buf, size_t size)
        void (*crypto_free)(void* pointer, const char* file, int line)
    int pyuvnet_x509_load(const char* ssl_module_path, pyuvnet_x509_t* f)


cdef enum:
    BIO_CTRL_INFO = 3       # BIO_get_mem_data
    # Node's kX509NameFlagsMultiline: ASN1_STRFLGS_ESC_2253 | _ESC_CTRL |
    # _UTF8_CONVERT | XN_FLAG_SEP_MULTILINE | XN_FLAG_FN_SN.
    X509_NAME_FLAGS_MULTILINE = 0x1 | 0x2 | 0x10 | (4 << 16)
    X509_V_OK = 0

cdef pyuvnet_x509_t x509_calls
cdef int x509_state = 0         # 0: not tried, 1: loaded, -1: unavailable


cdef bytes loaded_ssl_path():
    """The file of _ssl, whose libssl and libcrypto the C layer calls,
    once load_openssl() found its functions there; None otherwise."""
    if not load_openssl():
        return None
    import _ssl
    return os.fsencode(_ssl.__file__)


def x509_available():
    """Whether X509Handle works in this Python (the OpenSSL functions were
    found in the libcrypto _ssl loaded)."""
    global x509_state
    if x509_state == 0:
        path = loaded_ssl_path()
        x509_state = 1 if path is not None and pyuvnet_x509_load(path, &x509_calls) == 0 else -1
    return x509_state == 1


cdef str take_openssl_error():
    """The first error OpenSSL queued ('error:0480006C:PEM routines::no
    start line'), the queue emptied; '' when there was none."""
    cdef char buf[256]
    cdef unsigned long code = x509_calls.err_get_error()
    x509_calls.err_clear_error()
    if code == 0:
        return ''
    x509_calls.err_error_string_n(code, buf, sizeof(buf))
    return (<bytes>buf).decode('ascii', 'replace')


cdef void* read_pem(void* (*reader)(void*, void**, void*, void*), bytes data):
    """A PEM object of ``data`` (the first of its kind), NULL when none."""
    cdef void* bio = x509_calls.bio_new_mem_buf(PyBytes_AS_STRING(data), len(data))
    cdef void* result
    if bio == NULL:
        return NULL
    # A NULL password callback would prompt on the terminal for an
    # encrypted key: the empty passphrase argument makes it fail instead.
    result = reader(bio, NULL, NULL, <void*><char*>b'')
    x509_calls.bio_free(bio)
    return result


cdef class X509Handle:
    """One X509*, freed with its handle."""
    cdef void* x509

    def __dealloc__(self):
        if self.x509 != NULL:
            x509_calls.x509_free(self.x509)
            self.x509 = NULL

    def der(self):
        """The certificate's DER encoding (tls/openssl.pyx's i2d_X509)."""
        return x509_der(self.x509)

    def name(self, bint issuer):
        """The subject's (``issuer``: the issuer's) distinguished name as
        Node prints it: one 'KEY=value' a line, RFC 2253 escapes; None
        when OpenSSL cannot print it."""
        cdef void* bio = x509_calls.bio_new(x509_calls.bio_s_mem())
        cdef char* data = NULL
        cdef long size
        cdef const void* name = (x509_calls.issuer_name(self.x509) if issuer
                                 else x509_calls.subject_name(self.x509))
        if bio == NULL:
            take_openssl_error()
            return None
        try:
            if x509_calls.name_print_ex(bio, name, 0, X509_NAME_FLAGS_MULTILINE) < 0:
                take_openssl_error()
                return None
            size = x509_calls.bio_ctrl(bio, BIO_CTRL_INFO, 0, &data)
            return PyBytes_FromStringAndSize(data, size).decode('utf-8', 'replace') if size > 0 else ''
        finally:
            x509_calls.bio_free(bio)

    def check_host(self, bytes name, unsigned int flags):
        """X509_check_host: (status, the certificate's name that matched)."""
        cdef char* peername = NULL
        cdef int status = x509_calls.check_host(self.x509, name, len(name), flags, &peername)
        matched = None
        if peername != NULL:
            matched = (<bytes>peername).decode('utf-8', 'replace')
            x509_calls.crypto_free(peername, NULL, 0)
        if status != 1:
            take_openssl_error()
        return status, matched

    def check_ip(self, bytes address):
        """X509_check_ip_asc: 1 match, 0 none, -2 not an address."""
        cdef int status = x509_calls.check_ip_asc(self.x509, address, 0)
        if status != 1:
            take_openssl_error()
        return status

    def check_email(self, bytes address, unsigned int flags):
        """X509_check_email: 1 match, 0 none, -2 malformed."""
        cdef int status = x509_calls.check_email(self.x509, address, len(address), flags)
        if status != 1:
            take_openssl_error()
        return status

    def issued(self, X509Handle subject):
        """Whether this certificate issued ``subject`` (X509_check_issued:
        names and key identifiers, not the signature)."""
        cdef int status = x509_calls.check_issued(self.x509, subject.x509)
        take_openssl_error()
        return status == X509_V_OK

    def matches_private_key(self, bytes pem):
        """Whether the PEM private key ``pem`` is this certificate's; None
        when ``pem`` holds no unencrypted private key."""
        cdef void* pkey = read_pem(x509_calls.pem_read_private_key, pem)
        if pkey == NULL:
            take_openssl_error()
            return None
        status = x509_calls.check_private_key(self.x509, pkey)
        x509_calls.pkey_free(pkey)
        take_openssl_error()
        return status == 1

    def public_key(self):
        """The public key as DER SubjectPublicKeyInfo."""
        cdef void* pkey = x509_calls.get0_pubkey(self.x509)
        cdef int size
        cdef unsigned char* cursor
        if pkey == NULL:
            take_openssl_error()
            return None
        size = x509_calls.i2d_pubkey(pkey, NULL)
        if size <= 0:
            take_openssl_error()
            return None
        der = PyBytes_FromStringAndSize(NULL, size)
        cursor = <unsigned char*>PyBytes_AS_STRING(der)
        x509_calls.i2d_pubkey(pkey, &cursor)
        return der

    def signed_by(self, bytes spki):
        """Whether this certificate's signature verifies with the public key
        ``spki`` (DER SubjectPublicKeyInfo); None when that is no key."""
        cdef const unsigned char* cursor = <const unsigned char*>PyBytes_AS_STRING(spki)
        cdef void* pkey = x509_calls.d2i_pubkey(NULL, &cursor, len(spki))
        if pkey == NULL:
            take_openssl_error()
            return None
        status = x509_calls.verify(self.x509, pkey)
        x509_calls.pkey_free(pkey)
        take_openssl_error()
        return status == 1


def x509_parse(bytes data):
    """(X509Handle, '') for a PEM certificate (the first in ``data``) or a
    DER one; (None, OpenSSL's error) when it is neither (the PEM reader's
    error first, as Node reports it)."""
    cdef X509Handle handle = X509Handle()
    cdef const unsigned char* cursor
    handle.x509 = read_pem(x509_calls.pem_read_x509, data)
    if handle.x509 != NULL:
        x509_calls.err_clear_error()
        return handle, ''
    error = take_openssl_error()
    cursor = <const unsigned char*>PyBytes_AS_STRING(data)
    handle.x509 = x509_calls.d2i_x509(NULL, &cursor, len(data))
    x509_calls.err_clear_error()
    if handle.x509 == NULL:
        return None, error
    return handle, ''


def tls_sent_chain(sslobj):
    """The DER certificates the peer sent (SSL_get_peer_cert_chain: a
    client's list starts with the server's leaf, a server's lacks the
    client's), or None where the SSL* is not proven."""
    cdef void* ssl = proven_ssl_pointer(sslobj)
    if ssl == NULL:
        return None
    return stack_der(openssl.get_peer_cert_chain(ssl))
