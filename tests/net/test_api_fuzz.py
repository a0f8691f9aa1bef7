"""API fuzzing (issue 13): garbage for every public function, constructor
and method (wrong types, huge and negative numbers, NaN and infinities,
NUL in strings, str subclasses, nested dicts and lists, None).

The outcome of each call is success or an exception with Node's ``code``
(a ``NodeError``, or a system error with its code); Python's own arity
``TypeError`` only where the number of arguments was drawn too. Never a
crash, a hang, a SystemError, OverflowError or KeyError, and nothing that
surfaces later from the loop: a few turns of the loop run after each call,
with an 'error' listener on every socket made, and must raise nothing.

Host names resolve through a stand-in for getaddrinfo that knows only
'localhost' (nothing leaves the machine); paths are relative to a private
directory. tests/net/test_found_by_random_tests.py replays what these tests
found.
"""
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyuvnet as net
from pyuvnet import _uv

from fuzz_support import SPECIAL_NUMBERS, StrSubclass, coded_or_arity, fake_getaddrinfo, settle


FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get('PYUVNET_FUZZ_EXAMPLES', 20)), deadline=None,
    derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class AsStrSubclass:
    """Drawn in place of a StrSubclass: hypothesis replays drawn str values
    by exact type, so the subclass is made in the test (``materialize``)."""

    def __init__(self, text):
        self.text = text


def materialize(value):
    if isinstance(value, AsStrSubclass):
        return StrSubclass(value.text)
    if isinstance(value, list):
        return [materialize(item) for item in value]
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    return value


NO_SLASH = st.characters(blacklist_characters='/', blacklist_categories=('Cs',))
TEXT = st.one_of(
    st.text(NO_SLASH, max_size=12),
    st.text(NO_SLASH, max_size=6).map(lambda s: s + '\x00' + s),
    st.builds(AsStrSubclass, st.sampled_from(('', 'a', 'x\x00', '\u00e9\u4e2d', '1e300', '-0'))),
    st.sampled_from(['127.0.0.1', '::1', 'localhost', '', '0', '80', '-1', 'utf8', 'hex',
                     'ipv4', 'ipv6', '127.0.0.1/8', '::ffff:127.0.0.1']),
    st.builds(AsStrSubclass, st.sampled_from(('127.0.0.1', 'localhost', '8080', 'utf8'))),
)
OPTION_KEYS = st.sampled_from([
    'port', 'host', 'path', 'family', 'timeout', 'allowHalfOpen', 'backlog', 'noDelay',
    'keepAlive', 'keepAliveInitialDelay', 'localAddress', 'localPort', 'hints', 'lookup',
    'signal', 'onread', 'blockList', 'fd', 'exclusive', 'ipv6Only', 'readable',
    'autoSelectFamily', 'autoSelectFamilyAttemptTimeout', 'highWaterMark', 'address',
    'flowlabel', 'all', 'unknown_option', 'buffer', 'callback'])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), SPECIAL_NUMBERS, st.floats(), TEXT,
    st.binary(max_size=16), st.just(object()), st.just(lambda *args: None))
GARBAGE = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(OPTION_KEYS, inner, max_size=4)),
    max_leaves=8)


@pytest.fixture
def sandbox(monkeypatch, tmp_path):
    """Host names resolve locally; relative paths land in a private folder
    (short, for sun_path)."""
    monkeypatch.setattr(_uv, 'getaddrinfo', fake_getaddrinfo)
    short = os.path.join('/tmp', 'pyuvfz%d' % os.getpid())
    os.makedirs(short, exist_ok=True)
    monkeypatch.chdir(short)
    yield short
    for name in os.listdir(short):
        os.unlink(os.path.join(short, name))
    os.rmdir(short)


class Made:
    """What a call made, to watch and then close."""

    def __init__(self):
        self.sockets = []
        self.servers = []
        self.errors = []

    def socket(self, sock):
        if isinstance(sock, net.Socket):
            sock.on('error', self.errors.append)
            self.sockets.append(sock)
        return sock

    def server(self, server):
        if isinstance(server, net.Server):
            server.on('error', self.errors.append)
            self.servers.append(server)
        return server

    def close_all(self):
        for sock in self.sockets:
            sock.destroy()
        for server in self.servers:
            server.close()
        settle()


def listening_server(made):
    server = made.server(net.createServer())
    server.listen(0, '127.0.0.1')
    return server, server.address().port


# -- module-level functions and constructors -------------------------------

MODULE_CALLS = {
    'isIP': lambda a: net.isIP(*a[:1]),
    'isIPv4': lambda a: net.isIPv4(*a[:1]),
    'isIPv6': lambda a: net.isIPv6(*a[:1]),
    'Socket': lambda a: net.Socket(*a[:1]),
    'Server': lambda a: net.Server(*a[:2]),
    'createServer': lambda a: net.createServer(*a[:2]),
    'BlockList': lambda a: net.BlockList(*a[:0]),
    'SocketAddress': lambda a: net.SocketAddress(*a[:1]),
    'SocketAddress.parse': lambda a: net.SocketAddress.parse(*a[:1]),
    'setDefaultAutoSelectFamily': lambda a: net.setDefaultAutoSelectFamily(*a[:1]),
    'setDefaultAutoSelectFamilyAttemptTimeout': lambda a: net.setDefaultAutoSelectFamilyAttemptTimeout(*a[:1]),
    'setTimeout': lambda a: net.setTimeout(lambda *x: None, *a[:2]).close(),
    'setInterval': lambda a: net.setInterval(lambda *x: None, *a[:2]).close(),
    'setImmediate': lambda a: net.clearImmediate(net.setImmediate(*a[:1])),
    'clearTimeout': lambda a: net.clearTimeout(*a[:1]),
    'nextTick': lambda a: net.nextTick(*a[:1]),
    'queueMicrotask': lambda a: net.queueMicrotask(*a[:1]),
}


@pytest.mark.parametrize('name', sorted(MODULE_CALLS))
@FUZZ_SETTINGS
@given(args=st.lists(GARBAGE, min_size=0, max_size=3))
def test_module_functions_take_garbage_with_coded_errors(sandbox, name, args):
    args = materialize(args)
    made = Made()
    default_family = net.getDefaultAutoSelectFamily()
    default_timeout = net.getDefaultAutoSelectFamilyAttemptTimeout()

    def call():
        result = MODULE_CALLS[name](args)
        made.socket(result)
        made.server(result)
    try:
        # A callback a call accepted (nextTick, queueMicrotask) may be any callable.
        coded_or_arity(call, arity_drawn=True)
    except Exception as err:
        if name in ('nextTick', 'queueMicrotask', 'setImmediate') and not isinstance(err, AssertionError):
            raise AssertionError('%s(%r) left %r for the loop' % (name, args, err))
        raise
    finally:
        made.close_all()
        net.setDefaultAutoSelectFamily(default_family)
        net.setDefaultAutoSelectFamilyAttemptTimeout(default_timeout)


def callable_garbage():
    """Garbage where a callback goes; only no-op callables among it."""
    return GARBAGE.filter(lambda value: not callable(value) or getattr(value, '__name__', '') == '<lambda>')


# -- connecting: every form ------------------------------------------------

CONNECT_FORMS = {
    'connect(port)': lambda port, extra: net.connect(port),
    'connect(port, host)': lambda port, extra: net.connect(port, extra),
    'connect(port, host, listener)': lambda port, extra: net.connect(port, '127.0.0.1', extra),
    'connect(options)': lambda port, extra: net.connect({'port': port, 'host': '127.0.0.1'}),
    'connect(garbage options)': lambda port, extra: net.connect(extra),
    'createConnection(port)': lambda port, extra: net.createConnection(port),
    'Socket().connect(port)': lambda port, extra: net.Socket().connect(port, '127.0.0.1'),
    'Socket().connect(options)': lambda port, extra: net.Socket().connect({'port': port, 'localPort': extra}),
    'connect(path)': lambda port, extra: net.connect({'path': extra}),
}


@pytest.mark.parametrize('form', sorted(CONNECT_FORMS))
@FUZZ_SETTINGS
@given(port=st.one_of(GARBAGE, st.integers(0, 70000)), extra=GARBAGE)
def test_connect_forms_take_garbage_with_coded_errors(sandbox, form, port, extra):
    port, extra = materialize(port), materialize(extra)
    made = Made()
    try:
        coded_or_arity(lambda: made.socket(CONNECT_FORMS[form](port, extra)))
    finally:
        made.close_all()


BOOL_PORT_FORMS = sorted(k for k in CONNECT_FORMS if 'port' in k and 'options)' not in k or k == 'connect(options)')


@pytest.mark.parametrize('form', BOOL_PORT_FORMS)
@pytest.mark.parametrize('port', [True, False])
def test_a_bool_port_is_an_invalid_arg_type_in_every_connect_form(sandbox, form, port):
    """net.connect(true) -> TypeError [ERR_INVALID_ARG_TYPE] (Node 20), as
    net.connect({port: false})."""
    made = Made()
    try:
        with pytest.raises(net.NodeError) as caught:
            made.socket(CONNECT_FORMS[form](port, None))
        assert caught.value.code == 'ERR_INVALID_ARG_TYPE'
    finally:
        made.close_all()


# -- socket methods, before and after connecting ----------------------------

SOCKET_METHODS = {
    'setTimeout': lambda s, a, b: s.setTimeout(a, *([b] if callable(b) else [])),
    'setNoDelay': lambda s, a, b: s.setNoDelay(a),
    'setKeepAlive': lambda s, a, b: s.setKeepAlive(True, a),
    'setKeepAlive(enable)': lambda s, a, b: s.setKeepAlive(a),
    'write': lambda s, a, b: s.write(a),
    'write(data, encoding)': lambda s, a, b: s.write('00ff', a),
    'write(data, encoding, cb)': lambda s, a, b: s.write(a, b, lambda *e: None),
    'end': lambda s, a, b: s.end(a),
    'setEncoding': lambda s, a, b: s.setEncoding(a),
    'destroy': lambda s, a, b: s.destroy(*([a] if isinstance(a, BaseException) else [])),
    'unpipe': lambda s, a, b: s.unpipe(a),
    'on': lambda s, a, b: s.on(a, lambda *x: None),
    'emit': lambda s, a, b: s.emit(StrSubclass('x'), a),
    'setMaxListeners': lambda s, a, b: s.setMaxListeners(a),
}


@pytest.mark.parametrize('connected', [False, True], ids=['unconnected', 'connected'])
@pytest.mark.parametrize('method', sorted(SOCKET_METHODS))
@FUZZ_SETTINGS
@given(a=GARBAGE, b=callable_garbage())
def test_socket_methods_take_garbage_with_coded_errors(sandbox, method, connected, a, b):
    """Before connecting the values are kept and applied at connect time:
    that must not fail from inside the loop either."""
    a, b = materialize(a), materialize(b)
    made = Made()
    try:
        server, port = listening_server(made)
        server.on('connection', made.socket)
        sock = made.socket(net.Socket())
        if connected:
            sock.connect(port, '127.0.0.1')
            while sock.connecting:
                settle(1)
        coded_or_arity(lambda: SOCKET_METHODS[method](sock, a, b))
        if not connected and not sock.destroyed:
            coded_or_arity(lambda: sock.connect(port, '127.0.0.1'))
            settle(8)
        assert not [e for e in made.errors if not getattr(e, 'code', None)], made.errors
    finally:
        made.close_all()


# -- servers -----------------------------------------------------------------

SERVER_METHODS = {
    'listen(port)': lambda s, a, b: s.listen(a, '127.0.0.1'),
    'listen(port, host)': lambda s, a, b: s.listen(0, a),
    'listen(port, host, backlog)': lambda s, a, b: s.listen(0, '127.0.0.1', a),
    'listen(options)': lambda s, a, b: s.listen(a),
    'listen(path)': lambda s, a, b: s.listen('srv', a),
    'close': lambda s, a, b: s.close(a),
    'getConnections': lambda s, a, b: s.getConnections(a),
    'maxConnections': lambda s, a, b: setattr(s, 'maxConnections', a),
}


@pytest.mark.parametrize('method', sorted(SERVER_METHODS))
@FUZZ_SETTINGS
@given(a=GARBAGE, b=GARBAGE)
def test_server_methods_take_garbage_with_coded_errors(sandbox, method, a, b):
    a, b = materialize(a), materialize(b)
    made = Made()
    try:
        server = made.server(net.createServer())
        if method in ('close', 'getConnections', 'maxConnections'):
            server.listen(0, '127.0.0.1')
        coded_or_arity(lambda: SERVER_METHODS[method](server, a, b))
        assert not [e for e in made.errors if not getattr(e, 'code', None)], made.errors
    finally:
        made.close_all()


# -- BlockList ---------------------------------------------------------------

BLOCKLIST_METHODS = {
    'addAddress': lambda bl, a, b: bl.addAddress(a, b),
    'addRange': lambda bl, a, b: bl.addRange(a, '127.0.0.9', b),
    'addSubnet': lambda bl, a, b: bl.addSubnet('127.0.0.0', a, b),
    'addSubnet(net)': lambda bl, a, b: bl.addSubnet(a, 8, b),
    'check': lambda bl, a, b: bl.check(a, b),
}


@pytest.mark.parametrize('method', sorted(BLOCKLIST_METHODS))
@FUZZ_SETTINGS
@given(a=GARBAGE, b=GARBAGE)
def test_blocklist_methods_take_garbage_with_coded_errors(method, a, b):
    a, b = materialize(a), materialize(b)
    block_list = net.BlockList()
    coded_or_arity(lambda: BLOCKLIST_METHODS[method](block_list, a, b))
