# The SSL* under Python's ssl objects, and the few OpenSSL calls pyuvnet
# makes on it (pyuvnet_openssl.h takes them from the libssl CPython's _ssl
# already loaded): the verification result and mode, the certificate
# chains, the SNI name.  TLSPump (tls/pump.pyx) and tls/_context.py use them.
#
# The SSL*: CPython's _ssl does not expose it, so it is read at its place
# in _ssl's object (after the header and the socket weakref, 3.7-3.14) and
# used only once proven: OpenSSL must say that this SSL's app data (which
# _ssl sets to its own object) is that very object, and that its SSL_CTX is
# the one read from the context object.  A wrong layout fails the proof;
# callers then fall back (tls/_verification.py's verify_result_readable()).

cdef extern from "tls/pyuvnet_openssl.h":
    ctypedef int (*pyuvnet_verify_cb)(int, void*)
    ctypedef int (*pyuvnet_alpn_select_cb)(void*, const unsigned char**, unsigned char*,
                                           const unsigned char*, unsigned int, void*)
    ctypedef struct pyuvnet_openssl_t:
        long (*get_verify_result)(const void* ssl)
        const char* (*verify_error_string)(long code)
        void (*set_verify)(void* ssl, int mode, pyuvnet_verify_cb callback)
        void* (*get_ssl_ctx)(const void* ssl)
        void* (*get_ex_data)(const void* ssl, int index)
        void* (*get0_verified_chain)(const void* ssl)
        void* (*get_peer_cert_chain)(const void* ssl)
        void* (*get_certificate)(const void* ssl)
        int (*stack_count)(const void* stack)
        void* (*stack_item)(const void* stack, int index)
        int (*x509_to_der)(const void* x509, unsigned char** out)
        const char* (*get_servername)(const void* ssl, int type)
        void (*set_alpn_select_cb)(void* ctx, pyuvnet_alpn_select_cb callback, void* arg)
        int (*set_ciphersuites)(void* ctx, const char* suites)
        long (*ctx_ctrl)(void* ctx, int command, long larg, void* parg)
        size_t (*get_finished)(const void* ssl, void* buf, size_t count)
        size_t (*get_peer_finished)(const void* ssl, void* buf, size_t count)
        int (*export_keying_material)(void* ssl, unsigned char* out, size_t olen,
                                      const char* label, size_t llen,
                                      const unsigned char* context, size_t contextlen,
                                      int use_context)
        long (*ssl_ctrl)(void* ssl, int command, long larg, void* parg)
        unsigned long long (*set_options)(void* ssl, unsigned long long options)
        unsigned long long (*get_options)(const void* ssl)
        void* (*get_session)(const void* ssl)
        void (*session_get0_ticket)(const void* session, const unsigned char** tick, size_t* len)
        int (*pkey_id)(const void* pkey)
        int (*pkey_bits)(const void* pkey)
        void (*pkey_free)(void* pkey)
        void* (*pkey_get1_ec_key)(void* pkey)
        const void* (*ec_key_get0_group)(const void* ec_key)
        int (*ec_group_get_curve_name)(const void* group)
        void (*ec_key_free)(void* ec_key)
        const char* (*nid_to_short_name)(int nid)
        int (*in_before)(const void* ssl)
        int (*get_shared_sigalgs)(void* ssl, int index, int* sign_nid, int* hash_nid,
                                  int* sign_hash_nid, unsigned char* rsig, unsigned char* rhash)
    int pyuvnet_openssl_load(const char* ssl_module_path, pyuvnet_openssl_t* f)
    void* pyuvnet_field_after_head(object obj, int index)
    int pyuvnet_accept_all(int preverify_ok, void* x509_store_ctx)
    int pyuvnet_alpn_select(void* ssl, const unsigned char** out, unsigned char* outlen,
                            const unsigned char* inp, unsigned int inlen, void* arg)


# OpenSSL's TLSEXT_NAMETYPE_host_name: the one kind of SNI name there is;
# SSL_CTRL_SET_GROUPS_LIST, SSL_CTX_set1_groups_list's command.
cdef enum:
    TLSEXT_NAMETYPE_HOST_NAME = 0
    SSL_CTRL_SET_GROUPS_LIST = 92
    SSL_CTRL_SET_MAX_SEND_FRAGMENT = 52
    SSL_CTRL_SET_TLSEXT_HOSTNAME = 55
    SSL_CTRL_GET_TLSEXT_TICKET_KEYS = 58
    SSL_CTRL_SET_TLSEXT_TICKET_KEYS = 59
    SSL_CTRL_GET_PEER_TMP_KEY = 109
    EVP_PKEY_DH = 28
    EVP_PKEY_EC = 408
    EVP_PKEY_X25519 = 1034
    EVP_PKEY_X448 = 1035
    EVP_PKEY_RSA = 6
    EVP_PKEY_RSA_PSS = 912
    EVP_PKEY_DSA = 116
    EVP_PKEY_ED25519 = 1087
    EVP_PKEY_ED448 = 1088
    FINISHED_MAX = 64      # EVP_MAX_MD_SIZE: no Finished message is longer

cdef pyuvnet_openssl_t openssl
cdef int openssl_state = 0      # 0: not tried, 1: loaded, -1: unavailable


cdef bytes ssl_module_path():
    """The file of CPython's _ssl module, whose OpenSSL pyuvnet calls; None
    without _ssl, or with one built into the interpreter."""
    try:
        import _ssl
        return os.fsencode(_ssl.__file__)
    except (ImportError, AttributeError):
        return None


cdef bint load_openssl():
    global openssl_state
    if openssl_state == 0:
        openssl_state = -1
        path = ssl_module_path()
        if path is not None and pyuvnet_openssl_load(path, &openssl) == 0:
            openssl_state = 1
    return openssl_state == 1


cdef void* proven_ssl_pointer(object sslobj) except? NULL:
    """The SSL* under an ``ssl.SSLObject``, or NULL when OpenSSL cannot be
    reached or the pointer fails its proof (see the header)."""
    cdef void* ssl
    cdef void* ctx
    if not load_openssl():
        return NULL
    sslsock = sslobj._sslobj
    context = sslsock.context
    ssl = pyuvnet_field_after_head(sslsock, 1)
    ctx = pyuvnet_field_after_head(context, 0)
    if (ssl == NULL or ctx == NULL or ssl == <void*>sslsock or ssl == <void*>context
            or ssl == <void*>sslobj):
        return NULL     # no pointer, or one of the Python objects around it
    if openssl.get_ex_data(ssl, 0) != <void*>sslsock or openssl.get_ssl_ctx(ssl) != ctx:
        return NULL
    return ssl


cdef void* required_ssl_pointer(object sslobj) except NULL:
    cdef void* ssl = proven_ssl_pointer(sslobj)
    if ssl == NULL:
        raise RuntimeError('pyuvnet: the SSL* under this SSLObject could not be proven; '
                           'check tls_ssl_pointer_proven() first')
    return ssl


def tls_ssl_pointer_proven(sslobj):
    """Whether the OpenSSL calls below work on this ``ssl.SSLObject`` (its
    SSL* was found and proven, see the header)."""
    return proven_ssl_pointer(sslobj) != NULL


def tls_verify_without_enforcing(sslobj, int mode):
    """SSL_set_verify(mode) with a callback that accepts every certificate:
    the chain is verified to the end and the result kept, never enforced."""
    openssl.set_verify(required_ssl_pointer(sslobj), mode, pyuvnet_accept_all)


def tls_verify_result(sslobj):
    """(code, message) of SSL_get_verify_result: 0 when the peer verified."""
    cdef long code = openssl.get_verify_result(required_ssl_pointer(sslobj))
    return code, (<bytes>openssl.verify_error_string(code)).decode('ascii', 'replace')


cdef bytes x509_der(const void* x509):
    """A certificate's DER encoding (i2d_X509 writes it and moves the cursor)."""
    cdef int size = openssl.x509_to_der(x509, NULL)
    cdef unsigned char* cursor
    if size <= 0:
        return b''
    der = PyBytes_FromStringAndSize(NULL, size)
    cursor = <unsigned char*>PyBytes_AS_STRING(der)
    openssl.x509_to_der(x509, &cursor)
    return der


cdef list stack_der(const void* stack):
    if stack == NULL:
        return []
    return [x509_der(openssl.stack_item(stack, index)) for index in range(openssl.stack_count(stack))]


def tls_peer_chain(sslobj):
    """The DER certificates of the peer's chain, leaf first: as OpenSSL
    verified it, else (a resumed session has no verified chain) as the peer
    sent it."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    return stack_der(openssl.get0_verified_chain(ssl)) or stack_der(openssl.get_peer_cert_chain(ssl))


def tls_servername_readable():
    """Whether a server can read the SNI name after its handshake
    (tls_servername), so that it needs no Python SNI hook to learn it."""
    return load_openssl()


cdef object tls_servername(object sslobj):
    """The SNI name the client sent, or None."""
    cdef void* ssl = proven_ssl_pointer(sslobj)
    cdef const char* name
    if ssl == NULL:
        return None
    name = openssl.get_servername(ssl, TLSEXT_NAMETYPE_HOST_NAME)
    return None if name == NULL else (<bytes>name).decode('ascii', 'replace')


def tls_own_certificate(sslobj):
    """The DER certificate this end presents, b'' when it has none."""
    cdef void* x509 = openssl.get_certificate(required_ssl_pointer(sslobj))
    return x509_der(x509) if x509 != NULL else b''


cdef void* proven_ctx_pointer(object context) except? NULL:
    """The SSL_CTX* under an ``ssl.SSLContext``, or NULL when OpenSSL cannot
    be reached or a throwaway SSLObject of the context does not prove it."""
    cdef void* ctx
    if not load_openssl():
        return NULL
    import ssl
    probe = context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(),
                             server_side=context.protocol == ssl.PROTOCOL_TLS_SERVER)
    ctx = pyuvnet_field_after_head(context, 0)
    if ctx == NULL or proven_ssl_pointer(probe) == NULL:
        return NULL
    return ctx


def tls_set_ciphersuites(context, bytes suites):
    """SSL_CTX_set_ciphersuites on an ``ssl.SSLContext``: 1 when set, 0 when
    OpenSSL knew none of ``suites``, -1 where OpenSSL cannot be reached."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL:
        return -1
    return 1 if openssl.set_ciphersuites(ctx, suites) == 1 else 0


def tls_set_groups(context, bytes groups):
    """SSL_CTX_set1_groups_list (``'X25519:P-256'``) on an ``ssl.SSLContext``:
    1 when set, 0 when OpenSSL refused the list, -1 where OpenSSL cannot
    be reached."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL:
        return -1
    return 1 if openssl.ctx_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, <char*>groups) == 1 else 0


def tls_set_alpn_select(context, bytes protocols):
    """Make a server ``ssl.SSLContext`` choose ALPN as Node does: the first
    of ``protocols`` (wire format) the client offers, and a fatal
    no_application_protocol alert when there is none in common (Python's
    own callback cannot refuse).  The context keeps ``protocols``.  False
    (nothing done) where OpenSSL cannot be reached or the context's
    SSL_CTX* is not proven by a throwaway SSLObject of it."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL:
        return False
    context._pyuvnet_alpn_protocols = protocols     # alive as long as the SSL_CTX
    openssl.set_alpn_select_cb(ctx, pyuvnet_alpn_select, <void*>protocols)
    return True


def tls_finished(sslobj, bint peer):
    """The last Finished message this end sent (``peer``: received), or
    None before there is one."""
    cdef unsigned char buf[FINISHED_MAX]
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef size_t size = (openssl.get_peer_finished(ssl, buf, FINISHED_MAX) if peer
                        else openssl.get_finished(ssl, buf, FINISHED_MAX))
    if size == 0:
        return None
    return PyBytes_FromStringAndSize(<char*>buf, min(size, <size_t>FINISHED_MAX))


def tls_export_keying_material(sslobj, size_t length, bytes label, context):
    """SSL_export_keying_material (RFC 5705): ``length`` bytes, or None
    when OpenSSL refused.  ``context`` None: no context at all (which
    differs from an empty one)."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef const unsigned char* context_bytes = NULL
    cdef size_t context_size = 0
    if context is not None:
        context_bytes = <const unsigned char*>PyBytes_AS_STRING(context)
        context_size = PyBytes_GET_SIZE(context)
    out = PyBytes_FromStringAndSize(NULL, length)
    if openssl.export_keying_material(ssl, <unsigned char*>PyBytes_AS_STRING(out), length,
                                      label, len(label), context_bytes, context_size,
                                      context is not None) != 1:
        return None
    return out


def tls_set_max_send_fragment(sslobj, long size):
    """SSL_set_max_send_fragment: whether OpenSSL took ``size``."""
    return openssl.ssl_ctrl(required_ssl_pointer(sslobj), SSL_CTRL_SET_MAX_SEND_FRAGMENT,
                            size, NULL) == 1


def tls_add_options(sslobj, unsigned long long options):
    """SSL_set_options on this one connection; the options now set."""
    return openssl.set_options(required_ssl_pointer(sslobj), options)


def tls_ticket(sslobj):
    """The session ticket of this connection's session, or None."""
    cdef void* session = openssl.get_session(required_ssl_pointer(sslobj))
    cdef const unsigned char* ticket = NULL
    cdef size_t size = 0
    if session == NULL:
        return None
    openssl.session_get0_ticket(session, &ticket, &size)
    if ticket == NULL or size == 0:
        return None
    return PyBytes_FromStringAndSize(<const char*>ticket, size)


def tls_ephemeral_key(sslobj):
    """(type, name, bits) of the key the peer used for the key exchange
    (SSL_get_peer_tmp_key), as Node names them: ('DH', None, bits),
    ('ECDH', curve, bits); None when there is none or of another kind."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef void* key = NULL
    cdef void* ec_key
    cdef int kind, nid, bits
    cdef const char* name
    if openssl.ssl_ctrl(ssl, SSL_CTRL_GET_PEER_TMP_KEY, 0, &key) != 1 or key == NULL:
        return None
    kind = openssl.pkey_id(key)
    bits = openssl.pkey_bits(key)
    nid = kind
    if kind == EVP_PKEY_EC:
        ec_key = openssl.pkey_get1_ec_key(key)
        nid = openssl.ec_group_get_curve_name(openssl.ec_key_get0_group(ec_key)) if ec_key != NULL else 0
        openssl.ec_key_free(ec_key)
    openssl.pkey_free(key)      # SSL_get_peer_tmp_key gave a reference
    if kind == EVP_PKEY_DH:
        return 'DH', None, bits
    if kind not in (EVP_PKEY_EC, EVP_PKEY_X25519, EVP_PKEY_X448):
        return None
    name = openssl.nid_to_short_name(nid)
    return 'ECDH', (<bytes>name).decode('ascii') if name != NULL else None, bits


def tls_set_servername(sslobj, bytes name):
    """SSL_set_tlsext_host_name before the handshake began (False after:
    the ClientHello is gone); b'' sends none."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    if not openssl.in_before(ssl):
        return False
    openssl.ssl_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_HOST_NAME,
                     <char*>name if name else NULL)
    return True


cdef str nid_short_name(int nid):
    cdef const char* name = openssl.nid_to_short_name(nid)
    return (<bytes>name).decode('ascii') if name != NULL else 'UNDEF'


def tls_shared_sigalgs(sslobj):
    """The signature algorithms both ends support, as Node names them
    ('ECDSA+SHA256', 'RSA-PSS+SHA256', 'Ed25519+UNDEF', ...): a server's
    list; a client has one only once asked for its certificate."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef int sign_nid = 0, hash_nid = 0
    # Index 0 answers the count (0: none); the out pointers may be NULL.
    cdef int count = openssl.get_shared_sigalgs(ssl, 0, NULL, NULL, NULL, NULL, NULL)
    names = []
    for index in range(count):
        openssl.get_shared_sigalgs(ssl, index, &sign_nid, &hash_nid, NULL, NULL, NULL)
        sign = _SIGN_NAMES.get(sign_nid) or nid_short_name(sign_nid)
        names.append(sign + '+' + nid_short_name(hash_nid))
    return names


# Node's names of the signature kinds (others: OpenSSL's short name).
_SIGN_NAMES = {EVP_PKEY_RSA: 'RSA', EVP_PKEY_RSA_PSS: 'RSA-PSS', EVP_PKEY_DSA: 'DSA',
               EVP_PKEY_EC: 'ECDSA', EVP_PKEY_ED25519: 'Ed25519', EVP_PKEY_ED448: 'Ed448'}


def tls_set_ticket_keys(context, bytes keys):
    """Set a server ``ssl.SSLContext``'s session ticket keys: OpenSSL's
    own layout (name, HMAC secret, AES key; 80 bytes in OpenSSL 1.1.1 and
    3), whose size ``tls_ticket_keys_size`` tells.  False where OpenSSL
    cannot be reached, the SSL_CTX* is not proven, or the size is wrong."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL:
        return False
    return openssl.ctx_ctrl(ctx, SSL_CTRL_SET_TLSEXT_TICKET_KEYS, len(keys), <char*>keys) == 1


def tls_ticket_keys_size(context):
    """The size of OpenSSL's ticket keys (a NULL buffer asks), -1 where
    OpenSSL cannot be reached."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL:
        return -1
    return openssl.ctx_ctrl(ctx, SSL_CTRL_GET_TLSEXT_TICKET_KEYS, 0, NULL)
