"""The resolver pyuvnet.dns' module functions ask (and dns.promises' too):
one per pyuvnet loop, with the servers the module's setServers() gave."""
from .. import _uv
from ._resolver import Resolver

__all__ = ['default_resolver', 'set_default_servers']

_defaults = {}         # id(loop) -> (loop, its default Resolver)
_default_servers = None


def default_resolver():
    """The module's own Resolver on the calling thread's loop, made at first
    use there with the servers setServers() gave (a c-ares channel lives on
    one loop; Node has one)."""
    loop = _uv.get_loop()
    made = _defaults.get(id(loop))
    if made is None or made[0] is not loop:
        resolver = Resolver()
        if _default_servers is not None:
            resolver.setServers(_default_servers)
        # Only the newest loop's is kept: a thread's loop or a closed one
        # is not asked again.
        _defaults.clear()
        made = _defaults[id(loop)] = (loop, resolver)
    return made[1]


def set_default_servers(servers):
    """A new default resolver asking ``servers``: as in Node, questions in
    flight finish on the old one."""
    global _default_servers
    resolver = Resolver()
    resolver.setServers(servers)
    loop = _uv.get_loop()
    _defaults.clear()
    _defaults[id(loop)] = (loop, resolver)
    _default_servers = list(servers)
