# Types of pyuvnet.dns._service (dns.lookupService over getnameinfo).
from collections.abc import Callable

__all__ = ['lookupService']

def lookupService(address: str | None = None, port: int | str | None = None,
                  callback: Callable[[OSError | None, str | None, str | None], object] | None = None) -> None: ...
