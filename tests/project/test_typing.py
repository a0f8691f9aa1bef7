"""pyuvnet's stubs: their twins generated from the rows twins() records where
each class is made, and they catch mistakes.

The mypy tests run where mypy is installed (the test extra has it; the
wheels' tests do not); `make typecheck` runs stubtest and mypy --strict.
"""
import ast
import functools
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from pyuvnet._internal.aliases import alias_table, snake_name

from support import ROOT
from typing_support import TOOLS, needs_mypy, run_mypy

if not os.path.isfile(os.path.join(ROOT, 'pyuvnet', '__init__.pyi')):
    # The wheels' tests run from a copy of tests/ without the source tree.
    pytest.skip('needs the source tree (tools/, the stubs)', allow_module_level=True)
sys.path.insert(0, TOOLS)
import gen_stubs  # noqa: E402  (tools/ is not a package)

# Every row: each is recorded where its class or module is made.
ALIASES = alias_table()


def test_generated_stub_sections_are_current():
    done = subprocess.run([sys.executable, os.path.join(TOOLS, 'gen_stubs.py'), '--check'],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _stub_copy(tmp_path, monkeypatch):
    """The generator pointed at a copy of the stubs (and nothing else)."""
    copy = tmp_path / 'pyuvnet'
    shutil.copytree(gen_stubs.PACKAGE, copy, ignore=lambda folder, names: [
        name for name in names
        if not name.endswith('.pyi') and not os.path.isdir(os.path.join(folder, name))])
    monkeypatch.setattr(gen_stubs, 'PACKAGE', str(copy))
    monkeypatch.setattr(gen_stubs, 'ROOT', str(tmp_path))
    return copy


def test_a_twin_written_by_hand_into_a_stub_fails_the_check(tmp_path, monkeypatch, capsys):
    stub = _stub_copy(tmp_path, monkeypatch) / 'net' / '_socket.pyi'
    text = stub.read_text()
    stub.write_text(text.replace('    set_no_delay = setNoDelay\n',
                                 '    set_no_delay = setKeepAlive\n', 1))
    assert gen_stubs.main(['--check']) == 1
    assert capsys.readouterr().out.endswith(': %s\n' % os.path.join('pyuvnet', 'net', '_socket.pyi'))
    # What the generator writes is the stub as it was.
    assert gen_stubs.main([]) == 0 and stub.read_text() == text


def test_a_row_changed_where_its_class_is_made_makes_the_stub_stale(tmp_path, monkeypatch, capsys):
    """The stubs' twins come from the rows twins() records: a row that loses
    a name (BoundSocket's isPipe, planted) leaves its stub's twin stale."""
    _stub_copy(tmp_path, monkeypatch)
    monkeypatch.setitem(gen_stubs.ALIASES, 'BoundSocket', ())
    assert gen_stubs.main(['--check']) == 1
    assert os.path.join('pyuvnet', 'net', '_bound_socket.pyi') in capsys.readouterr().out


@functools.lru_cache(maxsize=None)
def _parsed(path):
    """A stub's tree, parsed once for the module's tests (the same tree
    each time, so that gen_stubs indexes its classes once too)."""
    with open(path) as f:
        return ast.parse(f.read())


def _trees():
    """Every stub's tree, the package namespace's (which only re-exports) last."""
    namespace = os.path.join(gen_stubs.PACKAGE, '__init__.pyi')
    return [_parsed(path) for path in sorted(gen_stubs.stub_paths(), key=lambda p: p == namespace)]


def test_every_camel_name_of_the_table_has_its_twin_in_the_stubs():
    trees = _trees()
    missing = []
    for (stub, cls), entries in gen_stubs.STUB_TARGETS.items():
        own = _parsed(os.path.join(gen_stubs.PACKAGE, stub))  # first: class names repeat (tls.Server)
        searched = [own] + trees
        for camel in (c for entry in entries for c in ALIASES[entry]):
            if cls == 'module':
                found = any(gen_stubs._defines(node, snake_name(camel)) for node in own.body)
            else:
                found = bool(gen_stubs._definitions(searched, cls, snake_name(camel))[0])
            if not found:
                missing.append('%s.%s' % (cls, snake_name(camel)))
    assert missing == []


def test_every_aliases_entry_is_typed_somewhere():
    """A new ALIASES entry needs its place in gen_stubs.STUB_TARGETS."""
    typed = {entry for entries in gen_stubs.STUB_TARGETS.values() for entry in entries}
    assert set(ALIASES) - typed <= {'AbortController'}  # it has no camelCase names


def test_option_typed_dicts_have_both_spellings():
    trees = _trees()
    for name in ('SocketOptions', 'ConnectOptions', 'ServerOptions', 'ListenOptions',
                 'KeepAliveOptions', 'BoundSocketOptions', 'ListenPromiseOptions',
                 'SpawnOptions', 'ForkOptions', 'ClusterSettings'):
        keys = {item.target.id for item in gen_stubs._class_node(trees, name).body
                if isinstance(item, ast.AnnAssign)}
        assert {snake_name(key) for key in keys} <= keys, name


def _mypy(tmp_path, cache, source):
    path = tmp_path / 'user_code.py'
    path.write_text(textwrap.dedent(source))
    status, errors, _ = run_mypy(['--cache-dir', str(cache), str(path)])
    return status, errors


@needs_mypy
def test_correct_code_passes_strict(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net

        def on_connection(sock: net.Socket) -> None:
            sock.set_no_delay(True).on('data', sock.write)
            sock.on('close', lambda had_error: print('closed', had_error))
            sock.once('end', lambda: None)

        server = net.create_server(on_connection)
        server.listen(0, '127.0.0.1', lambda: print(server.address().port))
        server.on('connection', lambda sock: sock.end(b'bye'))
        client = net.connect({'port': 1, 'host': '127.0.0.1'}, lambda: None)
        client.on('error', lambda err: print(err))
        client.write('hello', 'utf8', lambda err: None)
        net.setTimeout(lambda n: print(n + 1), 10, 41).unref()
        net.run()
    """)
    assert (status, errors) == (0, [])


@needs_mypy
def test_types_bite_misspelt_method_wrong_argument_type_wrong_listener_arity(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net

        sock = net.connect(8124, '127.0.0.1')
        sock.wirte(b'hello')
        sock.setNoDelay('yes')
        sock.on('close', lambda: print('closed'))
        net.run(42)
    """)
    assert status == 1
    assert errors == [
        '"Socket" has no attribute "wirte"; maybe "write"?  [attr-defined]',
        'Argument 1 to "setNoDelay" of "Socket" has incompatible type "str"; expected "bool"  [arg-type]',
        'No overload variant of "on" of "Socket" matches argument types "str", "Callable[[], None]"  [call-overload]',
        'Too many arguments for "run"  [call-arg]',
    ]


@needs_mypy
def test_types_bite_on_snake_twins_and_options(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net

        net.create_server(allow_half_open='no')
        net.create_server().listen({'port': 0, 'backlogg': 5})
        net.connect(8124).set_keep_alive(True, 'soon')
    """)
    assert status == 1
    assert errors == [
        'No overload variant matches argument type "str"  [call-overload]',
        'No overload variant of "listen" of "Server" matches argument type "dict[str, int]"  [call-overload]',
        'Argument 2 has incompatible type "str"; expected "float"  [arg-type]',
    ]


@needs_mypy
def test_newer_surface_passes_strict(tmp_path, mypy_cache):
    """BoundSocket, BlockList's batch and CIDR methods, setKeepAlive's
    options form, typeOfService, promises and async for, child_process and
    process, as a user writes them."""
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net
        from pyuvnet import child_process, process, promises

        child = child_process.fork('worker.py', ['--fast'], exec_argv=['-u'], silent=True)
        child.on('exit', lambda code, signal: print(code, signal))
        child.on('message', lambda message: print(message))
        child.on('message', lambda message, handle: print(message, handle))
        child.send({'a': 1}, lambda err: None)
        assert child.exit_code is None and child.kill('SIGTERM') in (True, False)
        child_process.spawn('ls', {'stdio': 'ignore'})
        process.on('disconnect', lambda: None)
        blocked = net.BlockList()
        blocked.add_cidrs(list(net.BlockList.PRIVATE_RANGES))
        print(blocked.size, blocked.to_json())
        sock = net.Socket({'typeOfService': 0x10})
        sock.set_keep_alive({'enable': True, 'initial_delay': 1000, 'count': 3})
        with net.BoundSocket(port=0, host='127.0.0.1') as bound:
            print(bound.address().port, bound.fd())
        net.createServer().listen(net.BoundSocket(port=0))

        async def main() -> None:
            server = await promises.listen(port=0, connection_listener=lambda s: None)
            async for peer in server:
                peer.end()
            sock: net.Socket = await promises.connect(80, 'localhost')
    """)
    assert (status, errors) == (0, [])


@needs_mypy
def test_types_bite_on_child_processes_and_the_newer_surface(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net
        from pyuvnet import child_process, process

        child = child_process.fork('worker.py')
        child_process.fork('worker.py', silent='yes')
        child.on('exit', lambda code: None)
        process.on('message', lambda message, handle, extra: None)
        net.BlockList().addCIDRs('10.0.0.0/8')
        net.connect(80).setTypeOfService('high')
    """)
    assert status == 1
    assert errors == [
        'No overload variant of "fork" matches argument types "str", "str"  [call-overload]',
        'No overload variant of "on" of "ChildProcess" matches argument types "str", "Callable[[Any], None]"  [call-overload]',
        'No overload variant matches argument types "str", "Callable[[Any, Any, Any], None]"  [call-overload]',
        'Argument 1 to "addCIDRs" of "BlockList" has incompatible type "str"; expected "list[str] | tuple[str, ...]"  [arg-type]',
        'Argument 1 to "setTypeOfService" of "Socket" has incompatible type "str"; expected "int"  [arg-type]',
    ]


@needs_mypy
def test_cluster_settings_pass_strict_in_both_spellings(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        from pyuvnet import cluster

        cluster.setupPrimary({'exec': 'worker.py', 'execArgv': ['-u'], 'args': ('--fast',)})
        cluster.setup_primary(exec='worker.py', exec_argv=['-u'], silent=True, cwd='/tmp')
        cluster.setupPrimary(serialization='advanced', stdio=['ignore', 'pipe', 'pipe', 'ipc'])
        script: str = cluster.settings['exec']
        worker = cluster.fork({'PORT': '8000'})
        worker.on('online', lambda: None)
    """)
    assert (status, errors) == (0, [])


@needs_mypy
def test_types_bite_on_misspelt_cluster_settings_and_a_str_for_a_list(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        from pyuvnet import cluster

        cluster.setupPrimary(exce='w.py')
        cluster.setupPrimary({'exce': 'w.py'})
        cluster.setup_primary(args='--fast')
        cluster.setupPrimary({'execArgv': '-u'})
        cluster.fork({'PORT': 8000})
    """)
    assert status == 1
    assert errors == [
        'Unexpected keyword argument "exce" for "setupPrimary"  [call-arg]',
        # A dict literal that is no ClusterSettings (a misspelt key, a str
        # for a list) is inferred as a plain dict, which the union refuses.
        'Argument 1 to "setupPrimary" has incompatible type "dict[str, str]"; expected "ClusterSettings | None"  [arg-type]',
        'Argument "args" has incompatible type "str"; expected "list[str] | tuple[str, ...]"  [arg-type]',
        'Argument 1 to "setupPrimary" has incompatible type "dict[str, str]"; expected "ClusterSettings | None"  [arg-type]',
        'Dict entry 0 has incompatible type "str": "int"; expected "str": "str"  [dict-item]',
    ]


@needs_mypy
def test_a_chunk_listener_may_take_bytes_alone_and_arity_still_bites(tmp_path, mypy_cache):
    """Issue 42: `req.on('data', chunks.append)` with a list[bytes] passes
    (a chunk is bytes, or str after setEncoding(), never both for one
    emitter), an async def listener passes (the asyncio bridge runs it),
    and a listener of the wrong arity is still an error."""
    status, errors = _mypy(tmp_path, mypy_cache, """
        import pyuvnet as net
        from pyuvnet import http

        chunks: list[bytes] = []
        texts: list[str] = []

        async def on_request(req: http.IncomingMessage, res: http.ServerResponse) -> None:
            res.end(b'')

        def on_connection(sock: net.Socket) -> None:
            sock.on('data', chunks.append)
            sock.set_encoding('utf8').on('data', texts.append)

        def on_body(req: http.IncomingMessage) -> None:
            req.on('data', chunks.append)

        def wrong_arity(req: http.IncomingMessage) -> None:
            req.on('data', lambda a, b: None)

        http.createServer(on_request)
        net.createServer(on_connection)
    """)
    assert status == 1
    assert len(errors) == 1 and errors[0].startswith('No overload variant of "on" of '
                                                     '"IncomingMessage" matches'), errors


@needs_mypy
def test_stream_options_and_pipe_pass_strict_as_documented(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        from typing import Callable

        import pyuvnet as net
        from pyuvnet import stream

        def write(self: stream.Writable, chunk: bytes, encoding: str,
                  callback: Callable[..., object]) -> None:
            callback()

        def transform(self: stream.Transform, chunk: bytes, encoding: str,
                      callback: Callable[..., object]) -> None:
            callback(None, chunk.upper())

        sink = stream.Writable(write=write, highWaterMark=4, object_mode=False)
        upper = stream.Transform({'transform': transform}, high_water_mark=10)
        source = stream.Readable.from_([b'a', b'b'])
        source.pipe(upper).pipe(sink).on('finish', lambda: None)
        source.pipe(net.connect(8124, '127.0.0.1'), end=False)
        stream.Duplex(allowHalfOpen=False, read=lambda self, size: None)
    """)
    assert (status, errors) == (0, [])


@needs_mypy
def test_types_bite_on_a_misspelt_stream_option_a_wrong_write_and_a_pipe_to_nothing(
        tmp_path, mypy_cache):
    """The three stream mistakes mypy --strict let through (issue 57)."""
    status, errors = _mypy(tmp_path, mypy_cache, """
        from typing import Callable

        from pyuvnet import stream

        def write(chunk: bytes, callback: Callable[..., object]) -> None:
            callback()

        stream.Transform(highWaterMrak=10)
        stream.Writable(write=write)
        stream.Readable().pipe(42)
    """)
    assert status == 1
    assert errors == [
        'Unexpected keyword argument "highWaterMrak" for "Transform"; did you mean '
        '"highWaterMark"?  [call-arg]',
        'Argument "write" to "Writable" has incompatible type "Callable[[bytes, Callable[..., '
        'object]], None]"; expected "Callable[[Any, Any, str, Callable[..., Any]], object]"  '
        '[arg-type]',
        'Value of type variable "_Dest" of "pipe" of "Readable" cannot be "int"  [type-var]',
    ]


@needs_mypy
def test_dgram_and_dns_pass_strict_with_typed_events_and_keywords(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        from pyuvnet import dgram, dns
        from pyuvnet._uv import RemoteInfo

        sock = dgram.createSocket('udp4')

        def on_message(msg: bytes, rinfo: RemoteInfo) -> None:
            port: int = rinfo.port
            address: str = rinfo.address
            print(msg, port, address)
        sock.on('message', on_message)
        sock.on('listening', lambda: None)
        dns.lookup('localhost', print, family=6)
        dns.Resolver().resolve6('a.test', ttl=True, callback=print)
    """)
    assert (status, errors) == (0, [])


@needs_mypy
def test_types_bite_on_a_misspelt_dgram_event_and_a_wrong_rinfo(tmp_path, mypy_cache):
    status, errors = _mypy(tmp_path, mypy_cache, """
        from pyuvnet import dgram

        sock = dgram.createSocket('udp4')
        sock.on('mesage', lambda msg, rinfo: None)

        def on_message(msg: bytes, rinfo: str) -> None: ...
        sock.on('message', on_message)
    """)
    assert status == 1
    assert errors == [
        'No overload variant of "on" of "Socket" matches argument types "str", "Callable[[Any, Any], None]"  [call-overload]',
        'No overload variant of "on" of "Socket" matches argument types "str", "Callable[[bytes, str], None]"  [call-overload]',
    ]
