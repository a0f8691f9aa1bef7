"""Check that the built site names every public name (run by `make docs`).

    python tools/check_docs.py build/docs/html

Every name of ``pyuvnet.__all__`` (camelCase; the twins are named in their
camelCase entries), of the public submodules' ``__all__`` (promises,
child_process), and every public method and property of the public
classes, must have an entry in the site's index (genindex.html).
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pyuvnet as net  # noqa: E402
from pyuvnet import child_process, process, promises  # noqa: E402
from pyuvnet._names import ALIASES, snake_name  # noqa: E402

CLASSES = (net.Socket, net.Server, net.EventEmitter, net.BlockList, net.SocketAddress,
           net.BoundSocket, net.Timeout, net.Immediate, net.Loop, net.AbortController,
           net.AbortSignal, promises.ServerIterator, child_process.ChildProcess, process.Process)
MODULES = (promises, child_process)
TWINS = {snake_name(camel) for names in ALIASES.values() for camel in names} - {
    camel for names in ALIASES.values() for camel in names}
# Attributes of the C half of Socket that are pyuvnet's own plumbing.
INTERNAL = {'read_eof', 'readable_side', 'ending', 'last_activity', 'server'}


def public_names():
    for name in net.__all__:
        if name not in TWINS and name != 'errors':
            yield name
    for module in MODULES:
        for name in module.__all__:
            yield '%s.%s' % (module.__name__.rpartition('.')[2], name)
    emitter = net.EventEmitter.__mro__[1]   # the Cython base
    for cls in CLASSES:
        for name in dir(cls):
            if name.startswith('_') or name in TWINS or name in INTERNAL:
                continue
            if cls is not net.EventEmitter and hasattr(emitter, name) and \
                    getattr(cls, name) is getattr(emitter, name):
                continue  # EventEmitter's entry documents it for every emitter
            yield '%s.%s' % (cls.__name__, name)


def main(site):
    """Every public name has an index entry: an object anchor (#pyuvnet...)
    ending in ``name`` or ``Class.member``."""
    with open(os.path.join(site, 'genindex.html')) as f:
        anchors = set(re.findall(r'href="[^"]*#(pyuvnet[\w.]*)"', f.read()))
    documented = {anchor.rpartition('.')[2] for anchor in anchors}
    documented |= {'.'.join(anchor.split('.')[-2:]) for anchor in anchors}
    missing = [name for name in public_names() if name not in documented]
    if missing:
        print('check_docs: not in the site index: ' + ', '.join(missing))
        return 1
    print('check_docs: every public name (%d) is in the site index' % len(list(public_names())))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
