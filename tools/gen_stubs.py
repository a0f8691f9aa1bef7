"""Fill the generated sections of pyuvnet's stubs (pyuvnet/*.pyi).

    python tools/gen_stubs.py          rewrite the sections (make stubs)
    python tools/gen_stubs.py --check  exit 1 (naming the files) if any is stale
                                       (make typecheck; tests/project/test_typing.py)

Three kinds of section, each between a ``# BEGIN <kind>`` and a ``# END <kind>``
line inside a class body (or at module level), are generated:

* ``snake_case twins``: for every camelCase name of the class's rows of
  ALIASES (pyuvnet._internal.aliases, filled by the twins() decorator and
  module_twins() where each class and module is made; STUB_TARGETS says
  which rows a stub's class has), its snake_case twin: ``snake = camel``
  for a method the class body defines, a renamed copy of the definition for a property, an
  attribute, or a name inherited from a base whose stub gives no twin (the
  runtime puts such twins on the subclass). In a TypedDict of options,
  every camelCase key gets its snake_case key.
* ``events``: the overloads of on/addListener/once/prependListener/
  prependOnceListener/off/removeListener/emit for each event of EVENTS
  (tools/event_table.py), so that a listener's arity and argument types are checked.

* ``connect forms``: the overloads of a function taking net.connect()'s
  argument forms (CONNECT_FORMS, below).

"""
import ast
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from pyuvnet._internal.aliases import FIELD_ALIASES, alias_table, snake_name  # noqa: E402  (path set above)
from event_table import COMMON_EVENTS, EVENTS  # noqa: E402  (tools/, the script's folder)

# The twins' rows, each written where its class or module is made (the
# twins() decorator and module_twins()): the runtime's and the stubs' source.
ALIASES = alias_table()

# (stub file, class) -> the ALIASES entries whose names the class has.
# 'module' is the stub's module level. Mirrors pyuvnet/__init__.py.
STUB_TARGETS = {
    ('events/__init__.pyi', 'EventEmitter'): ('EventEmitter',),
    ('_uv.pyi', 'Timeout'): ('EventEmitter', 'Timeout'),
    ('_uv.pyi', 'Immediate'): ('Immediate',),
    ('net/_socket.pyi', 'Socket'): ('EventEmitter', 'Socket'),
    ('net/_server.pyi', 'Server'): ('EventEmitter', 'Server'),
    ('_internal/abort.pyi', 'AbortSignal'): ('EventEmitter', 'AbortSignal'),
    ('net/_blocklist.pyi', 'BlockList'): ('BlockList',),
    ('net/_socket_address.pyi', 'SocketAddress'): ('SocketAddress',),
    ('net/_bound_socket.pyi', 'BoundSocket'): ('BoundSocket',),
    ('child_process/__init__.pyi', 'module'): ('child_process',),
    ('child_process/__init__.pyi', 'ChildProcess'): ('EventEmitter', 'ChildProcess'),
    ('process.pyi', 'Process'): ('EventEmitter', 'Process'),
    ('__init__.pyi', 'module'): ('module',),
    ('tls/__init__.pyi', 'module'): ('tls',),
    # tls.Server's net.Server and EventEmitter twins are net.Server's (inherited).
    ('tls/__init__.pyi', 'Server'): ('tls.Server',),
    ('tls/_socket.pyi', 'TLSSocket'): ('EventEmitter', 'TLSSocket'),
    ('tls/_secure_pair.pyi', 'SecurePair'): ('EventEmitter',),
    ('tls/_x509.pyi', 'X509Certificate'): ('X509Certificate',),
    ('tls/_x509.pyi', 'PublicKey'): ('PublicKey',),
    ('http2/__init__.pyi', 'module'): ('http2',),
    ('http2/__init__.pyi', 'Http2Server'): ('Http2Server',),
    ('http2/__init__.pyi', 'Http2SecureServer'): ('Http2Server',),
    ('http2/__init__.pyi', 'Http2Session'): ('EventEmitter', 'Http2Session'),
    ('http2/__init__.pyi', 'Http2Stream'): ('Http2Stream',),
    ('http2/__init__.pyi', 'ServerHttp2Stream'): ('ServerHttp2Stream',),
    ('http2/__init__.pyi', 'Http2ServerRequest'): ('Http2ServerRequest',),
    ('http2/__init__.pyi', 'Http2ServerResponse'): ('Http2ServerResponse',),
    ('cluster/__init__.pyi', 'module'): ('cluster',),
    ('dns/__init__.pyi', 'module'): ('dns',),
    ('dns/_resolver.pyi', 'Resolver'): ('dns.Resolver',),
    ('dns/promises.pyi', 'module'): ('dns.promises',),
    ('dns/promises.pyi', 'Resolver'): ('dns.Resolver',),
    ('cluster/__init__.pyi', 'Worker'): ('EventEmitter', 'Worker'),
    ('cluster/__init__.pyi', '_Cluster'): ('EventEmitter',),
    ('http/__init__.pyi', 'module'): ('http',),
    ('http/__init__.pyi', 'Server'): ('http.Server',),
    ('http/__init__.pyi', 'IncomingMessage'): ('EventEmitter', 'IncomingMessage'),
    ('http/__init__.pyi', 'OutgoingMessage'): ('EventEmitter', 'OutgoingMessage'),
    ('http/__init__.pyi', 'ServerResponse'): ('ServerResponse',),
    ('http/__init__.pyi', 'ClientRequest'): ('ClientRequest',),
    ('http/__init__.pyi', 'Agent'): ('EventEmitter', 'Agent'),
    ('https/__init__.pyi', 'module'): ('https',),
    ('asgi/__init__.pyi', 'module'): ('asgi',),
    ('wsgi/__init__.pyi', 'module'): ('wsgi',),
    ('https/__init__.pyi', 'Server'): ('http.Server',),
    ('ws/__init__.pyi', 'module'): ('ws',),
    ('ws/__init__.pyi', 'WebSocket'): ('EventEmitter', 'WebSocket'),
    ('ws/__init__.pyi', 'WebSocketServer'): ('EventEmitter', 'WebSocketServer'),
    ('stream/__init__.pyi', 'module'): ('stream',),
    ('stream/__init__.pyi', 'Readable'): ('EventEmitter', 'Readable'),
    ('stream/__init__.pyi', 'Writable'): ('EventEmitter', 'Writable'),
    ('stream/__init__.pyi', 'Duplex'): ('Duplex',),
    ('fs/__init__.pyi', 'module'): ('fs',),
    ('fs/__init__.pyi', 'ReadStream'): ('ReadStream',),
    ('fs/__init__.pyi', 'WriteStream'): ('WriteStream',),
    ('dgram/__init__.pyi', 'module'): ('dgram',),
    ('dgram/__init__.pyi', 'Socket'): ('EventEmitter', 'dgram.Socket'),
}

# Modules whose ``__all__`` names their twins too (help() lists only __all__).
EXPORTED_TWINS = ('__init__.pyi', 'tls/__init__.pyi', 'cluster/__init__.pyi', 'child_process/__init__.pyi',
                  'http/__init__.pyi', 'https/__init__.pyi', 'stream/__init__.pyi', 'ws/__init__.pyi',
                  'fs/__init__.pyi', 'dgram/__init__.pyi')

# (stub file, class) -> its EVENTS key, where that is not the class's name.
EVENT_KEYS = {('tls/__init__.pyi', 'Server'): 'tls.Server', ('cluster/__init__.pyi', '_Cluster'): 'cluster',
              ('http/__init__.pyi', 'Server'): 'http.Server', ('https/__init__.pyi', 'Server'): 'https.Server',
              ('dgram/__init__.pyi', 'Socket'): 'dgram.Socket'}

ADDING = ('on', 'addListener', 'once', 'prependListener', 'prependOnceListener')
REMOVING = ('off', 'removeListener')

_SECTION = re.compile(r'^(?P<indent>[ \t]*)# BEGIN (?P<kind>snake_case twins|events|connect forms)\b.*\n'
                      r'(?P<body>(?:.*\n)*?)'
                      r'(?P=indent)# END (?P=kind)\n', re.M)


_IGNORE = '  # type: ignore[%s]'


def arities(args):
    """The argument lists an event's listener may be called with: all of
    them, and without each trailing argument marked 'optional'."""
    required = len([arg for arg in args if arg[2:] != ('optional',)])
    return [args[:count] for count in range(required, len(args) + 1)]


def _grouped(pairs):
    """[(key, [name, ...]), ...] from (key, name) pairs: one entry per key,
    in the order keys first come, its names in their order."""
    groups = {}
    for key, name in pairs:
        groups.setdefault(key, []).append(name)
    return list(groups.items())


def _literal(names):
    return 'Literal[%s]' % ', '.join(repr(name) for name in names)


# An argument that is one type or the other per emitter, never both in one
# emitter's life (a chunk is bytes, or str after setEncoding()): a listener
# may take either alone, so that chunks.append of a list[bytes] fits.
_EITHER = {'bytes | str': ('bytes', 'str')}


def listener_type(args):
    """The listener's type, a union of Callables: one per arity, and per
    alternative of an _EITHER argument.  Returning object lets an async
    def listener fit too (its Awaitable is run by pyuvnet.aio's bridge)."""
    kinds = []
    for some in arities(args):
        forms = [[]]
        for arg in some:
            forms = [form + [kind] for form in forms for kind in _EITHER.get(arg[1], (arg[1],))]
        kinds += ['Callable[[%s], object]' % ', '.join(form) for form in forms]
    return ' | '.join(kinds)


# net.connect()'s argument forms (Node's normalizeArgs), written once for
# every function that takes them: Socket.connect, createConnection (and
# connect), promises.connect. A section's first line names the function
# and its return type: ``# BEGIN connect forms of NAME -> TYPE (...)``.
CONNECT_FORMS = (
    'options: ConnectOptions, connectListener: _Done | None = None, /, **kwargs: Unpack[ConnectOptions]',
    '*, connectListener: _Done | None = None, **kwargs: Unpack[ConnectOptions]',
    'path: str, connectListener: _Done | None = None, /',
    'port: int | str, host: str | None = None, connectListener: _Done | None = None, /, '
    '**kwargs: Unpack[ConnectOptions]',
    'port: int | str, connectListener: _Done, /, **kwargs: Unpack[ConnectOptions]',
)
_CONNECT_HEAD = re.compile(r'# BEGIN connect forms of (?P<name>\w+) -> (?P<returns>.+?) \(')


def connect_overloads(head, indent):
    """One overload per form of CONNECT_FORMS, for the function the
    section's first line names (a method when the section is in a class)."""
    match = _CONNECT_HEAD.search(head)
    if match is None:
        raise SystemExit('gen_stubs: a connect forms section needs "of NAME -> TYPE (": ' + head)
    this = 'self, ' if indent else ''
    lines = []
    for form in CONNECT_FORMS:
        lines += ['@overload', 'def %s(%s%s) -> %s: ...' % (match['name'], this, form, match['returns'])]
    return ''.join(indent + line + '\n' for line in lines)


def event_overloads(cls, indent):
    """The overloads of one emitter class's listener methods and emit().

    Events whose listeners take the same arguments share one overload
    (``Literal['end', 'finish']``), in the order of their first event.
    They narrow EventEmitter's looser methods on purpose, hence the
    ``type: ignore[override]`` where each method's overloads start.
    """
    events = EVENTS[cls] + COMMON_EVENTS
    listeners = _grouped((listener_type(args), event) for event, args, _ in events)
    emitted = _grouped((', *args: Unpack[tuple[%s]]' % ', '.join(arg[1] for arg in some) if some else '',
                        event) for event, args, _ in events for some in arities(args))
    lines = []
    for method in ADDING + REMOVING:
        first = True
        for kind, names in listeners:
            lines += ['@overload' + (_IGNORE % 'override' if first else ''),
                      'def %s(self, event: %s, listener: %s) -> Self: ...'
                      % (method, _literal(names), kind)]
            first = False
        if method in ADDING:
            # The decorator form: on('data') applied to a listener.
            for kind, names in listeners:
                lines += ['@overload', 'def %s(self, event: %s) -> Callable[[%s], %s]: ...'
                          % (method, _literal(names), kind, kind)]
    first = True
    for params, names in emitted:
        # emit(event, *args): the arguments as a tuple type.
        lines += ['@overload' + (_IGNORE % 'override' if first else ''),
                  'def emit(self, event: %s%s) -> bool: ...' % (_literal(names), params)]
        first = False
    return ''.join(indent + line + '\n' for line in lines)


# Each tree's classes by name (the first of a name), walked once and kept
# with the tree, so that its id stays its own.
_CLASSES_OF = {}


def _classes_of(tree):
    if id(tree) not in _CLASSES_OF:
        index = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                index.setdefault(node.name, node)
        _CLASSES_OF[id(tree)] = (tree, index)
    return _CLASSES_OF[id(tree)][1]


def _class_node(trees, name):
    for tree in trees:
        node = _classes_of(tree).get(name)
        if node is not None:
            return node
    return None


def _definitions(trees, cls, camel):
    """(the nodes defining ``camel``, the class they are in): ``cls`` or its
    nearest base in the stubs."""
    node = _class_node(trees, cls)
    if node is None:
        return [], None
    found = [item for item in node.body if _defines(item, camel)]
    if found:
        return found, cls
    for base in node.bases:
        found, owner = _definitions(trees, ast.unparse(base).rpartition('.')[2], camel)
        if found:
            return found, owner
    return [], None


def _has_twins(cls, camel):
    """Whether ``cls``'s stub gets the twin of ``camel`` generated."""
    return any(klass == cls and any(camel in ALIASES[entry] for entry in entries)
               for (_, klass), entries in STUB_TARGETS.items())


def twins(trees, cls, entries, has_events, indent, exported=False):
    """The twins of every name of ``entries`` that ``cls`` defines or inherits
    from a base whose stub does not already give the twin; at module level,
    ``exported`` adds them to ``__all__`` (the package's namespace does)."""
    camels = dict.fromkeys([camel for entry in entries for camel in ALIASES[entry]]
                           + list(FIELD_ALIASES.get(cls, ())))
    if cls == 'module':
        body = trees[0].body
        names = [camel for camel in camels if any(_defines(item, camel) for item in body)]
        return ''.join(['%s = %s\n' % (snake_name(camel), camel) for camel in names]
                       + ['__all__ += [%s]\n' % ', '.join(repr(snake_name(c)) for c in names)
                          for _ in range(exported)])
    lines = []
    for camel in camels:
        snake = snake_name(camel)
        if has_events and camel in ADDING + REMOVING:
            # EventEmitter's twin, narrowed as the method is.
            lines.append('%s = %s%s' % (snake, camel, _IGNORE % 'assignment'))
            continue
        defs, owner = _definitions(trees, cls, camel)
        if not defs:
            raise SystemExit('gen_stubs: %s has no %s in its stubs' % (cls, camel))
        own = owner == cls
        if not own and _has_twins(owner, camel):
            continue  # the base's stub gives the twin
        if own and not _is_property(defs[0]) and not (camel in FIELD_ALIASES.get(cls, ())):
            lines.append('%s = %s' % (snake, camel))
            continue
        for node in defs:
            copy = ast.parse(ast.unparse(node)).body[0]
            tag = getattr(node, 'ignore_tag', None)
            if isinstance(copy, ast.AnnAssign):
                copy.target.id = snake
            else:
                copy.name = snake
                for d in copy.decorator_list:
                    if isinstance(d, ast.Attribute) and isinstance(d.value, ast.Name) and d.value.id == camel:
                        d.value.id = snake
            copied = _one_line_bodies(ast.unparse(copy).splitlines())
            if tag is not None:
                copied[0] += '  # type: ignore' + tag
            lines += copied
    return ''.join(indent + line + '\n' for line in lines)


def _one_line_bodies(lines):
    """``def f(...) -> T:`` and ``...`` on the next line made one line."""
    out = []
    for line in lines:
        if line.strip() == '...' and out and out[-1].endswith(':'):
            out[-1] += ' ...'
        else:
            out.append(line)
    return out


def _mark_ignores(tree):
    """Note on each decorated def the ``# type: ignore[...]`` of its first
    decorator's line (``ignore_tag``), so that a property's twin is marked
    as it is (a read-only C property over a writable one of stream.Readable)."""
    tags = {ignore.lineno: ignore.tag for ignore in tree.type_ignores}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            node.ignore_tag = tags.get(node.decorator_list[0].lineno)
    return tree


def _is_property(node):
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Name) and d.id == 'property' for d in node.decorator_list)


def typed_dict_names(trees):
    """The names of every TypedDict of the stubs, those deriving from one in
    another stub included."""
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    names = {'TypedDict'}
    while True:
        more = {node.name for node in classes
                if any(ast.unparse(base).rpartition('.')[2] in names for base in node.bases)}
        if more <= names:
            return names - {'TypedDict'}
        names |= more


def typed_dict_twins(tree, typed_dicts, indent):
    """Every TypedDict in the stub gets the snake_case spelling of each key
    it declares (its bases give theirs)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in typed_dicts:
            lines = []
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    camel = item.target.id
                    if snake_name(camel) != camel:
                        lines.append('%s: %s' % (snake_name(camel), ast.unparse(item.annotation)))
            out[node.name] = ''.join(indent + line + '\n' for line in lines)
    return out


def _defines(node, name):
    if isinstance(node, ast.FunctionDef):
        return node.name == name
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.ImportFrom):
        return any((alias.asname or alias.name) == name for alias in node.names)
    return False


def _enclosing_class(text, match):
    """The class whose body holds the section ('module' at top level)."""
    if not match['indent']:
        return 'module'
    return re.findall(r'^class (\w+)', text[:match.start()], re.M)[-1]


def _strip(text):
    """The stub's text with its generated sections emptied (a ``...`` each,
    so that a class body stays a body): what the twins are made from, so
    that they never feed on themselves."""
    return _SECTION.sub(lambda m: '{0}# BEGIN {1}\n{0}...\n{0}# END {1}\n'.format(
        m['indent'], m['kind']), text)


def generate(path, trees, dict_names):
    """The stub's text with every section filled in; ``trees`` are every
    stub's stripped tree, this one's first, and ``dict_names`` the names
    of their TypedDicts (typed_dict_names(), found once for all the stubs:
    it walks every tree)."""
    with open(path) as f:
        text = f.read()
    name = os.path.relpath(path, PACKAGE)
    typed_dicts = typed_dict_twins(trees[0], dict_names, '    ')
    events_in = {_enclosing_class(text, m) for m in _SECTION.finditer(text) if m['kind'] == 'events'}

    def fill(match):
        indent, kind = match['indent'], match['kind']
        cls = _enclosing_class(text, match)
        head = match.group(0).splitlines(True)[0]
        if kind == 'events':
            body = event_overloads(EVENT_KEYS.get((name, cls), cls), indent)
        elif kind == 'connect forms':
            body = connect_overloads(head, indent)
        elif cls in typed_dicts:
            body = typed_dicts[cls]
        elif (name, cls) in STUB_TARGETS:
            body = twins(trees, cls, STUB_TARGETS[(name, cls)], cls in events_in, indent,
                         exported=name in EXPORTED_TWINS)
        else:
            raise SystemExit('gen_stubs: %s: no ALIASES entry for %s' % (name, cls))
        return head + (body or indent + '...\n') + '%s# END %s\n' % (indent, kind)

    return _SECTION.sub(fill, text)


PACKAGE = os.path.join(ROOT, 'pyuvnet')


def stub_paths():
    """Every stub of the package and its subpackages (keyed in STUB_TARGETS
    by the path under pyuvnet/)."""
    return sorted(os.path.join(folder, n) for folder, _, names in os.walk(PACKAGE)
                  for n in names if n.endswith('.pyi'))


def main(argv):
    check = '--check' in argv
    stale = []
    paths = stub_paths()
    stripped = {}
    for path in paths:
        with open(path) as f:
            stripped[path] = _mark_ignores(ast.parse(_strip(f.read()), type_comments=True))
    typed_dicts = typed_dict_names(list(stripped.values()))
    for path in paths:
        with open(path) as f:
            old = f.read()
        # This stub's classes first; the package's namespace, which only
        # re-exports (its EventEmitter is not the base), last.
        trees = [stripped[path]] + [stripped[other] for other in sorted(
            paths, key=lambda p: p == os.path.join(PACKAGE, '__init__.pyi')) if other != path]
        new = generate(path, trees, typed_dicts)
        if new != old:
            stale.append(os.path.relpath(path, ROOT))
            if not check:
                with open(path, 'w') as f:
                    f.write(new)
    if check and stale:
        print('stale generated stub sections (run python tools/gen_stubs.py): ' + ', '.join(stale))
        return 1
    for path in stale if not check else ():
        print('rewrote ' + path)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
