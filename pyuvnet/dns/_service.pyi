# Types of pyuvnet.dns._service (dns.lookupService over getnameinfo).
from collections.abc import Callable

__all__ = ['lookupService', 'NOT_GIVEN', 'check_service_args']

NOT_GIVEN: object

def check_service_args(address: object, port: object, *names: str) -> int: ...
def lookupService(address: str | None = ..., port: int | str | None = ...,
                  callback: Callable[[OSError | None, str | None, str | None], object] | None = ...) -> None: ...
