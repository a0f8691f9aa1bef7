# TLS sessions as OpenSSL's DER (i2d_SSL_SESSION / d2i_SSL_SESSION), the
# new-session callback behind a client's 'session' event (one per TLS 1.3
# ticket) and a server's external session cache: calls on the proven SSL*
# (tls/openssl.pyx) with a second table of OpenSSL functions
# (pyuvnet_openssl_sessions.h), named for the sessions and also used by
# tls/pkcs12.pyx, tls/renegotiation.pyx and tls/trace.pyx.

cdef extern from "tls/pyuvnet_openssl_sessions.h":
    ctypedef int (*pyuvnet_new_session_cb)(void* ssl, void* session)
    ctypedef void* (*pyuvnet_get_session_cb)(void* ssl, const unsigned char* id, int id_len,
                                             int* copy)
    ctypedef void (*pyuvnet_msg_cb)(int write_p, int version, int content_type, const void* buf,
                                    size_t len, void* ssl, void* arg)
    ctypedef void (*pyuvnet_free_fn)(void* item)
    ctypedef int (*pyuvnet_client_hello_cb)(void* ssl, int* alert, void* arg)
    ctypedef struct pyuvnet_openssl_sessions_t:
        void* (*bio_new)(const void* method)
        const void* (*bio_s_mem)()
        int (*bio_write)(void* bio, const void* data, int len)
        int (*bio_free)(void* bio)
        void* (*d2i_pkcs12_bio)(void* bio, void** out)
        int (*pkcs12_parse)(void* p12, const char* password, void** pkey, void** cert, void** ca)
        void (*pkcs12_free)(void* p12)
        void (*x509_free)(void* x509)
        void (*stack_pop_free)(void* stack, pyuvnet_free_fn free_fn)
        int (*stack_count)(const void* stack)
        void* (*stack_item)(const void* stack, int index)
        int (*x509_to_der)(const void* x509, unsigned char** out)
        void* (*pkey_to_pkcs8)(const void* pkey)
        int (*pkcs8_to_der)(const void* p8, unsigned char** out)
        void (*pkcs8_free)(void* p8)
        void (*pkey_free)(void* pkey)
        unsigned long (*err_get_error)()
        const char* (*err_reason_string)(unsigned long code)
        void (*err_clear)()
        void (*err_string)(unsigned long code, char* buf, size_t len)
        int (*session_to_der)(const void* session, unsigned char** out)
        void* (*session_from_der)(void** out, const unsigned char** inp, long len)
        void (*session_free)(void* session)
        int (*set_session)(void* ssl, void* session)
        void* (*get_session)(const void* ssl)
        const unsigned char* (*session_id)(const void* session, unsigned int* len)
        void (*sess_set_new_cb)(void* ctx, pyuvnet_new_session_cb callback)
        void (*sess_set_get_cb)(void* ctx, pyuvnet_get_session_cb callback)
        long (*ctx_ctrl)(void* ctx, int command, long larg, void* parg)
        int (*set_session_id_context)(void* ctx, const unsigned char* sid_ctx, unsigned int len)
        void* (*get_ex_data)(const void* ssl, int index)
        void (*set_client_hello_cb)(void* ctx, pyuvnet_client_hello_cb callback, void* arg)
        size_t (*client_hello_session_id)(void* ssl, const unsigned char** out)
        int (*client_hello_ext)(void* ssl, unsigned int type, const unsigned char** out,
                                size_t* outlen)
        int (*renegotiate)(void* ssl)
        int (*renegotiate_pending)(const void* ssl)
        long (*ssl_ctrl)(void* ssl, int command, long larg, void* parg)
        void (*set_msg_callback)(void* ssl, pyuvnet_msg_cb callback)
        void* (*new_fd_bio)(int fd, int close_flag)
        void (*set_info_callback)(void* ssl, void (*callback)(const void* ssl, int where,
                                                               int ret) noexcept nogil)
        pyuvnet_msg_cb trace
    int pyuvnet_openssl_sessions_load(const char* ssl_module_path, pyuvnet_openssl_sessions_t* f)


cdef enum:
    SSL_CTRL_SET_SESS_CACHE_MODE = 44
    SSL_SESS_CACHE_CLIENT = 0x0001
    SSL_SESS_CACHE_SERVER = 0x0002
    SSL_SESS_CACHE_NO_INTERNAL = 0x0300     # no lookup, no store
    SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x0200
    SSL_CLIENT_HELLO_SUCCESS = 1
    SSL_CLIENT_HELLO_RETRY = -1
    TLSEXT_TYPE_SESSION_TICKET = 35


cdef pyuvnet_openssl_sessions_t sessions_ssl
cdef int sessions_ssl_state = 0     # 0: not tried, 1: loaded, -1: unavailable


cdef bint load_sessions_openssl():
    global sessions_ssl_state
    if sessions_ssl_state == 0:
        path = ssl_module_path()
        sessions_ssl_state = (1 if path is not None
                              and pyuvnet_openssl_sessions_load(path, &sessions_ssl) == 0 else -1)
    return sessions_ssl_state == 1


cdef bytes session_der(const void* session):
    """i2d_SSL_SESSION: what another process can resume with."""
    cdef int size = sessions_ssl.session_to_der(session, NULL)
    cdef unsigned char* cursor
    if size <= 0:
        return None
    der = PyBytes_FromStringAndSize(NULL, size)
    cursor = <unsigned char*>PyBytes_AS_STRING(der)
    sessions_ssl.session_to_der(session, &cursor)
    return der


cdef object ssl_owner(void* ssl):
    """The ssl.SSLObject of an SSL* (_ssl's object is its app data, and
    names its owner), or None."""
    cdef void* sslsock = sessions_ssl.get_ex_data(ssl, 0)
    if sslsock == NULL:
        return None
    return getattr(<object>sslsock, 'owner', None)


cdef int client_new_session(void* ssl, void* session) noexcept nogil:
    # OpenSSL calls this inside SSL_do_handshake/SSL_read, where _ssl let
    # the GIL go.  The session is queued on its SSLObject (when its socket
    # asked for them) and emitted once that call returned: a listener must
    # not run inside OpenSSL.  0: OpenSSL keeps no reference for us.
    with gil:
        try:
            queue = getattr(ssl_owner(ssl), '_pyuvnet_new_sessions', None)
            if queue is not None:
                der = session_der(session)
                if der is not None:
                    queue.append(der)
        except BaseException:
            pass
    return 0


def tls_sessions_available():
    """Whether sessions can be had as DER (and the calls below work)."""
    return load_sessions_openssl() and load_openssl()


def tls_report_client_sessions(context):
    """Make a client ``ssl.SSLContext`` hand each new session (each TLS 1.3
    ticket) to the SSLObject that got it, as DER in its
    ``_pyuvnet_new_sessions`` list when it has one, and make its sessions
    Node's: without Python's session id context ('Python'), which OpenSSL
    writes into each session and then refuses to resume elsewhere
    ("attempt to reuse session in different context").  False where
    OpenSSL cannot be reached."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL or not load_sessions_openssl():
        return False
    # OpenSSL calls a client's new-session callback only with a client cache.
    sessions_ssl.ctx_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE,
                          SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE, NULL)
    sessions_ssl.sess_set_new_cb(ctx, client_new_session)
    sessions_ssl.set_session_id_context(ctx, <const unsigned char*>b"", 0)
    return True


def tls_session_bytes(sslobj):
    """The connection's current session as DER, or None."""
    cdef void* session = sessions_ssl.get_session(required_ssl_pointer(sslobj))
    return None if session == NULL else session_der(session)


def tls_set_session_bytes(sslobj, bytes der):
    """Offer the session ``der`` (DER) to resume, before the handshake:
    False when OpenSSL cannot read it (nothing is offered then)."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef const unsigned char* cursor = <const unsigned char*>PyBytes_AS_STRING(der)
    cdef void* session = sessions_ssl.session_from_der(NULL, &cursor, PyBytes_GET_SIZE(der))
    cdef int done
    if session == NULL:
        sessions_ssl.err_clear()
        return False
    done = sessions_ssl.set_session(ssl, session)
    sessions_ssl.session_free(session)     # SSL_set_session took its own reference
    sessions_ssl.err_clear()
    return done == 1


# -- a server's external session cache ('newSession' / 'resumeSession') ------
#
# Each callback finds the connection's TLSSocket (the SSLObject's
# pyuvnet_owner: such servers hook the SNI name, which sets it) and its
# ServerSessions (tls/_session_events.py), made on the first callback.  Nothing user
# code sees runs inside OpenSSL: the callbacks only record, and the
# socket emits once the OpenSSL call returned.

cdef object ServerSessions = None    # set by pyuvnet.tls (_set_tls_kit)


cdef object server_sessions(void* ssl):
    """The ServerSessions of the server connection of ``ssl``, or None."""
    tls_socket = getattr(ssl_owner(ssl), 'pyuvnet_owner', None)
    if tls_socket is None:
        return None
    state = tls_socket._session_watch
    if state is None:
        state = tls_socket._session_watch = ServerSessions(tls_socket.server)
    return state


cdef int server_client_hello(void* ssl, int* alert, void* arg) noexcept nogil:
    # The lookup of a session id waits for 'resumeSession' (Node's
    # ClientHello parser does the same in front of OpenSSL): the first
    # call asks (RETRY: the handshake stops there), the call after the
    # answer lets OpenSSL go on to server_get_session.
    cdef const unsigned char* sid = NULL
    cdef const unsigned char* ticket = NULL
    cdef size_t sid_len, ticket_len = 0
    with gil:
        try:
            state = server_sessions(ssl)
            if state is None or state.asked is not None:
                return SSL_CLIENT_HELLO_SUCCESS
            sid_len = sessions_ssl.client_hello_session_id(ssl, &sid)
            # As Node: no lookup without an id, nor for a client that
            # resumes with a ticket.
            if (sessions_ssl.client_hello_ext(ssl, TLSEXT_TYPE_SESSION_TICKET, &ticket,
                                              &ticket_len) == 1 and ticket_len > 0):
                sid_len = 0
            if not state.ask(PyBytes_FromStringAndSize(<const char*>sid, sid_len)):
                return SSL_CLIENT_HELLO_SUCCESS
            return SSL_CLIENT_HELLO_RETRY
        except BaseException:
            return SSL_CLIENT_HELLO_SUCCESS


cdef void* server_get_session(void* ssl, const unsigned char* sid, int sid_len,
                              int* copy) noexcept nogil:
    # The session 'resumeSession' answered, once (NULL: a full handshake).
    cdef const unsigned char* cursor
    cdef void* session = NULL
    with gil:
        try:
            state = server_sessions(ssl)
            der = state.take_answer() if state is not None else None
            if der:
                cursor = <const unsigned char*>PyBytes_AS_STRING(der)
                session = sessions_ssl.session_from_der(NULL, &cursor, PyBytes_GET_SIZE(der))
                sessions_ssl.err_clear()
        except BaseException:
            pass
    copy[0] = 0         # OpenSSL takes the reference d2i_SSL_SESSION made
    return session


cdef int server_new_session(void* ssl, void* session) noexcept nogil:
    cdef const unsigned char* sid
    cdef unsigned int sid_len = 0
    with gil:
        try:
            state = server_sessions(ssl)
            if state is not None:
                sid = sessions_ssl.session_id(session, &sid_len)
                der = session_der(session)
                if der is not None:
                    state.new.append((PyBytes_FromStringAndSize(<const char*>sid, sid_len), der))
        except BaseException:
            pass
    return 0


def tls_external_session_cache(context):
    """Make a server ``ssl.SSLContext`` use an external session cache, as
    Node's server with 'newSession'/'resumeSession' listeners: no internal
    cache, each new session and each lookup through its connection's
    ServerSessions.  False where OpenSSL cannot be reached."""
    cdef void* ctx = proven_ctx_pointer(context)
    if ctx == NULL or not load_sessions_openssl():
        return False
    sessions_ssl.ctx_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE,
                          SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL, NULL)
    sessions_ssl.set_client_hello_cb(ctx, server_client_hello, NULL)
    sessions_ssl.sess_set_get_cb(ctx, server_get_session)
    sessions_ssl.sess_set_new_cb(ctx, server_new_session)
    return True
