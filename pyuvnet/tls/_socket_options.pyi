# Types of pyuvnet.tls._socket_options: a TLSSocket's connection options and what they make.
import ssl
from typing import Any

from ._context import SecureContext

CONNECTION_RULES: dict[str, str | tuple[str, ...]]
TLS_SOCKET_OPTIONS: object

def alpn_list(protocols: object) -> tuple[bytes, ...]: ...
def sni_name(servername: str | None) -> str | None: ...
def wrap_client(context: SecureContext, opts: dict[str, Any], incoming: ssl.MemoryBIO,
                outgoing: ssl.MemoryBIO, servername: str | None) -> ssl.SSLObject: ...

# A _uv.TLSServerSettings: what a tls.Server's connections share.
def server_settings(context: SecureContext, opts: dict[str, Any],
                    handshake_timeout: float = 0, session_cache: bool = False) -> object: ...
