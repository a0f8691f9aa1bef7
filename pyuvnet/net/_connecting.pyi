# Types of pyuvnet.net._connecting: connect()'s arguments and options, the
# connection plan (lookup, Happy Eyeballs attempts), the autoSelectFamily
# defaults. Package-internal but for the four default functions, which
# pyuvnet re-exports.
# The socket is typed by its C base: _socket.pyi imports this stub.
from collections.abc import Callable

import pyuvnet._uv as _uv

__all__ = [
    'SOCKET_RULES', 'CONNECT_RULES', 'CREATE_CONNECTION_OPTIONS',
    'normalize_connect_args', 'plan_tcp_connect', 'ConnectPlan',
    'interleave_families', 'defaults',
    'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
    'getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout',
]

_Done = Callable[[], object]
_Rule = str | tuple[str, ...]

SOCKET_RULES: dict[str, _Rule]
CONNECT_RULES: dict[str, _Rule]
CREATE_CONNECTION_OPTIONS: object

def normalize_connect_args(args: tuple[object, ...] | list[object],
                           kwargs: dict[str, object]) -> tuple[dict[str, object], _Done | None]: ...
def plan_tcp_connect(sock: _uv.Stream, options: dict[str, object]) -> ConnectPlan: ...

class ConnectPlan:
    sock: _uv.Stream
    host: str
    port: int
    local_address: str | None
    local_port: int | None
    race: bool
    timeout: int
    lookup: Callable[..., object] | None
    dns_options: dict[str, int]
    single: bool
    attempts: list[tuple[str, int]]
    current: int
    errors: list[Exception]
    attempted: list[str] | tuple[()] | None
    timer: _uv.Timeout | None
    def __init__(self, sock: _uv.Stream, host: str, port: int, local_address: str | None,
                 local_port: int | None, race: bool, timeout: int,
                 lookup: Callable[..., object] | None, dns_options: dict[str, int]) -> None: ...
    def cancel_timer(self) -> None: ...
    def start(self) -> None: ...
    def on_lookup_result(self, err: Exception | None, address: object = None,
                         family: int | str | None = None) -> None: ...
    def attempt_failed(self, status: int) -> None: ...
    def connected(self) -> None: ...

def interleave_families(candidates: list[tuple[str, int]]) -> list[tuple[str, int]]: ...

class _Defaults:
    auto_select_family: bool
    auto_select_family_attempt_timeout: int

defaults: _Defaults

def getDefaultAutoSelectFamily() -> bool: ...
def setDefaultAutoSelectFamily(value: bool) -> None: ...
def getDefaultAutoSelectFamilyAttemptTimeout() -> int: ...
def setDefaultAutoSelectFamilyAttemptTimeout(value: int) -> None: ...
