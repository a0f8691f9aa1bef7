"""Sphinx directives that build the API reference's tables from the code.

* ``pyuvnet-options SPEC``: the options one call accepts (SPEC: a key of
  _option_specs(), e.g. socket, connect, server, listen, secure-context).
  Keys come from the runtime's option specs, types from the stubs'
  TypedDicts, defaults and meaning from OPTION_DOCS below.
* ``pyuvnet-events CLASS``: the events of an emitter (Socket, Server,
  TLSSocket, tls.Server, Worker, cluster, ...), in the order they are
  emitted, from tools/event_table.py (the table the stubs' listener
  types are generated from too).
* ``pyuvnet-errors [tls]``: every error class of pyuvnet.errors (or of
  pyuvnet.tls), its code and bases.
* ``pyuvnet-node-table MODULE``: every name of a Node module and its
  classes (node_tables.py holds them and the differences), its pyuvnet
  spellings as found on the objects, and the differences.

The autodoc hooks are pyuvnet_autodoc's.
"""
import ast
import os
import re
import sys

from docutils import nodes
from docutils.parsers.rst import Directive

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import event_table  # noqa: E402  (tools/ is not a package)
import gen_stubs  # noqa: E402

import pyuvnet as net  # noqa: E402
from pyuvnet import child_process, cluster, dgram, dns, errors, http, http2, https, stream, tls  # noqa: E402
from pyuvnet.net import _connecting as connecting  # noqa: E402
from pyuvnet._internal import listening as listening  # noqa: E402
from pyuvnet.tls import _context as tls_context, _socket_options as tls_socket_options  # noqa: E402
from pyuvnet.child_process import _command as child_process_command  # noqa: E402
from pyuvnet._internal.aliases import alias_table, snake_name  # noqa: E402
from node_tables import (  # noqa: E402  (beside this file)
    NODE_NET, DIFFERENCES, NODE_TLS, NODE_CLUSTER,
    NODE_DGRAM, DGRAM_DIFFERENCES, NODE_CHILD_PROCESS, NODE_DNS,
    DNS_DIFFERENCES, CHILD_PROCESS_DIFFERENCES, TLS_DIFFERENCES, NODE_HTTP,
    NODE_HTTPS, NODE_HTTP2, HTTP2_DIFFERENCES, HTTP_DIFFERENCES,
    NODE_STREAM, STREAM_DIFFERENCES, CLUSTER_DIFFERENCES,
)


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
    'readableHighWaterMark': ('65536 (highWaterMark wins)', 'bytes buffered unread before reading pauses'),
    'writableHighWaterMark': ('65536 (highWaterMark wins)', 'bytes buffered before write() returns False'),
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
    'exclusive': ('False', 'in a cluster worker: listen on its own, not through the primary'),
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
    # pyuvnet.tls
    'key': ('None', "the private key, PEM (str, bytes or a list of them, each key alone or as "
                    "{'pem': key, 'passphrase': its own})"),
    'cert': ('None', 'the certificate chain, PEM (leaf first)'),
    'ca': ("the system's trusted roots", 'the CAs to trust instead, PEM'),
    'passphrase': ('None', 'decrypts an encrypted key or pfx'),
    'pfx': ('None', 'PKCS#12 blob(s), or {buf, passphrase} dicts; parsed by OpenSSL'),
    'minVersion': ("DEFAULT_MIN_VERSION ('TLSv1.2')",
                   "lowest protocol: 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3' "
                   '(else ERR_TLS_INVALID_PROTOCOL_VERSION)'),
    'maxVersion': ("DEFAULT_MAX_VERSION ('TLSv1.3')", 'highest protocol, the same names'),
    'ciphers': ('DEFAULT_CIPHERS', 'the cipher list; its TLS 1.3 suite names restrict TLS 1.3'),
    'ecdhCurve': ("'auto' (OpenSSL's)", 'the curve for ECDH key exchange'),
    'honorCipherOrder': ('True', "a server's cipher order decides (False: the client's)"),
    'secureProtocol': ('None', "an OpenSSL method name ('TLSv1_2_method'): the one version "
                               'it allows; not with minVersion/maxVersion'),
    'secureOptions': ('None', "OpenSSL's SSL_OP_* bits, added to the context's"),
    'sessionTimeout': ('None', 'accepted; not applied (OpenSSL\'s lifetime)'),
    'secureContext': ('None (one made from the options)', 'a SecureContext from createSecureContext()'),
    'requestCert': ('False', "server: ask for the client's certificate"),
    'rejectUnauthorized': ('True (server: matters with requestCert)',
                           "drop a peer whose certificate did not verify (else see 'authorized')"),
    'ALPNProtocols': ('None', "protocols offered or accepted, in preference order (the server's wins)"),
    'SNICallback': ('None', 'server: SNICallback(servername, cb); cb(None, secureContext) '
                            'before returning switches certificates'),
    'servername': ('the host, when not an IP address', 'client: the SNI name sent and the name checked'),
    'checkServerIdentity': ('tls.checkServerIdentity', "client: (host, cert) -> an error to refuse, "
                                                       'None to accept'),
    'session': ('None', "client: a session's bytes (OpenSSL's DER), to resume"),
    'requestOCSP': ('False', "client: ask for the server's stapled certificate status "
                             "(any true value), emitted as 'OCSPResponse'"),
    'handshakeTimeout': ('120000', "ms a handshake may take: 'tlsClientError' "
                                   'ERR_TLS_HANDSHAKE_TIMEOUT, and the socket is destroyed'),
    'socket': ('None (a new connection)', 'a connected or connecting net.Socket to run TLS over'),
    'isServer': ('False', 'this end is the server'),
    'server': ('None', "the tls.Server told of 'secureConnection' and 'tlsClientError'"),
}

# What an option means in the calls where it means something else than in
# OPTION_DOCS: call (an {pyuvnet-options} argument) -> option -> (default, meaning).
_RUN_OPTION_DOCS = {
    'encoding': ("exec: 'utf8'; the synchronous forms: 'buffer'",
                 "'buffer' for bytes, or one of Node's encodings for str"),
    'shell': ('exec: /bin/sh; spawn, execFile, spawnSync: False',
              "run 'file args...' under this shell (True: /bin/sh)"),
    'timeout': ('0 (none)', 'ms the child may run before it is killed with killSignal'),
    'maxBuffer': ('1048576', 'bytes a stream may give before the child is killed'),
    'killSignal': ("'SIGTERM'", 'the signal for the timeout, maxBuffer and cancelling'),
    'windowsHide': ('False', 'accepted; no console windows to hide here'),
    'windowsVerbatimArguments': ('False', 'accepted; Windows only'),
    'input': ('None', "written to the child's stdin, which becomes a pipe (str: in encoding)"),
    'signal': ('None', "an AbortSignal: aborting it kills the child with killSignal and emits "
                       "'error' AbortError (exec(): the call fails with it); no effect on the "
                       'synchronous forms, as in Node'),
}
CALL_OPTION_DOCS = {call: _RUN_OPTION_DOCS for call in ('spawn', 'fork', 'exec', 'sync')}


def _node_modules():
    """Node module -> (its names per class, pyuvnet's objects, differences)."""
    return {
        'net': (NODE_NET, {'module': net, 'Server': net.Server, 'Socket': net.Socket,
                           'BlockList': net.BlockList, 'SocketAddress': net.SocketAddress},
                DIFFERENCES),
        'tls': (NODE_TLS, {'module': tls, 'Server': tls.Server, 'TLSSocket': tls.TLSSocket},
                TLS_DIFFERENCES),
        'cluster': (NODE_CLUSTER, {'module': cluster, 'Worker': cluster.Worker},
                    CLUSTER_DIFFERENCES),
        'http': (NODE_HTTP, {'module': http, 'Server': http.Server,
                             'ServerResponse': http.ServerResponse,
                             'IncomingMessage': http.IncomingMessage,
                             'ClientRequest': http.ClientRequest, 'Agent': http.Agent},
                 HTTP_DIFFERENCES),
        'https': (NODE_HTTPS, {'module': https, 'Server': https.Server}, HTTP_DIFFERENCES),
        'http2': (NODE_HTTP2, {'module': http2, 'Http2Session': http2.Http2Session,
                               'ServerHttp2Session': http2.ServerHttp2Session,
                               'ClientHttp2Session': http2.ClientHttp2Session,
                               'Http2Stream': http2.Http2Stream,
                               'ServerHttp2Stream': http2.ServerHttp2Stream,
                               'Http2ServerRequest': http2.Http2ServerRequest,
                               'Http2ServerResponse': http2.Http2ServerResponse},
                  HTTP2_DIFFERENCES),
        'stream': (NODE_STREAM, {'module': stream, 'Readable': stream.Readable,
                                 'Writable': stream.Writable, 'Duplex': stream.Duplex,
                                 'Transform': stream.Transform},
                   STREAM_DIFFERENCES),
        'dgram': (NODE_DGRAM, {'module': dgram, 'Socket': dgram.Socket}, DGRAM_DIFFERENCES),
        'child_process': (NODE_CHILD_PROCESS, {'module': child_process,
                                               'ChildProcess': child_process.ChildProcess},
                          CHILD_PROCESS_DIFFERENCES),
        'dns': (NODE_DNS, {'module': dns, 'Resolver': dns.Resolver}, DNS_DIFFERENCES),
    }


_ALIASED = {camel for names in alias_table().values() for camel in names}
_PY_NAMES = {('Readable', '[Symbol.asyncIterator]'): '__aiter__', ('Readable', 'from'): 'from_',
             ('Server', '[Symbol.asyncDispose]'): 'aclose',
             ('Socket', '[Symbol.asyncDispose]'): 'aclose',
             ('Server', '[Symbol.asyncIterator]'): '__aiter__'}


def _stub_types():
    """TypedDict name -> {key: annotation text}, from the stubs (a base
    may be in another stub file, read later)."""
    own, bases = {}, {}
    for path in gen_stubs.stub_paths():
        with open(path) as f:
            tree = ast.parse(f.read())
        # The stub's private aliases (_Pem = str | bytes | ...), written out:
        # the reader cannot look them up.
        aliases = {node.targets[0].id: ast.unparse(node.value) for node in tree.body
                   if isinstance(node, ast.Assign) and len(node.targets) == 1
                   and isinstance(node.targets[0], ast.Name) and node.targets[0].id.startswith('_')}

        def spelled_out(annotation):
            expanded = re.sub(r'\b_\w+\b', lambda m: aliases.get(m.group(0), m.group(0)), annotation)
            return expanded if expanded == annotation else spelled_out(expanded)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith('Options'):
                own[node.name] = {item.target.id: spelled_out(ast.unparse(item.annotation))
                                  for item in node.body if isinstance(item, ast.AnnAssign)}
                bases[node.name] = [ast.unparse(base) for base in node.bases]

    def fields(name):
        merged = {}
        for base in bases.get(name, ()):
            merged.update(fields(base))
        merged.update(own.get(name, {}))
        return merged
    return {name: fields(name) for name in own}


def _without(rules, *others):
    """The keys of ``rules`` that none of ``others`` has (a call's own keys)."""
    return {key: rule for key, rule in rules.items() if not any(key in other for other in others)}


def _option_specs():
    context, connection = tls_context.CONTEXT_RULES, tls_socket_options.CONNECTION_RULES
    return {
        'socket': (connecting.SOCKET_RULES, 'SocketOptions'),
        'connect': (connecting.CONNECT_RULES, 'ConnectOptions'),
        'server': (listening.SERVER_OPTIONS.rules, 'ServerOptions'),
        'listen': (listening.LISTEN_OPTIONS.rules, 'ListenOptions'),
        'spawn': (child_process.SPAWN_OPTIONS.rules, 'SpawnOptions'),
        'fork': (child_process.FORK_OPTIONS.rules, 'ForkOptions'),
        'exec': (child_process_command.EXEC_FILE_OPTIONS.rules, 'ExecOptions'),
        'sync': (child_process_command.SYNC_OPTIONS.rules, 'SyncOptions'),
        'secure-context': (context, 'SecureContextOptions'),
        'tls-connection': (_without(connection, context), 'TLSConnectionOptions'),
        'tls-server': (_without(tls.SERVER_OPTIONS.rules, listening.SERVER_OPTIONS.rules,
                                context, connection), 'TLSServerOptions'),
        'tls-connect': (_without(tls.TLS_CONNECT_OPTIONS.rules, context, connection),
                        'TLSConnectOptions'),
        'tls-socket': (_without(tls_socket_options.TLS_SOCKET_OPTIONS.rules, context, connection),
                       'TLSSocketOptions'),
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


class OptionsDirective(Directive):
    """A definition list, one entry per option: its names, type and default
    on the term's line, its meaning as the definition, over the page's
    whole width (a five-column table left the meaning a narrow column)."""
    required_arguments = 1

    def run(self):
        rules, typed_dict = _option_specs()[self.arguments[0]]
        types = _stub_types()[typed_dict]
        options = nodes.definition_list(classes=['pyuvnet-options'])
        own_docs = CALL_OPTION_DOCS.get(self.arguments[0], {})
        for camel in rules:
            default, meaning = own_docs.get(camel) or OPTION_DOCS.get(camel, ('', ''))
            snake = snake_name(camel)
            term = nodes.term()
            term += nodes.literal(camel, camel, classes=['pyuvnet-option-name'])
            if snake != camel:
                term += nodes.Text(' / ')
                term += nodes.literal(snake, snake, classes=['pyuvnet-option-name'])
            term += nodes.Text(' \u2014 ')
            term += nodes.literal('', types.get(camel, 'untyped'))
            if default:
                term += nodes.Text(', default ')
                term += _cell_nodes(default).children
            definition = nodes.definition()
            definition += _cell_nodes(meaning)
            options += nodes.definition_list_item('', term, definition)
        return [options]


class EventsDirective(_TableDirective):
    required_arguments = 1

    def run(self):
        rows = []
        for event, args, when in event_table.EVENTS[self.arguments[0]] + event_table.COMMON_EVENTS:
            signature = ', '.join('%s: %s%s' % (arg[0], arg[1], ' (optional)' if arg[2:] else '')
                                  for arg in args)
            rows.append([_literal(event), _literal('(%s)' % signature), when])
        return self.table(['event', 'listener arguments', 'when (in the order emitted)'], rows,
                          [18, 34, 48])


class ErrorsDirective(_TableDirective):
    optional_arguments = 1

    def run(self):
        if self.arguments == ['tls']:
            # The error classes pyuvnet.tls defines (in tls/_context.py).
            names = [name for name, value in vars(tls_context).items()
                     if isinstance(value, type) and issubclass(value, errors.NodeError)
                     and value.__module__ == tls_context.__name__]
            return self.table(['class', 'code', 'bases', 'meaning'],
                              [self.row(name, getattr(tls_context, name)) for name in names],
                              [30, 20, 25, 25])
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
                rows.append(self.row(name, value))
        for base, cls in sorted(errors.SYSTEM_ERROR_CLASSES.items(), key=lambda i: i[0].__name__):
            rows.append([_literal('errors.SYSTEM_ERROR_CLASSES[%s]' % base.__name__),
                         'errno name', _literal('NodeSystemError, %s' % base.__name__),
                         "system errors of that kind (code 'ECONNREFUSED', ...)"])
        return self.table(['class', 'code', 'bases', 'meaning'], rows, [30, 20, 25, 25])

    @staticmethod
    def row(name, value):
        bases = ', '.join(base.__name__ for base in value.__bases__)
        doc = (value.__doc__ or '').strip().split('\n\n')[0].replace('\n', ' ')
        code = getattr(value, 'code', None)   # warnings have none; TLSError's is per error
        if code:
            code = _literal(code)
        elif issubclass(value, errors.NodeError):
            code = 'per error'
        return [_literal(name), code or '', _literal(bases), doc]


class NodeTableDirective(_TableDirective):
    required_arguments = 1

    def run(self):
        module = self.arguments[0]
        node_names, objects, differences = _node_modules()[module]
        rows = []
        for target, names in node_names.items():
            obj = objects[target]
            for name in names:
                py_name = _PY_NAMES.get((target, name), name) if module in ('net', 'stream') else name
                present = hasattr(obj, py_name) or _set_by_constructor(obj, py_name)
                spellings = [_literal(py_name)] if present else []
                # A twin is a name of the alias table that the object has
                # in snake_case (so not pyuvnet.net._server, the module).
                twin = snake_name(py_name)
                if present and py_name in _ALIASED and twin != py_name and hasattr(obj, twin):
                    spellings.append(_literal(twin))
                where = module if target == 'module' else (
                    target if module == 'net' else '%s.%s' % (module, target))
                note = differences.get((target, name), '')
                if not present:
                    note = '**missing** ' + note
                rows.append([_literal('%s.%s' % (where, name)), ', '.join(spellings) or '—', note])
        return self.table(['Node', 'pyuvnet', 'difference'], rows, [34, 30, 36])


def _set_by_constructor(cls, name):
    """Whether ``cls.__init__`` sets the attribute ``name`` on each instance
    (Worker.id: not on the class)."""
    code = getattr(getattr(cls, '__init__', None), '__code__', None)
    return isinstance(cls, type) and code is not None and name in code.co_names


def setup(app):
    app.add_directive('pyuvnet-options', OptionsDirective)
    app.add_directive('pyuvnet-events', EventsDirective)
    app.add_directive('pyuvnet-errors', ErrorsDirective)
    app.add_directive('pyuvnet-node-table', NodeTableDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
