# enableTrace(): SSL_trace of a connection's TLS messages to stderr, with
# the OpenSSL functions of tls/sessions.pyx's table.

cdef enum:
    SSL_CTRL_SET_MSG_CALLBACK_ARG = 16
    BIO_NOCLOSE = 0

cdef void* trace_bio = NULL     # fd 2 as a BIO, made once, for the process's life


def tls_trace_available():
    """Whether this OpenSSL has SSL_trace (built with enable-ssl-trace)."""
    return load_sessions_openssl() and sessions_ssl.trace != NULL


def tls_enable_trace(sslobj):
    """SSL_trace of every TLS message of the connection to stderr (fd 2),
    as Node's enableTrace()."""
    global trace_bio
    cdef void* ssl = required_ssl_pointer(sslobj)
    if trace_bio == NULL:
        trace_bio = sessions_ssl.new_fd_bio(2, BIO_NOCLOSE)
        if trace_bio == NULL:
            raise MemoryError()
    sessions_ssl.set_msg_callback(ssl, sessions_ssl.trace)
    sessions_ssl.ssl_ctrl(ssl, SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, trace_bio)
