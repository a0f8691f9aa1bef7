"""What the Happy Eyeballs tests share (tests/net/test_autoselectfamily_*.py):
places for a race on this machine's loopback only, and the lookup that
hands them to a socket.

A custom ``lookup`` hands the socket several loopback addresses that share
one port number, and each address plays one part:

* answering: a pyuvnet server listens there;
* refusing: nothing listens there (a bound, not listening socket keeps the
  port ours), so the kernel answers a SYN with a RST;
* never answering: a listening socket with backlog 0 that is never accepted
  and whose accept queue is already full, so the kernel drops further SYNs
  and a connect to it stays pending.

127.0.0.1, 127.0.0.2, 127.0.0.3 and ::1 are all on Linux's loopback;
``::ffff:127.0.0.x`` serves as a second IPv6 address (an IPv6 socket reaches
the IPv4 listener through it).

The races bind several loopback addresses (127.0.0.2 and up), stall an
attempt by filling an accept queue (Linux drops the SYNs; others reset
them) and count SYN_SENT sockets in /proc/net/tcp: Linux only, and so every
test module marks itself ``whole_loopback_net``.
"""
import errno
import socket

import pytest

import pyuvnet as net
from support import refused_port

ANSWERING, REFUSING, NEVER = 'answering', 'refusing', 'never'
HOST = 'multi.example'
EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed',
          'connectionAttemptTimeout', 'connect', 'error', 'close')


def family_of(ip):
    return 6 if ':' in ip else 4


def listen_ip(ip):
    """Where the listener for ``ip`` goes: ::ffff:a.b.c.d is reached by an
    IPv4 socket on a.b.c.d."""
    return ip[len('::ffff:'):] if ip.startswith('::ffff:') else ip


def _os_family(ip):
    return socket.AF_INET6 if ':' in ip else socket.AF_INET


class Places:
    """Listeners on several loopback addresses with one port number.

    ``roles`` maps each address (as the lookup will give it) to ANSWERING,
    REFUSING or NEVER.  ``servers[ip]`` is the pyuvnet server of an
    answering address, ``accepted[ip]`` the sockets it got."""

    def __init__(self, roles, greeting=b'hello'):
        self.roles = dict(roles)
        self.servers = {}
        self.accepted = {ip: [] for ip in self.roles}
        self._python = []
        self._reserve()
        for ip, role in self.roles.items():
            if role == ANSWERING:
                self._answer(ip, greeting)
            elif role == NEVER:
                self._never_answer(ip)

    def _reserve(self):
        # Bind every address to one port (the first one's, from the OS);
        # on a clash with someone else's socket, start over with a new one.
        for _ in range(50):
            self.port = 0
            self._reserved = {}
            try:
                for ip in self.roles:
                    where = listen_ip(ip)
                    s = socket.socket(_os_family(where), socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    self._python.append(s)
                    s.bind((where, self.port))
                    self.port = s.getsockname()[1]
                    self._reserved[ip] = s
                return
            except OSError as exc:
                self.close_python()
                if exc.errno != errno.EADDRINUSE:
                    raise
        raise AssertionError('no port free on all of %s' % list(self.roles))

    def _answer(self, ip, greeting):
        def on_connection(sock):
            self.accepted[ip].append(sock)
            sock.end(greeting)
        server = net.createServer(on_connection)
        server.listen(self.port, listen_ip(ip))
        self.servers[ip] = server
        # The server has the port now; the reservation can go.
        self._reserved.pop(ip).close()

    def _never_answer(self, ip):
        where = listen_ip(ip)
        s = self._reserved[ip]
        s.listen(0)
        # Fill the accept queue: the kernel drops SYNs from now on.
        for _ in range(3):
            filler = socket.socket(_os_family(where), socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex((where, self.port))
            self._python.append(filler)

    def lookup_result(self):
        return [{'address': ip, 'family': family_of(ip)} for ip in self.roles]

    def close_servers(self):
        for server in self.servers.values():
            server.close()

    def close_python(self):
        for s in self._python:
            s.close()
        self._python = []


@pytest.fixture
def places():
    made = []

    def make(roles, **kwargs):
        p = Places(roles, **kwargs)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close_python()


@pytest.fixture
def restore_defaults():
    family = net.getDefaultAutoSelectFamily()
    timeout = net.getDefaultAutoSelectFamilyAttemptTimeout()
    yield
    net.setDefaultAutoSelectFamily(family)
    net.setDefaultAutoSelectFamilyAttemptTimeout(timeout)


def closed_port(host='127.0.0.1'):
    """A port on ``host`` whose connections are refused (support.refused_port),
    or 9 (discard, nothing listens) where ``host`` cannot be bound."""
    try:
        return refused_port(host)
    except OSError:
        return 9


def lookup_giving(result, calls=None):
    """A dns.lookup-shaped function answering ``result`` (a list of
    {'address', 'family'}) on a later turn of the loop, honouring ``all``."""
    def lookup(hostname, options, callback):
        if calls is not None:
            calls.append((hostname, dict(options)))
        if options.get('all'):
            net.setImmediate(callback, None, [dict(entry) for entry in result])
        else:
            net.setImmediate(callback, None, result[0]['address'], result[0]['family'])
    return lookup


def record(sock, log, stamps=None):
    """Append (event, *args) for each of EVENTS; with ``stamps``, also the
    loop time of each."""
    def listener(name):
        def on_event(*args):
            log.append((name,) + args)
            if stamps is not None:
                stamps.append((name, net.get_loop().now()))
        return on_event
    for name in EVENTS:
        sock.on(name, listener(name))
    return log


def simplified(log):
    """Errors by their code, so logs compare as plain tuples."""
    return [tuple(getattr(a, 'code', a) if isinstance(a, BaseException) else a for a in entry)
            for entry in log]
