# Types of pyuvnet.dns._servers (setServers()' strings, getServers()' list).
from collections.abc import Sequence

__all__ = ['packed_servers', 'node_servers']

def packed_servers(servers: Sequence[str]) -> bytes: ...
def node_servers(csv: str) -> list[str]: ...
