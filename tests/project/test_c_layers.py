"""The C layer's floors: the binding pyuvnet._uv is one compilation unit
(_uv.pyx includes the .pyx files of uv/'s rooms), so test_layers.py's
import graph sees it as one module.  Here each room of uv/ is a floor of
its own, read from the include graph (_uv.pyx, _uv.pxd and what they
include), the cimports and the extern headers, and the names each room's
files use of another room's top-level definitions: no room uses a room
above it.  A wing above offers a seam to the ones below instead
(uv/http2/request_sink.pxd's H2RequestSink, which uv/asgi and uv/wsgi
implement)."""
import collections
import os
import re
import shutil

import pyuvnet

PACKAGE = os.path.dirname(pyuvnet.__file__)
UNIT = ('_uv.pyx', '_uv.pxd')
# The floors, lowest first.  The loop, its handles and their streams are
# one floor: a Loop closes its handles and flushes its streams' held writes
# (uv/loop/flush.pyx), a stream is a handle, a TCP handle makes streams.
# 'uv' is the rooms' common ground (libuv.pxd, the compat headers).
FLOORS = (('uv',), ('loop', 'handles', 'stream'), ('dns',), ('tls',), ('http',),
          ('http2',), ('ws',), ('asgi',), ('wsgi',))
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}

INCLUDE = re.compile(r'^include\s+"([^"]+)"', re.M)
CIMPORT = re.compile(r'^\s*from\s+pyuvnet\.uv(?:\.(\w+))?\S*\s+cimport\b', re.M)
EXTERN = re.compile(r'^cdef\s+extern\s+from\s+"([^"]+)"', re.M)
# A top-level definition: a class, a function, a constant or a C global.
TOP_DEFINITION = re.compile(
    r'^(?:(?:cdef|cpdef)\s+(?:(?:public|readonly|inline|api)\s+)*class\s+(\w+)'
    r'|(?:async\s+)?def\s+(\w+)|class\s+(\w+)'
    r'|(?:cdef|cpdef)\s+(?:(?:inline|const|unsigned|signed|long)\s+)*[\w.\[\]]+\**\s+\**(\w+)\s*\('
    r'|(\w+)\s*=[^=])')
C_GLOBALS = re.compile(r'^cdef\s+(?!extern\b|class\b)(?:(?:const|unsigned|signed|long)\s+)*'
                       r'[\w.\[\]]+\**\s+([^(:]*)$')
# Names a file binds for itself (locals, parameters, exception names): a
# use of one of them is the file's own, not another room's.
LOCAL_BINDING = re.compile(
    r'^\s+(?:cdef\s+[\w.\[\]]+\**\s+)?\**(\w+)\s*(?::[^=\n]*)?=(?!=)'
    r'|\bfor\s+(\w+(?:\s*,\s*\w+)*)\s+in\b|\bas\s+(\w+)', re.M)
SIGNATURE = re.compile(r'^\s*(?:async\s+)?c?p?def\s(?!class\b)[^(\n=]*?\w+\s*\(([^)]*)\)', re.M)
LOCAL_DECLARATION = re.compile(r'^\s+cdef\s+(?:(?:const|unsigned|signed|long)\s+)*'
                               r'[\w.\[\]]+\**\s+([^(=:]+?)(?:=.*)?$', re.M)
NAME = re.compile(r'(?<![.\w])([A-Za-z_]\w*)')


def code_lines(text):
    """``text``'s lines without comments and string literals (a docstring's
    lines left empty, so that line numbers stay true)."""
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', lambda m: '\n' * m.group(0).count('\n'),
                  text)
    lines = []
    for line in text.split('\n'):
        line = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', line)
        lines.append(line.split('#')[0])
    return lines


def unit_files(package=PACKAGE):
    """The files of the unit, by the include graph from _uv.pyx and _uv.pxd:
    their paths relative to ``package``."""
    found, todo = [], list(UNIT)
    while todo:
        relative = todo.pop(0)
        if relative in found:
            continue
        found.append(relative)
        with open(os.path.join(package, relative)) as f:
            todo.extend(INCLUDE.findall(f.read()))
    return found


def room_of(relative):
    """'uv/http2/session.pyx' -> 'http2'; uv/'s own files are 'uv'; the
    unit's root files (which may use every room) None."""
    parts = relative.split('/')
    if parts[0] != 'uv':
        return None
    return parts[1] if len(parts) > 2 else 'uv'


def locally_bound(text):
    names = set()
    for match in LOCAL_BINDING.finditer(text):
        for group in match.groups():
            if group:
                names.update(n.strip() for n in group.split(','))
    for match in SIGNATURE.finditer(text):
        for parameter in match.group(1).split(','):
            words = re.findall(r'\w+', parameter.split('=')[0].split(':')[0])
            if words:
                names.add(words[-1])
    for match in LOCAL_DECLARATION.finditer(text):
        names.update(re.findall(r'(?:^|,)\s*\**(\w+)', match.group(1)))
    return names


def room_uses(package=PACKAGE):
    """(user room, used room) -> [(file, line, what)] for every use of a room
    by another: a top-level name of its files, a cimport, an extern header."""
    raw = {}
    for relative in unit_files(package):
        with open(os.path.join(package, relative)) as f:
            raw[relative] = f.read()
    files = {relative: '\n'.join(code_lines(text)) for relative, text in raw.items()}
    defined = collections.defaultdict(set)
    for relative, text in files.items():
        room = room_of(relative)
        for line in text.split('\n'):
            match = TOP_DEFINITION.match(line)
            if match:
                defined[next(filter(None, match.groups()))].add(room)
            else:
                match = C_GLOBALS.match(line)
                if match:
                    for name in re.findall(r'(?:^|,)\s*\**(\w+)', match.group(1)):
                        defined[name].add(room)
    rooms = {room_of(relative) for relative in files}
    uses = collections.defaultdict(list)
    for relative, text in files.items():
        room = room_of(relative)
        if room is None:
            continue
        # (Read from the file as written: a header's name is a string.)
        source = raw[relative]
        for match in CIMPORT.finditer(source):
            uses[room, match.group(1) or 'uv'].append(
                (relative, source.count('\n', 0, match.start()) + 1, 'cimport'))
        for match in EXTERN.finditer(source):
            if match.group(1).split('/')[0] in rooms:
                uses[room, match.group(1).split('/')[0]].append(
                    (relative, source.count('\n', 0, match.start()) + 1, match.group(1)))
        own = locally_bound(text)
        for number, line in enumerate(text.split('\n'), 1):
            for name in NAME.findall(line):
                if name in own:
                    continue
                for used in defined.get(name, set()) - {room, None}:
                    uses[room, used].append((relative, number, name))
    return {edge: found for edge, found in uses.items() if edge[0] != edge[1]}


def upward_uses(package=PACKAGE):
    return sorted((user, used, found) for (user, used), found in room_uses(package).items()
                  for found in found if FLOOR_OF[used] > FLOOR_OF[user])


def test_every_room_of_the_binding_has_a_floor():
    rooms = {room_of(relative) for relative in unit_files()} - {None}
    assert rooms <= set(FLOOR_OF), rooms - set(FLOOR_OF)
    assert 'http2' in rooms and 'asgi' in rooms


def test_no_room_of_the_binding_uses_a_room_above_it():
    assert upward_uses() == []


def test_the_http2_wing_reaches_both_app_servers_through_its_seam():
    # Each app server subclasses the seam's base (request_stream.pyx's
    # H2SessionRequests, an H2RequestSink) and its request stream's.
    uses = room_uses()
    for server in ('asgi', 'wsgi'):
        assert ('http2', server) not in uses
        used = {what for _f, _n, what in uses[server, 'http2']}
        assert {'H2SessionRequests', 'H2RequestStream'} <= used, (server, used)


def planted_tree(tmp_path):
    """A copy of the unit's files, for a planted change."""
    tree = tmp_path / 'pyuvnet'
    for relative in unit_files():
        target = tree / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(PACKAGE, relative), target)
    return tree


def test_a_planted_upward_call_is_seen(tmp_path):
    tree = planted_tree(tmp_path)
    with open(tree / 'uv' / 'http2' / 'callbacks.pyx', 'a') as f:
        f.write('\n\ncdef int planted(H2Core core) except -1:\n'
                '    return h2_cycle_new(None, 1, [], True) is None\n')
    found = upward_uses(str(tree))
    assert [(user, used, what) for user, used, (_f, _n, what) in found] == [
        ('http2', 'asgi', 'h2_cycle_new')]
    assert found[0][2][0] == 'uv/http2/callbacks.pyx'


def test_a_planted_upward_cimport_and_header_are_seen(tmp_path):
    tree = planted_tree(tmp_path)
    with open(tree / 'uv' / 'loop' / 'timers.pyx', 'a') as f:
        f.write('\nfrom pyuvnet.uv.http2 cimport nghttp2\n'
                'cdef extern from "tls/pyuvnet_openssl.h":\n    pass\n')
    found = {(user, used, what) for user, used, (_f, _n, what) in upward_uses(str(tree))}
    assert found == {('loop', 'http2', 'cimport'), ('loop', 'tls', 'tls/pyuvnet_openssl.h')}


def test_a_name_a_file_binds_for_itself_is_its_own(tmp_path):
    tree = planted_tree(tmp_path)
    with open(tree / 'uv' / 'http2' / 'callbacks.pyx', 'a') as f:
        f.write('\n\ncdef int planted(H2Core core) except -1:\n'
                '    cdef object h2_cycle_new = None\n'
                '    return h2_cycle_new is None\n')
    assert upward_uses(str(tree)) == []
