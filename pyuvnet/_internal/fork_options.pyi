# Types of pyuvnet/_internal/fork_options.py, and the fork() option types that
# child_process and cluster (whose primary forks the workers) both take.
from typing import Literal

__all__ = ['SERIALIZATIONS', 'validate_serialization', 'validate_args', 'refuse_nul']

# One stdio entry: a pipe to the parent, the parent's own fd, none, the
# IPC channel (at most one), or a file descriptor of the parent.
_StdioEntry = Literal['pipe', 'inherit', 'ignore', 'ipc'] | int | None
_Stdio = Literal['pipe', 'inherit', 'ignore'] | list[_StdioEntry] | tuple[_StdioEntry, ...]
# A list or a tuple (what the runtime takes; a str is no list of them).
_Strings = list[str] | tuple[str, ...]
_Serialization = Literal['json', 'advanced']

SERIALIZATIONS: tuple[str, ...]


def validate_serialization(value: object, name: str) -> str: ...
def validate_args(args: object, name: str = ...) -> list[str]: ...
def refuse_nul(text: str, name: str, kind: str = ...) -> None: ...
