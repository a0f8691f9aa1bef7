"""tls.createSecurePair(): Node's deprecated (DEP0064) pair of a cleartext
``TLSSocket`` and the ``encrypted`` stream that carries its ciphertext.

As Node's, the pair is built over an in-memory Duplex pair
(``stream.duplexPair()``): one side carries the TLSSocket's ciphertext (a
JSStreamSocket, _internal/js_stream_socket.py), the other is
``pair.encrypted``.  Bytes written to ``encrypted`` are the ciphertext the
TLSSocket reads; its 'data' is the ciphertext the TLSSocket writes.
"""
import warnings

from .. import errors
from .._internal.aliases import twins
from ..events import EventEmitter
from ..stream import duplexPair
from ._context import SecureContext
from ._socket import TLSSocket


class ERR_TLS_INVALID_CONTEXT(errors.NodeError, TypeError):
    """``(name)``: a context that is no SecureContext."""
    _template = '%s must be a SecureContext'


_warned = []


def _warn_deprecated():
    """Node's DEP0064, once per process."""
    if not _warned:
        _warned.append(True)
        warnings.warn('tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.',
                      DeprecationWarning, stacklevel=3)


@twins(bases=('EventEmitter',))
class SecurePair(EventEmitter):
    """Node's ``SecurePair``: ``cleartext`` (a ``tls.TLSSocket``),
    ``encrypted`` (a ``stream.Duplex`` carrying its ciphertext), ``credentials``
    (the context argument as given) and ``server``.  Emits 'secure' once
    the handshake is done, before the cleartext's own 'secure' /
    'secureConnect' listeners run."""

    def __init__(self, context=None, isServer=False, requestCert=None, rejectUnauthorized=False,
                 options=None):
        """Node's ``new SecurePair(...)``: the arguments of
        :func:`createSecurePair` (``options``: more TLSSocket options), but
        no warning.  Raises ERR_TLS_INVALID_CONTEXT, or what TLSSocket
        raises for bad options."""
        super().__init__()
        self.credentials = context
        # As Node: a context that is falsy in JavaScript (None, False, 0,
        # '') lets the TLSSocket make its own; an empty dict or list is not.
        if context is False or (isinstance(context, (int, float, str)) and not context):
            context = None
        if context is not None and not isinstance(context, SecureContext):
            raise ERR_TLS_INVALID_CONTEXT('context')
        is_server = bool(isServer)
        opts = dict(options or {})
        self.server = opts.get('server')
        self.encrypted, raw = duplexPair()
        opts.update(isServer=is_server,
                    requestCert=not is_server if requestCert is None else bool(requestCert),
                    rejectUnauthorized=bool(rejectUnauthorized))
        if context is not None:
            opts['secureContext'] = context
        self.cleartext = TLSSocket(raw, opts)
        self.cleartext.once('secure' if is_server else 'secureConnect', self._on_secure)

    def _on_secure(self, *args):
        self.emit('secure')

    def destroy(self):
        """Destroy both halves."""
        self.cleartext.destroy()
        self.encrypted.destroy()


def createSecurePair(context=None, isServer=False, requestCert=None, rejectUnauthorized=False,
                     options=None):
    """Node's deprecated ``tls.createSecurePair()``: a :class:`SecurePair`.
    ``requestCert`` defaults to ``not isServer``.  The first call warns
    (DeprecationWarning, Node's DEP0064 text).  Raises
    ERR_TLS_INVALID_CONTEXT for a context that is no SecureContext."""
    _warn_deprecated()
    return SecurePair(context, isServer, requestCert, rejectUnauthorized, options)
