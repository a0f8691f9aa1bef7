# Types of pyuvnet.dns._servers (setServers()' strings, getServers()' list).
from collections.abc import Sequence

__all__ = ['servers_csv', 'node_servers']

def servers_csv(servers: Sequence[str]) -> str: ...
def node_servers(csv: str) -> list[str]: ...
