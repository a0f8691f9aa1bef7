"""Sphinx directives that build the API reference's tables from the code.

* ``pyuvnet-options SPEC``: the options one call accepts (SPEC: socket,
  connect, server, listen). Keys come from the runtime's option specs, types
  from the stubs' TypedDicts, defaults and meaning from OPTION_DOCS below.
* ``pyuvnet-events CLASS``: the events of Socket, Server or AbortSignal, in
  the order they are emitted, from tools/gen_stubs.py's EVENTS (the table
  the stubs' listener types are generated from).
* ``pyuvnet-errors``: every error class of pyuvnet.errors, its code and bases.
* ``pyuvnet-node-table``: every name of Node's ``net`` module (NODE_NET), its
  pyuvnet spellings as found on the objects, and the differences.

Autodoc hooks: a snake_case twin is not documented on its own; the
camelCase member's entry names it.
"""
import ast
import os
import re
import sys

from docutils import nodes
from docutils.parsers.rst import Directive

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import gen_stubs  # noqa: E402  (tools/ is not a package)

import pyuvnet as net  # noqa: E402
from pyuvnet import child_process, connecting, errors, server as server_module  # noqa: E402
from pyuvnet._names import ALIASES, snake_name  # noqa: E402

# Option -> (default, what it does). Node's meaning; pyuvnet's default.
OPTION_DOCS = {
    'fd': ('None', 'wrap this open socket or pipe descriptor (the socket takes it over)'),
    'allowHalfOpen': ('False', "keep our side open after the peer's FIN (else end() follows 'end')"),
    'readable': ('True', 'with fd: read from it'),
    'writable': ('True', 'with fd: write to it'),
    'signal': ('None', 'an AbortSignal; aborting it destroys the socket / closes the server'),
    'noDelay': ('False', "disable Nagle's algorithm once connected"),
    'keepAlive': ('False', 'enable TCP keep-alive once connected'),
    'keepAliveInitialDelay': ('0', 'ms of idleness before the first keep-alive probe'),
    'typeOfService': ('None (the system\'s)', 'the TOS byte (IPv6: Traffic Class), 0-255, set at connect'),
    'blockList': ('None', 'a BlockList: blocked addresses are refused (socket) or closed silently (server)'),
    'onread': ('None', "{'buffer', 'callback'}: read into a caller's buffer instead of 'data' events"),
    'highWaterMark': ('65536', 'bytes buffered before write() returns False / reading pauses'),
    'port': ('required (or path)', 'TCP port (listen: 0 or None picks a free one)'),
    'host': ("'localhost' (listen: every address)", 'host name or IP address'),
    'localAddress': ('None', 'local address to bind before connecting'),
    'localPort': ('None', 'local port to bind before connecting'),
    'family': ('0', "IP version: 0 (any), 4 or 6 ('IPv4'/'IPv6' accepted)"),
    'hints': ('0', 'getaddrinfo hints (socket.AI_* flags)'),
    'lookup': ('libuv getaddrinfo', "lookup(host, options, callback), as Node's dns.lookup"),
    'autoSelectFamily': ('getDefaultAutoSelectFamily() (True)', "Happy Eyeballs: race the host's addresses"),
    'autoSelectFamilyAttemptTimeout': ('getDefaultAutoSelectFamilyAttemptTimeout() (250)',
                                       'ms each address gets before the next is tried'),
    'timeout': ('None', 'setTimeout(timeout) before connecting'),
    'path': ('required (or port)', 'unix socket path, Linux abstract name or Windows pipe'),
    'pauseOnConnect': ('False', "accepted sockets start paused (no 'data' until resume())"),
    'backlog': ('511', 'length of the queue of pending connections'),
    'exclusive': ('False', 'Node: do not share the handle with cluster workers (no effect: no cluster)'),
    'readableAll': ('False', 'unix socket file readable by all users'),
    'writableAll': ('False', 'unix socket file writable by all users'),
    'ipv6Only': ('False', 'on an IPv6 address, do not also accept IPv4'),
    'reusePort': ('False', 'SO_REUSEPORT: several sockets may listen on the port'),
    'cwd': ('None (ours)', "the child's working directory"),
    'env': ('os.environ', "the child's environment (a mapping of str to str)"),
    'stdio': ("fork: 'inherit' x3 + 'ipc'; spawn: 'pipe' x3",
              "each fd's fate: 'pipe', 'inherit', 'ignore', an fd, or 'ipc' (one at most)"),
    'detached': ('False', 'the child leads a session of its own (setsid)'),
    'serialization': ("'json'", "the channel's format: 'json' (Node's), or 'advanced' (pickle)"),
    'argv0': ('command', "the child's argv[0]"),
    'silent': ('False', "fork: pipe the child's stdio to child.stdout/stderr instead of inheriting it"),
    'execPath': ('sys.executable', 'fork: the interpreter that runs modulePath (node for a Node child)'),
    'execArgv': ('[]', 'fork: arguments before modulePath'),
    'handle': ('None', 'listen: on this server, socket, BoundSocket, socket.socket, or object with fd; '
                       'Socket(): a BoundSocket to adopt (bound, not connected)'),
}

# Node's net module as documented (doc/api/net.md, Node 20 LTS, with the
# names later releases added that pyuvnet follows). Captured by hand from the
# documentation; `node -e "Object.keys(require('net'))"` lists the module's.
NODE_NET = {
    'module': ('BlockList', 'SocketAddress', 'Server', 'Socket', 'Stream', 'connect',
               'createConnection', 'createServer', 'BoundSocket', 'getDefaultAutoSelectFamily',
               'setDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout',
               'setDefaultAutoSelectFamilyAttemptTimeout', 'isIP', 'isIPv4', 'isIPv6'),
    'Server': ('address', 'close', '[Symbol.asyncDispose]', '[Symbol.asyncIterator]',
               'dropMaxConnection', 'getConnections', 'listen', 'listening', 'maxConnections',
               'ref', 'unref'),
    'Socket': ('address', 'autoSelectFamilyAttemptedAddresses', 'bufferSize', 'bytesRead',
               'bytesWritten', 'connect', 'connecting', 'destroy', 'destroyed', 'destroySoon',
               'end', 'localAddress', 'localPort', 'localFamily', 'pause', 'pending', 'ref',
               'remoteAddress', 'remoteFamily', 'remotePort', 'resetAndDestroy', 'resume',
               'setEncoding', 'setKeepAlive', 'setNoDelay', 'setTimeout', 'setTypeOfService',
               'getTypeOfService', 'timeout', 'unref', 'write', 'readyState'),
    'BlockList': ('addAddress', 'addAddresses', 'addRange', 'addSubnet', 'addCIDR', 'addCIDRs',
                  'removeAddress', 'removeRange', 'removeSubnet', 'removeCIDR', 'clear', 'check',
                  'rules', 'size', 'toJSON', 'fromJSON', 'isBlockList', 'PRIVATE_RANGES'),
    'SocketAddress': ('address', 'family', 'flowlabel', 'port', 'parse'),
}

# Where pyuvnet differs from Node for a name (Node's spelling -> note).
DIFFERENCES = {
    ('module', 'Stream'): 'the same class as Socket',
    ('Server', '[Symbol.asyncDispose]'): 'aclose() (awaitable), and async with server:',
    ('Server', '[Symbol.asyncIterator]'): 'async for sock in server: (under the asyncio bridge)',
    ('Server', 'dropMaxConnection'): 'kept as given; no cluster mode, so over maxConnections is always dropped',
    ('Server', 'address'): "a read-only Record (attribute access: .port) equal to Node's object; "
                           'the path str for a pipe server; None when not listening',
    ('Socket', 'address'): "a read-only Record; {} (empty) for a pipe",
    ('Server', 'close'): 'the callback gets ERR_SERVER_NOT_RUNNING when the server was not listening',
    ('Socket', 'write'): 'data is bytes-like or str; returns False when buffered past highWaterMark',
    ('SocketAddress', 'parse'): 'a classmethod',
    ('BlockList', 'isBlockList'): 'a staticmethod',
}

_PYUVNET = {'module': net, 'Server': net.Server, 'Socket': net.Socket,
            'BlockList': net.BlockList, 'SocketAddress': net.SocketAddress}
_PY_NAMES = {('Server', '[Symbol.asyncDispose]'): 'aclose',
             ('Server', '[Symbol.asyncIterator]'): '__aiter__'}


def _stub_types():
    """TypedDict name -> {key: annotation text}, from the stubs."""
    types = {}
    for path in gen_stubs.stub_paths():
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith('Options'):
                fields = {item.target.id: ast.unparse(item.annotation) for item in node.body
                          if isinstance(item, ast.AnnAssign)}
                for base in node.bases:
                    fields = dict(types.get(ast.unparse(base), {}), **fields)
                types[node.name] = fields
    return types


def _option_specs():
    return {
        'socket': (connecting.SOCKET_RULES, 'SocketOptions'),
        'connect': (connecting.CONNECT_RULES, 'ConnectOptions'),
        'server': (server_module.SERVER_OPTIONS.rules, 'ServerOptions'),
        'listen': (server_module.LISTEN_OPTIONS.rules, 'ListenOptions'),
        'spawn': (child_process.SPAWN_OPTIONS.rules, 'SpawnOptions'),
        'fork': (child_process.FORK_OPTIONS.rules, 'ForkOptions'),
    }


def _literal(text):
    return '``%s``' % text if text else ''


_INLINE = re.compile(r'``(.+?)``|\*\*(.+?)\*\*')


def _cell_nodes(text):
    """A cell's text with ``literal`` and **strong** spans as docutils nodes
    (built directly: the pages are MyST, where nested RST is not parsed)."""
    paragraph = nodes.paragraph()
    position = 0
    for match in _INLINE.finditer(text):
        paragraph += nodes.Text(text[position:match.start()])
        if match.group(1) is not None:
            paragraph += nodes.literal(match.group(1), match.group(1))
        else:
            paragraph += nodes.strong(match.group(2), match.group(2))
        position = match.end()
    paragraph += nodes.Text(text[position:])
    return paragraph


class _TableDirective(Directive):
    """Builds a table from rows of text cells."""

    def table(self, header, rows, widths):
        table = nodes.table()
        group = nodes.tgroup(cols=len(header))
        table += group
        for width in widths:
            group += nodes.colspec(colwidth=width)
        for section, section_rows in ((nodes.thead(), [header]), (nodes.tbody(), rows)):
            for cells in section_rows:
                row = nodes.row()
                for cell in cells:
                    entry = nodes.entry()
                    entry += _cell_nodes(cell)
                    row += entry
                section += row
            group += section
        return [table]


class OptionsDirective(_TableDirective):
    required_arguments = 1

    def run(self):
        rules, typed_dict = _option_specs()[self.arguments[0]]
        types = _stub_types()[typed_dict]
        rows = []
        for camel in rules:
            default, meaning = OPTION_DOCS.get(camel, ('', ''))
            snake = snake_name(camel)
            rows.append([_literal(camel), _literal(snake) if snake != camel else 'same',
                         _literal(types.get(camel, 'untyped')), default, meaning])
        return self.table(['Node key', 'snake_case key', 'type', 'default', 'meaning'], rows,
                          [14, 16, 18, 16, 36])


class EventsDirective(_TableDirective):
    required_arguments = 1

    def run(self):
        rows = []
        for event, args, when in gen_stubs.EVENTS[self.arguments[0]] + gen_stubs.COMMON_EVENTS:
            signature = ', '.join('%s: %s%s' % (arg[0], arg[1], ' (optional)' if arg[2:] else '')
                                  for arg in args)
            rows.append([_literal(event), _literal('(%s)' % signature), when])
        return self.table(['event', 'listener arguments', 'when (in the order emitted)'], rows,
                          [18, 34, 48])


class ErrorsDirective(_TableDirective):
    def run(self):
        rows = []
        # The module's __all__, then the error classes it leaves out (those
        # of child_process and BoundSocket), so that every class is listed.
        names = list(errors.__all__) + [
            name for name, value in vars(errors).items()
            if name not in errors.__all__ and not name.startswith('_')
            and isinstance(value, type) and issubclass(value, errors.NodeError)]
        for name in names:
            value = getattr(errors, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                bases = ', '.join(base.__name__ for base in value.__bases__)
                doc = (value.__doc__ or '').strip().split('\n\n')[0].replace('\n', ' ')
                code = getattr(value, 'code', None)   # warnings have none
                rows.append([_literal(name), _literal(code) if code else '', _literal(bases), doc])
        for base, cls in sorted(errors.SYSTEM_ERROR_CLASSES.items(), key=lambda i: i[0].__name__):
            rows.append([_literal('errors.SYSTEM_ERROR_CLASSES[%s]' % base.__name__),
                         'errno name', _literal('NodeSystemError, %s' % base.__name__),
                         "system errors of that kind (code 'ECONNREFUSED', ...)"])
        return self.table(['class', 'code', 'bases', 'meaning'], rows, [30, 20, 25, 25])


class NodeTableDirective(_TableDirective):
    def run(self):
        rows = []
        for target, names in NODE_NET.items():
            obj = _PYUVNET[target]
            for name in names:
                py_name = _PY_NAMES.get((target, name), name)
                present = hasattr(obj, py_name)
                spellings = [_literal(py_name)] if present else []
                if present and py_name in _table_names(target):
                    spellings.append(_literal(snake_name(py_name)))
                where = 'net' if target == 'module' else target
                note = DIFFERENCES.get((target, name), '')
                if not present:
                    note = '**missing** ' + note
                rows.append([_literal('%s.%s' % (where, name)), ', '.join(spellings) or '—', note])
        return self.table(['Node', 'pyuvnet', 'difference'], rows, [34, 30, 36])


def _table_names(target):
    """The camelCase names the alias table gives a twin on ``target``."""
    names = set(ALIASES[target])
    if target in ('Server', 'Socket'):
        names |= set(ALIASES['EventEmitter'])
    return names


def skip_twins(app, what, name, obj, skip, options):
    """A snake_case twin is documented with its camelCase name."""
    camels = {snake_name(camel) for names in ALIASES.values() for camel in names}
    if name in camels and snake_name(name) == name:
        return True
    return None


def plain_text_safe(app, what, name, obj, options, lines):
    """Docstrings are plain text: a line starting with '|' (the forms of
    connect() and listen()) is text, not an RST line block."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith('| '):
            lines[i] = line.replace('| ', '\\| ', 1)


def name_twins(app, what, name, obj, options, lines):
    camel = name.rpartition('.')[2]
    if camel in {c for names in ALIASES.values() for c in names} and snake_name(camel) != camel:
        lines.extend(['', 'snake_case twin: ``%s``' % snake_name(camel)])


def setup(app):
    app.add_directive('pyuvnet-options', OptionsDirective)
    app.add_directive('pyuvnet-events', EventsDirective)
    app.add_directive('pyuvnet-errors', ErrorsDirective)
    app.add_directive('pyuvnet-node-table', NodeTableDirective)
    app.connect('autodoc-skip-member', skip_twins)
    app.connect('autodoc-process-docstring', plain_text_safe)
    app.connect('autodoc-process-docstring', name_twins)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
