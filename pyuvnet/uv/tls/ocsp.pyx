# OCSP stapling (pyuvnet_ocsp.h does the C side; pyuvnet/tls/_ocsp.py the
# events): a client asks for the server's certificate status and reads
# what came; a server suspends its handshake until its 'OCSPRequest'
# listener answers, then staples the answer.

cdef extern from "tls/pyuvnet_ocsp.h":
    int PYUVNET_OCSP_ASKED
    int pyuvnet_ocsp_load(const char* ssl_module_path)
    int pyuvnet_ocsp_watch(void* ssl, int again)
    int pyuvnet_sni_wait(void* ssl, int waiting)
    int pyuvnet_ocsp_answer(void* ssl, const char* response, long length)
    ctypedef struct pyuvnet_ocsp_state:
        int phase
    pyuvnet_ocsp_state* pyuvnet_ocsp_state_of(void* ssl)


cdef enum:
    SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE = 65
    SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP = 70
    TLSEXT_STATUSTYPE_OCSP = 1

cdef int ocsp_state = 0         # 0: not tried, 1: loaded, -1: unavailable


def tls_ocsp_available():
    """Whether OCSP stapling works in this Python (the OpenSSL functions
    were found and the SSL* can be proven)."""
    global ocsp_state
    if ocsp_state == 0:
        path = loaded_ssl_path()
        ocsp_state = 1 if path is not None and pyuvnet_ocsp_load(path) == 0 else -1
    return ocsp_state == 1


def tls_request_ocsp(sslobj):
    """Client, before its ClientHello: ask for the server's certificate
    status (SSL_set_tlsext_status_type)."""
    openssl.ssl_ctrl(required_ssl_pointer(sslobj), SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE,
                     TLSEXT_STATUSTYPE_OCSP, NULL)


def tls_ocsp_response(sslobj):
    """Client: the status the server stapled (bytes), None for none."""
    cdef const unsigned char* response = NULL
    cdef long size = openssl.ssl_ctrl(required_ssl_pointer(sslobj),
                                      SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP, 0, &response)
    if size <= 0 or response == NULL:
        return None
    return PyBytes_FromStringAndSize(<const char*>response, size)


def tls_ocsp_watch(sslobj, bint again=False):
    """Server, before the ClientHello: suspend the handshake at the
    certificate step when the client asks for a status (see the header).
    ``again``: after an SNI switch of context, set the step once more."""
    if pyuvnet_ocsp_watch(required_ssl_pointer(sslobj), again) != 0:
        raise MemoryError()


def tls_sni_wait(sslobj, bint waiting):
    """Server: suspend the handshake at the certificate step until an
    SNICallback answers (``waiting``), or let it go on (after the switch
    of context, which needs the certificate step set again)."""
    if pyuvnet_sni_wait(required_ssl_pointer(sslobj), waiting) != 0:
        raise MemoryError()


def tls_ocsp_asked(sslobj):
    """Server: whether the suspended handshake waits for an answer."""
    cdef pyuvnet_ocsp_state* state = pyuvnet_ocsp_state_of(required_ssl_pointer(sslobj))
    return state != NULL and state.phase == PYUVNET_OCSP_ASKED


def tls_ocsp_answer(sslobj, bytes response):
    """Server: the status to staple (b'': none); the handshake may go on."""
    if pyuvnet_ocsp_answer(required_ssl_pointer(sslobj), response, len(response)) != 0:
        raise MemoryError()
