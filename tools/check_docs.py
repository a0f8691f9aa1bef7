"""Check that the built site names every public name (run by `make docs`).

    python tools/check_docs.py build/docs/html

1. Every name of ``pyuvnet.__all__`` (camelCase; the twins are named in
   their camelCase entries), of every public module (each package and
   module of pyuvnet whose name has no private part, found by walking
   the package, so a new one is checked too: their ``__all__``), and
   every public method and property of the classes they export, must
   have an entry in the site's index (genindex.html). A member a class
   inherits unchanged from one of these classes is that base's entry
   (one it inherits from a private base, as fs's streams their
   ``pending``, is its own).
2. The pages read well in a browser (what a look at them found): no
   markup left raw (a MyST role inside reStructuredText), no value
   documented with its builtin type's docstring, no code line wider than
   the page, no entry of the API reference without a description (a
   member autodoc found with no docstring), and no typographic quote or
   dash made out of code: the sources are written with straight quotes,
   so a curly one (``'; '`` printed as a joiner of curly quotes) or a
   dash before a word (``--max-http-header-size`` with an en dash) is a
   literal the build rewrote (docs/conf.py turns smartquotes off).
3. The site publishes nothing of the machine that built it: no file of it
   holds the value of an environment variable of 8 characters or more (as
   written, or HTML-escaped). There are no exemptions: a value that could
   appear for a good reason (a path such as ``/usr/local/bin``, a locale)
   is still one this machine chose, and the pages have no reason to name
   a path of the builder's; shorter values (``1``, ``C``, ``/root``) are too
   common as words to say anything. Only the variables' names are printed,
   never their values.
4. No public signature has a default that is a runtime value (the site
   prints defaults with repr(): ``environ=os.environ`` printed the whole
   environment). A default is a literal (None, a bool, a number, a string,
   bytes, a tuple of them) or one of pyuvnet's sentinels (a class of
   pyuvnet with its own fixed repr).
"""
import glob
import html
import importlib
import inspect
import os
import pkgutil
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pyuvnet as net  # noqa: E402
from pyuvnet import process  # noqa: E402
from pyuvnet._internal.aliases import alias_table, snake_name  # noqa: E402

ALIASES = alias_table()

# Not checked here: the Cython layer (no public names), net's rooms (their
# face is pyuvnet itself), and errors, whose __all__ also holds the helpers
# pyuvnet's families raise with (its error classes are checked where net's
# __all__ and the families' name them).
SKIPPED = ('uv', 'errors', 'net')


def _public_modules():
    """Every public module but pyuvnet itself (net's face, whose __all__ is
    read on its own): each package or module of pyuvnet, and each of their
    submodules (dns.promises), with no part of its name private."""
    found = []
    for info in pkgutil.iter_modules(net.__path__, 'pyuvnet.'):
        name = info.name.rpartition('.')[2]
        if name.startswith('_') or name in SKIPPED:
            continue
        module = importlib.import_module(info.name)
        found.append(module)
        if info.ispkg:
            found += [importlib.import_module(sub.name)
                      for sub in pkgutil.iter_modules(module.__path__, info.name + '.')
                      if not sub.name.rpartition('.')[2].startswith('_')]
    return tuple(found)


MODULES = _public_modules()
# Module attributes made on first use (not in the module's namespace).
LAZY = {'pyuvnet.tls': ('rootCertificates',)}
TWINS = {snake_name(camel) for names in ALIASES.values() for camel in names} - {
    camel for names in ALIASES.values() for camel in names}
# Attributes of the C half of Socket that are pyuvnet's own plumbing.
INTERNAL = {'read_eof', 'readable_side', 'ending', 'last_activity', 'server'}


def face_name(module):
    """A module's name under pyuvnet: 'dns.promises'."""
    return module.__name__.partition('.')[2]


def module_names(module):
    """A submodule's public names (its ``__all__``; pyuvnet.process, which
    forwards to the child's process object, has none); the twins are named
    in their camelCase entries."""
    names = list(getattr(module, '__all__', ())) + list(LAZY.get(module.__name__, ()))
    return [name for name in names if name not in TWINS]


def _public_classes():
    """(face, class) for each class of pyuvnet a public module exports, at
    the first face that does (http2 before its compat module's names),
    less the errors and warnings (their members are Python's); and
    pyuvnet.process's Process, which that face forwards to."""
    found, seen = [], set()
    for module in (net,) + MODULES:
        for name in module_names(module):
            value = getattr(module, name, None)
            if (isinstance(value, type) and value.__module__.startswith('pyuvnet')
                    and not issubclass(value, BaseException) and value not in seen):
                seen.add(value)
                found.append((module, value))
    return found + [(process, process.Process)]


CLASSES = _public_classes()


def qualified(face, cls):
    """How the index names a class: ``Server`` for one of pyuvnet's own,
    else with its face (``tls.Server``, ``dns.promises.Resolver``)."""
    return cls.__name__ if face is net else '%s.%s' % (face_name(face), cls.__name__)


def _owner(cls, name):
    """The class of ``cls``'s MRO that defines ``name``."""
    return next(klass for klass in cls.__mro__ if name in vars(klass))


def _entries():
    """(name, object) of each public name: the module's value, or a class
    member as its class holds it (a function, a property)."""
    for name in net.__all__:
        if name not in TWINS and name != 'errors':
            yield name, getattr(net, name)
    for module in MODULES:
        for name in module_names(module):
            yield '%s.%s' % (face_name(module), name), getattr(module, name)
    emitter = net.EventEmitter.__mro__[1]   # the Cython base
    classes = {cls for _, cls in CLASSES}
    for face, cls in CLASSES:
        for name in dir(cls):
            if name.startswith('_') or name in TWINS or name in INTERNAL:
                continue
            if not _owner(cls, name).__module__.startswith('pyuvnet'):
                continue  # Python's own (Record's dict methods, a Future's)
            if cls is not net.EventEmitter and hasattr(emitter, name) and (
                    getattr(cls, name) is getattr(emitter, name) or name == 'emit'):
                # EventEmitter's entry documents it for every emitter (the
                # ASGI and WSGI servers' emit() only watches for 'close').
                continue
            member = inspect.getattr_static(cls, name)
            if any(base in classes and hasattr(base, name) and
                   member is inspect.getattr_static(base, name)
                   for base in cls.__mro__[1:]):
                continue  # inherited unchanged: a base's entry (tls.Server's listen)
            yield '%s.%s' % (qualified(face, cls), name), member


def public_names():
    return [name for name, _ in _entries()]


def _other_names():
    """Each public name's other names: those of the same object (ws.Server
    is ws.WebSocketServer; https.Server's close is http.Server's, from
    their private mixin), of which one entry documents all."""
    named = {}
    for name, value in _entries():
        if value is not None and not isinstance(value, (bool, int)):
            named.setdefault(id(value), set()).add(name)
    return {name: names - {name} for names in named.values() for name in names}


# The longest code line that fits the page's column (furo, a 1280 px wide
# window) without a scroll bar.
CODE_COLUMNS = 91
_RAW_ROLE = re.compile(r'\{(?:doc|ref|py:\w+)\}`')


def _builtin_docstrings():
    """A telling line of each builtin type's docstring: what autodoc shows
    for a module constant that has no documentation of its own."""
    for kind in (str, int, float, bytes, bool, tuple, list):
        # The first line of prose (not a signature, nothing smartquotes change).
        yield next(line.strip() for line in kind.__doc__.splitlines()
                   if len(line.strip()) > 25 and not re.search('->|[\'"]', line))


# A curly quote, or an en or em dash that starts a word ('--flag'; a range
# such as 'min\u2013max' is written so).
_TYPOGRAPHIC = re.compile('[\u2018\u2019\u201c\u201d]|(?<![\\w])[\u2013\u2014](?=[A-Za-z])')
# An API entry: its id, then its description up to its first member (a
# nested <dl>) or its end.
_ENTRY = re.compile(r'<dt class="sig sig-object py" id="(pyuvnet[\w.]*)">.*?</dt>\s*<dd>(.*?)(?:<dl|</dd>)',
                    re.S)
_TWIN_NOTE = re.compile(r'snake_case twin:\s*\S+')


def undescribed(page):
    """The API entries of a page whose description is empty (or only the
    'snake_case twin' line the extension adds)."""
    missing = []
    for anchor, body in _ENTRY.findall(page):
        text = html.unescape(re.sub(r'<[^>]+>', ' ', body))
        if not _TWIN_NOTE.sub('', text).strip():
            missing.append(anchor)
    return missing


def typographic(page):
    """The typographic quotes and dashes of a page, each with what
    surrounds it."""
    text = html.unescape(re.sub(r'<[^>]+>', '', page))
    return [text[max(0, m.start() - 20):m.end() + 20].replace('\n', ' ')
            for m in _TYPOGRAPHIC.finditer(text)]


def page_defects(site):
    """What reads badly in the built pages, one line each."""
    found = []
    builtin_lines = list(_builtin_docstrings())
    for path in sorted(glob.glob(os.path.join(site, '**', '*.html'), recursive=True)):
        with open(path) as f:
            page = f.read()
        name = os.path.relpath(path, site)
        code = re.findall(r'<div class="highlight"><pre>(.*?)</pre>', page, re.S)
        prose = re.sub(r'<div class="highlight"><pre>.*?</pre>', '', page, flags=re.S)
        if _RAW_ROLE.search(prose):
            found.append('%s: raw markup %r' % (name, _RAW_ROLE.search(prose).group(0)))
        found += ['%s: a builtin type\'s docstring: %r' % (name, line)
                  for line in builtin_lines if line in prose]
        found += ['%s: %s has no description' % (name, anchor) for anchor in undescribed(page)]
        if not name.startswith(('genindex', 'search', '_')):
            found += ['%s: a typographic quote or dash: %r' % (name, around)
                      for around in typographic(page)]
        for block in code:
            for line in html.unescape(re.sub(r'<[^>]+>', '', block)).splitlines():
                if len(line) > CODE_COLUMNS:
                    found.append('%s: a code line of %d characters (%d fit): %s'
                                 % (name, len(line), CODE_COLUMNS, line.strip()[:50]))
    return found


MIN_VALUE_LENGTH = 8
_LITERALS = (type(None), bool, int, float, complex, str, bytes)


def environment_leaks(site, environ=None):
    """Sorted (variable name, file) pairs: each file of the built site that
    holds the value of an environment variable of MIN_VALUE_LENGTH
    characters or more, as written or HTML-escaped."""
    environ = os.environ if environ is None else environ
    forms = {name: {value, html.escape(value), html.escape(value, quote=False)}
             for name, value in environ.items() if len(value) >= MIN_VALUE_LENGTH}
    leaks = set()
    for folder, _, files in os.walk(site):
        for file_name in files:
            path = os.path.join(folder, file_name)
            with open(path, 'rb') as f:
                # Fonts and images hold no text: only what decodes is read.
                text = f.read().decode('utf-8', 'ignore')
            for name, values in forms.items():
                if any(value in text for value in values):
                    leaks.add((name, os.path.relpath(path, site)))
    return sorted(leaks)


def _fixed(value):
    if isinstance(value, _LITERALS):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(_fixed(item) for item in value)
    kind = type(value)
    return kind.__module__.startswith('pyuvnet') and kind.__repr__ is not object.__repr__


def _signature_targets():
    """(name, callable) for the public functions and classes (with their
    public methods) of the modules and CLASSES."""
    named = [('%s.%s' % (module.__name__, name), getattr(module, name, None))
             for module in (net,) + MODULES for name in module_names(module)]
    named += [('%s.%s' % (cls.__module__, cls.__name__), cls) for _, cls in CLASSES]
    for name, target in named:
        if callable(target):
            yield name, target
        if inspect.isclass(target):
            for member in dir(target):
                if not member.startswith('_'):
                    yield '%s.%s' % (name, member), getattr(target, member, None)


def runtime_defaults():
    """'name(parameter)' for each public signature whose default is not a
    literal or a pyuvnet sentinel (see the module docstring)."""
    found = []
    for name, target in _signature_targets():
        if not callable(target):
            continue
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            continue
        found += ['%s(%s)' % (name, parameter.name) for parameter in signature.parameters.values()
                  if parameter.default is not parameter.empty and not _fixed(parameter.default)]
    return found


def undocumented(anchors):
    """The public names no anchor documents: an anchor (``pyuvnet.x.y``,
    the site's index entries or Sphinx's table of Python objects) ending
    in the name, or in one of the same object's other names."""
    # Each anchor's every tail: 'pyuvnet.dns.promises.Resolver.resolve4'
    # documents 'Resolver.resolve4' and 'dns.promises.Resolver.resolve4'.
    documented = {'.'.join(anchor.split('.')[-size:])
                  for anchor in anchors for size in range(1, anchor.count('.') + 1)}
    others = _other_names()
    return [name for name in public_names()
            if name not in documented and not others.get(name, set()) & documented]


def main(site, environ=None):
    """Every public name has an index entry (an object anchor #pyuvnet...
    ending in ``name`` or ``Class.member``), the pages have no defect, no
    file holds an environment value and no signature a runtime default;
    1 when one of them fails."""
    with open(os.path.join(site, 'genindex.html')) as f:
        missing = undocumented(re.findall(r'href="[^"]*#(pyuvnet[\w.]*)"', f.read()))
    status = 0
    if missing:
        print('check_docs: not in the site index: ' + ', '.join(missing))
        status = 1
    defects = page_defects(site)
    if defects:
        print('check_docs: ' + '\ncheck_docs: '.join(defects))
        status = 1
    leaks = environment_leaks(site, environ)
    if leaks:
        print('check_docs: the site holds the value of environment variables: '
              + ', '.join('%s in %s' % leak for leak in leaks))
        status = 1
    defaults = runtime_defaults()
    if defaults:
        print('check_docs: signatures with a runtime default (use None or a sentinel): '
              + ', '.join(defaults))
        status = 1
    if not status:
        print('check_docs: every public name (%d) is in the site index'
              % len(list(public_names())))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
