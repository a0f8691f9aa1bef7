# renegotiate(), and a server's count of its clients' renegotiations
# (tls.CLIENT_RENEG_LIMIT), with the OpenSSL functions of
# tls/sessions.pyx's table.

def tls_renegotiate(sslobj):
    """SSL_renegotiate: None when started (the next handshake call sends
    the hello), else OpenSSL's error as (reason, message): ('wrong ssl
    version', 'error:0A00010A:SSL routines::wrong ssl version')."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    cdef unsigned long code
    cdef char text[256]
    sessions_ssl.err_clear()
    if sessions_ssl.renegotiate(ssl) == 1:
        return None
    code = sessions_ssl.err_get_error()
    sessions_ssl.err_string(code, text, sizeof(text))
    reason = sessions_ssl.err_reason_string(code)
    sessions_ssl.err_clear()
    return ((<bytes>reason).decode('ascii', 'replace') if reason != NULL else 'unknown',
            (<bytes>text).decode('ascii', 'replace'))


def tls_renegotiate_pending(sslobj):
    """Whether a renegotiation this end asked for is still under way."""
    return sessions_ssl.renegotiate_pending(required_ssl_pointer(sslobj)) == 1


# -- a server's count of client renegotiations -------------------------------

cdef enum:
    SSL_CB_HANDSHAKE_START = 0x10
    SSL_CB_HANDSHAKE_DONE = 0x20
    SSL_OP_ALLOW_CLIENT_RENEGOTIATION = 0x100


cdef void server_handshake_info(const void* ssl, int where, int ret) noexcept nogil:
    # Each handshake's start and end on a server connection: recorded by
    # its TLSSocket (SessionMethods._handshake_info), which acts once the
    # OpenSSL call returned.  The other info calls (each state, alerts)
    # stay in C.
    if not where & (SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE):
        return
    with gil:
        try:
            tls_socket = getattr(ssl_owner(<void*>ssl), 'pyuvnet_owner', None)
            if tls_socket is not None:
                tls_socket._handshake_info(bool(where & SSL_CB_HANDSHAKE_START))
        except BaseException:
            pass


cdef int watch_client_renegotiation(object tls_socket, object sslobj) except -1:
    """Let a server connection's client renegotiate (OpenSSL 3 refuses
    unless told), each handshake reported to ``tls_socket`` to be counted
    against tls.CLIENT_RENEG_LIMIT, as Node's server does."""
    if not load_sessions_openssl() or not load_openssl():
        return 0
    cdef void* ssl = required_ssl_pointer(sslobj)
    openssl.set_options(ssl, SSL_OP_ALLOW_CLIENT_RENEGOTIATION)
    sessions_ssl.set_info_callback(ssl, server_handshake_info)
    sslobj.pyuvnet_owner = tls_socket
    return 0
