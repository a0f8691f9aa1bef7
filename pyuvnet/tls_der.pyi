# Types of pyuvnet.tls_der: Node's certificate fields read from DER.
from typing import Any

def certificate_details(der: bytes) -> tuple[dict[str, Any], dict[str, Any]]: ...
