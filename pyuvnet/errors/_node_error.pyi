# Types of pyuvnet.errors._node_error: NodeError, the base of pyuvnet's errors
# (public as pyuvnet.errors.NodeError).
__all__ = ['NodeError']

class NodeError(Exception):
    code: str | None
    def __init__(self, *args: object) -> None: ...
