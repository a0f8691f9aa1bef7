# Types of pyuvnet.serve's Config (pyuvnet/_internal/app_config.py).
import logging
from typing import Any

__all__ = ['Config', 'ConfigError', 'DEFAULTS', 'LOGGING_CONFIG', 'LOG_LEVELS',
           'TRACE_LOG_LEVEL', 'ProxyTrust', 'DefaultFormatter', 'AccessFormatter']

TRACE_LOG_LEVEL: int
DEFAULTS: dict[str, Any]
LOG_LEVELS: dict[str, int]
LOGGING_CONFIG: dict[str, Any]

class ConfigError(ValueError):
    code: str

class DefaultFormatter(logging.Formatter):
    use_colors: bool | None
    def __init__(self, fmt: str | None = None, datefmt: str | None = None, style: Any = '%',
                 use_colors: bool | None = None) -> None: ...
    def level_prefix(self, record: logging.LogRecord) -> str: ...

class AccessFormatter(DefaultFormatter): ...

class ProxyTrust:
    always: bool
    def __init__(self, allowed: str | list[str]) -> None: ...
    def __contains__(self, host: object) -> bool: ...
    def forwarded(self, peer: str | None, proto: str | None, forwarded_for: str | None
                  ) -> tuple[tuple[str, int] | None, str | None]: ...
    def apply(self, scope: dict[str, Any], websocket: bool) -> None: ...

class Config:
    OPTIONS: tuple[str, ...]
    app: Any
    given: frozenset[str]
    host: str
    port: int
    uds: str | None
    fd: int | None
    loop: str
    http: str
    ws: str
    lifespan: str
    env_file: str | None
    log_config: Any
    log_level: str | int | None
    access_log: bool
    use_colors: bool | None
    interface: str
    reload: bool
    reload_dirs: list[str]
    reload_delay: float
    reload_includes: list[str]
    reload_excludes: list[str]
    workers: int
    proxy_headers: bool
    server_header: bool
    date_header: bool
    forwarded_allow_ips: str | list[str]
    root_path: str
    limit_concurrency: int | None
    limit_max_requests: int | None
    limit_max_requests_jitter: int
    backlog: int
    timeout_keep_alive: float
    timeout_graceful_shutdown: float | None
    timeout_worker_healthcheck: float
    ssl_keyfile: str | None
    ssl_certfile: str | None
    ssl_keyfile_password: str | None
    ssl_version: int
    ssl_cert_reqs: int
    ssl_ca_certs: str | None
    ssl_ciphers: str | None
    headers: list[tuple[str, str]]
    factory: bool
    app_dir: str
    h11_max_incomplete_event_size: int | None
    reset_contextvars: bool
    ws_max_size: int
    ws_max_queue: int
    ws_ping_interval: float | None
    ws_ping_timeout: float | None
    ws_per_message_deflate: bool
    threads: int
    timeout: float
    umask: int | None
    proxy_protocol: bool
    http2: bool
    h2_max_concurrent_streams: int
    def __init__(self, app: Any = None, **options: Any) -> None: ...
    @property
    def is_ssl(self) -> bool: ...
    @property
    def uds_mode(self) -> int: ...
    @property
    def log_level_number(self) -> int | None: ...
    def trusted_proxies(self) -> ProxyTrust | None: ...
    def response_headers(self) -> list[tuple[str, str]]: ...
    def tls_options(self) -> dict[str, Any]: ...
    def configure_logging(self) -> None: ...
    def load_env(self) -> None: ...
