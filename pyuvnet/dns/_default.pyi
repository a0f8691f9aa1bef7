# Types of pyuvnet.dns._default (the module functions' resolver, one per loop).
from collections.abc import Sequence

from ._resolver import Resolver

__all__ = ['default_resolver', 'set_default_servers']

def default_resolver() -> Resolver: ...
def set_default_servers(servers: Sequence[str]) -> None: ...
