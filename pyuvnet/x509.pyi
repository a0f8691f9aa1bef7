# Types of pyuvnet.x509: the classes of pyuvnet/tls/_x509.pyi, re-exported.
from .tls._x509 import PublicKey as PublicKey, X509Certificate as X509Certificate

__all__ = ['X509Certificate', 'PublicKey']
