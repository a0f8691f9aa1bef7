"""Node's ``crypto.X509Certificate`` and its public key, as
``pyuvnet.x509`` (the same classes as ``pyuvnet.tls.X509Certificate``;
they live with the tls package, in tls/_x509.py)."""
from .tls._x509 import PublicKey, X509Certificate

__all__ = ['X509Certificate', 'PublicKey']
