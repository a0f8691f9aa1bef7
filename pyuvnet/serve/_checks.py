"""The options of ``pyuvnet serve`` checked before anything starts (what
Config cannot refuse alone: the files and folders named, the port's
range): a bad one is a BadOption whose message is the one line said
(exit status 1).  And the address probed in the primary before it forks
(``bind_error``), which uvicorn's multi-process parent binds first too."""
import errno
import os
import socket

__all__ = ['BadOption', 'check_options', 'bind_error', 'bind_failure_line']


class BadOption(Exception):
    """An option that cannot work: its one-line reason is the message."""


def check_options(config):
    """The port's range and the files named (before the app is imported,
    as uvicorn's parser refuses them); the Config has refused the rest."""
    if not config.uds and config.fd is None and not 0 <= config.port <= 0xFFFF:
        # Node's ERR_SOCKET_BAD_PORT range.
        raise BadOption('--port %d: a port should be >= 0 and < 65536' % config.port)
    check_tls_files(config)
    if config.uds:
        folder = os.path.dirname(os.path.abspath(config.uds))
        if not os.path.isdir(folder):
            raise BadOption('--uds %s: no such directory %s' % (config.uds, folder))


def _pem(flag, path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as exc:
        raise BadOption('--%s %s: %s' % (flag, path, exc.strerror or exc)) from None


def check_tls_files(config):
    """The certificate and its key: each file readable, and holding what it
    must (uvicorn's ssl.load_cert_chain() raises a traceback that does not
    say which file is wrong: "PEM lib").  A key without a certificate the
    Config refused."""
    if not config.ssl_certfile:
        return
    cert = _pem('ssl-certfile', config.ssl_certfile)
    key = _pem('ssl-keyfile', config.ssl_keyfile) if config.ssl_keyfile else None
    if b'CERTIFICATE-----' not in cert:
        raise BadOption('--ssl-certfile %s: no PEM certificate in it' % config.ssl_certfile)
    if key is None:
        if b'PRIVATE KEY-----' not in cert:
            # uvicorn's ssl.load_cert_chain(certfile) looks for the key there.
            raise BadOption('--ssl-certfile %s holds no private key: give the key with '
                            '--ssl-keyfile' % config.ssl_certfile)
    elif b'PRIVATE KEY-----' not in key:
        raise BadOption('--ssl-keyfile %s: no PEM private key in it' % config.ssl_keyfile)
    if config.ssl_ca_certs:
        _pem('ssl-ca-certs', config.ssl_ca_certs)


def bind_error(config):
    """In the primary, before it forks: the OSError of binding the TCP
    address (as libuv binds it, SO_REUSEADDR), None when it can be bound;
    a port in use or a host that is not this machine's is said once, at
    once, as uvicorn's parent says it ("[Errno 98] Address already in
    use"), rather than by each worker."""
    if config.uds or config.fd is not None:
        return None
    try:
        infos = socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def bind_failure_line(err, config):
    """uvicorn's one line for a listen that failed in its single process:
    asyncio's create_server() message, ``[Errno 98] error while attempting
    to bind on address ('127.0.0.1', 8000): address already in use``, of
    pyuvnet's 'error' (a Node error, its code a name)."""
    code = getattr(err, 'code', None)
    number = getattr(errno, code, None) if isinstance(code, str) else None
    if number is None:
        # A name that does not resolve (ENOTFOUND): getaddrinfo's own words.
        probe = bind_error(config)
        return str(probe) if probe is not None else str(err).splitlines()[0]
    if config.uds:
        address = config.uds
    elif config.fd is not None:
        address = 'fd %d' % config.fd
    else:
        host = getattr(err, 'address', None) or config.host
        address = (host, config.port, 0, 0) if ':' in host else (host, config.port)
    return '[Errno %d] error while attempting to bind on address %r: %s' % (
        number, address, os.strerror(number).lower())
