"""A TLSSocket's connection options and what they make: the rules they
are checked by, the ALPN list and the SNI name they give, a client's
``ssl.SSLObject`` (wrap_client), and the ``_uv.TLSServerSettings`` a
tls.Server's connections share (server_settings).  TLSSocket
(tls/_socket.py) and tls.Server (tls/__init__.py) use them."""
import ssl

from .. import _uv, errors
from .._internal.options import OptionSpec
from .. import isIP
from ._context import CONTEXT_RULES, ServerNameHook, node_utf8
from ._verification import (
    verify_mode_without_enforcing, verify_result_readable, verify_without_enforcing,
)
from ._keys import must_be_a_buffer
from ._socket_queries import require_sessions

CONNECTION_RULES = {
    'secureContext': 'object', 'requestCert': 'boolean', 'rejectUnauthorized': 'boolean',
    'ALPNProtocols': 'any', 'SNICallback': 'function', 'servername': 'string',
    'checkServerIdentity': 'function', 'session': 'any', 'allowHalfOpen': 'boolean',
    'requestOCSP': 'any',
}
TLS_SOCKET_OPTIONS = OptionSpec(dict(CONTEXT_RULES, isServer='boolean', server='object',
                                     **CONNECTION_RULES))


def alpn_list(protocols):
    """ALPNProtocols as a tuple of names (bytes): a list of str (UTF-8, as
    Node encodes them) or bytes-likes, or Node's wire format (length-prefixed
    names in one buffer).  Each name is 1 to 255 bytes (ERR_OUT_OF_RANGE)."""
    if protocols is None:
        return ()
    if isinstance(protocols, (bytes, bytearray, memoryview)):
        wire, names, i = bytes(protocols), [], 0
        while i < len(wire):
            if not wire[i] or i + 1 + wire[i] > len(wire):
                # Node 20 aborts on a malformed list; here it is refused.
                raise errors.ERR_INVALID_ARG_VALUE('options.ALPNProtocols', wire,
                                                   'is not a list of length-prefixed names')
            names.append(wire[i + 1:i + 1 + wire[i]])
            i += 1 + wire[i]
        return tuple(names)
    if not isinstance(protocols, (list, tuple)):
        raise errors.ERR_INVALID_ARG_TYPE('options.ALPNProtocols', ['Array', 'Buffer'], protocols)
    names = []
    for index, protocol in enumerate(protocols):
        if isinstance(protocol, str):
            name = node_utf8(protocol)
        elif isinstance(protocol, (bytes, bytearray, memoryview)):
            name = bytes(protocol)
        else:
            raise errors.ERR_INVALID_ARG_TYPE('options.ALPNProtocols[%d]' % index,
                                              ['string', 'Buffer'], protocol)
        if not 0 < len(name) <= 255:
            # Node's message for a long one (Node 20 aborts on an empty one).
            raise errors.ERR_OUT_OF_RANGE(
                'The byte length of the protocol at index %d %s.'
                % (index, 'exceeds the maximum length' if name else 'is zero'),
                '<= 255' if name else '> 0', len(name), True)
        names.append(name)
    return tuple(names)


def sni_name(servername):
    """The name a client sends as SNI for ``servername``, as Node's call to
    OpenSSL sends it: up to a NUL (a C string), none when that is empty or
    longer than 255 bytes.  An ASCII name is sent as given (bytes: Python
    would IDNA-encode a str, which refuses labels over 63 characters); any
    other is IDNA-encoded, or not sent when it cannot be."""
    name = (servername or '').split('\0', 1)[0]
    if not name.isascii():
        try:
            name = name.encode('idna').decode('ascii')
        except UnicodeError:
            return None
    return name if 0 < len(name) <= 255 else None


def wrap_client(context, opts, incoming, outgoing, servername):
    """The ``ssl.SSLObject`` of a client TLSSocket with these connection
    options, over its ``incoming`` and ``outgoing`` MemoryBIOs, sending
    ``servername`` (what sni_name gave, or None) as SNI.  Raises for bad
    ALPNProtocols or session."""
    alpn = alpn_list(opts.get('ALPNProtocols'))
    # Node's way when the result can be read: verify the peer fully,
    # judge it after the handshake (tls_context explains why); else let
    # the handshake enforce it (Python's CERT_REQUIRED).
    node_way = verify_result_readable()
    reject = opts.get('rejectUnauthorized', True)
    verify = ssl.CERT_NONE if node_way or not reject else ssl.CERT_REQUIRED
    ctx = context.context(False, verify, alpn)
    session = opts.get('session')
    if session is not None and not isinstance(session, (bytes, bytearray, memoryview)):
        raise must_be_a_buffer('Session', session)
    sslobj = ctx.wrap_bio(incoming, outgoing, server_side=False,
                          server_hostname=None if servername is None
                          else servername.encode('ascii'))
    if node_way:
        verify_without_enforcing(sslobj)
        if servername is not None and isIP(servername):
            # Python's ssl sends no SNI for an IP address; Node 20
            # sends it (after its DEP0123 warning, tls.connect's).
            _uv.tls_set_servername(sslobj, servername.encode('ascii'))
    if session:
        # OpenSSL's DER, from this process or another; as Node, what
        # OpenSSL cannot read is not offered (a full handshake follows).
        require_sessions('session')
        _uv.tls_set_session_bytes(sslobj, bytes(session))
    return sslobj


def server_settings(context, opts, handshake_timeout=0, session_cache=False):
    """The ``_uv.TLSServerSettings`` of server-side TLSSockets with these
    connection options: a tls.Server works them out once and its
    ``_uv.TLSAcceptor`` makes each connection with them.  ``session_cache``:
    the server's 'newSession'/'resumeSession' make its session cache.
    Raises for bad ALPNProtocols."""
    alpn = alpn_list(opts.get('ALPNProtocols'))
    request_cert = opts.get('requestCert', False)
    reject = opts.get('rejectUnauthorized', True)
    # Node's way when the result can be read: verify the client fully,
    # judge it after the handshake (tls_context explains why); else let
    # the handshake enforce it (Python's CERT_REQUIRED).
    node_way = verify_result_readable()
    verify = ssl.CERT_NONE
    if request_cert and not node_way:
        verify = ssl.CERT_REQUIRED if reject else ssl.CERT_OPTIONAL
    # Without an SNICallback the name the client asked for is read from
    # OpenSSL after the handshake; the Python hook OpenSSL would call during
    # every handshake is needed only where OpenSSL cannot be reached.
    sni_callback = opts.get('SNICallback')
    # An external session cache finds each connection through the hook too.
    session_cache = session_cache and _uv.tls_sessions_available()
    hooked = sni_callback is not None or not _uv.tls_servername_readable() or session_cache
    ctx = context.context(True, verify, alpn, ServerNameHook(sni_callback, alpn) if hooked else None,
                          session_cache)
    # As Node: a client that sends no certificate fails the handshake only
    # when it would be rejected anyway.
    verify_mode = (verify_mode_without_enforcing(request=True, require=reject)
                   if request_cert and node_way else -1)
    return _uv.TLSServerSettings(context, ctx, verify_mode, hooked, request_cert, reject,
                                 opts.get('allowHalfOpen', False), handshake_timeout)
