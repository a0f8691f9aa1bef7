# Types of pyuvnet.dns._lookup (dns.lookup over getaddrinfo; the default result order).
from collections.abc import Callable, Mapping
from typing import Any, Literal

__all__ = ['lookup', 'lookup_options', 'getDefaultResultOrder', 'setDefaultResultOrder',
           'in_order', 'ADDRCONFIG', 'V4MAPPED', 'ALL']

ADDRCONFIG: int
V4MAPPED: int
ALL: int

def getDefaultResultOrder() -> Literal['verbatim', 'ipv4first', 'ipv6first']: ...
def setDefaultResultOrder(order: Literal['verbatim', 'ipv4first', 'ipv6first']) -> None: ...
def in_order(found: list[tuple[str, int]], order: str) -> list[tuple[str, int]]: ...
def lookup(hostname: str | None, options: int | Mapping[str, Any] | Callable[..., object] | None = None,
           callback: Callable[..., object] | None = None, *, family: int | str = ...,
           hints: int = ..., all: bool = ..., verbatim: bool = ...,
           order: Literal['verbatim', 'ipv4first', 'ipv6first'] = ...) -> None: ...
def lookup_options(options: int | Mapping[str, Any] | None,
                   keywords: Mapping[str, Any]) -> dict[str, Any]: ...
