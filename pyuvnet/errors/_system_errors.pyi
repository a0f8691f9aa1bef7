# Types of pyuvnet.errors._system_errors: libuv error codes as Node's system errors
# (also reachable as pyuvnet.errors.<name>).
from ._node_error import NodeError

__all__ = [
    'NodeSystemError', 'SYSTEM_ERROR_CLASSES', 'uv_code', 'uv_err_name', 'uv_strerror',
    'exception_with_host_port', 'uv_exception_with_host_port',
    'errno_exception', 'uv_exception', 'dns_exception', 'conn_reset_exception',
]

class NodeSystemError(NodeError):
    # Always also an OSError subclass (ConnectionRefusedError, ...).
    errno: int
    strerror: str
    uv_code: int | None
    syscall: str | None
    address: str | None
    port: int | None
    path: str | None
    dest: str | None
    hostname: str | None

SYSTEM_ERROR_CLASSES: dict[type[OSError], type[NodeSystemError]]

def uv_code(name: str) -> int: ...
def uv_err_name(code: int) -> str: ...
def uv_strerror(code: int) -> str: ...
def exception_with_host_port(code: int, syscall: str, address: str | None = None,
                             port: int | None = None, additional: str | None = None) -> OSError: ...
def uv_exception_with_host_port(code: int, syscall: str, address: str | None = None,
                                port: int | None = None) -> OSError: ...
def errno_exception(code: int, syscall: str, original: str | None = None) -> OSError: ...
def uv_exception(code: int, syscall: str, path: str | None = None, dest: str | None = None) -> OSError: ...
def dns_exception(code: int | str, syscall: str, hostname: str | None = None) -> OSError: ...
def conn_reset_exception(message: str) -> OSError: ...
