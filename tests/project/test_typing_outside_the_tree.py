"""mypy finds pyuvnet from a folder outside the repository (issue 42):
the editable install of `make develop` is a path entry (a .pth file with
the tree's path), which type checkers follow; setuptools' default import
hook left them with `Cannot find implementation or library stub`."""
import os
import subprocess
import sys
import textwrap

import pytest

import pyuvnet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if not os.path.isfile(os.path.join(ROOT, 'pyuvnet', '__init__.pyi')):
    pytest.skip('needs the source tree (an editable install of it)', allow_module_level=True)
if os.path.dirname(os.path.dirname(os.path.abspath(pyuvnet.__file__))) != ROOT:
    pytest.skip('pyuvnet is not installed from this tree', allow_module_level=True)
if subprocess.run([sys.executable, '-c', 'import mypy'], capture_output=True).returncode:
    pytest.skip('mypy is in the test extra', allow_module_level=True)


def test_mypy_run_elsewhere_finds_pyuvnet_and_its_types(tmp_path):
    program = tmp_path / 'app.py'
    program.write_text(textwrap.dedent('''\
        import pyuvnet as net
        from pyuvnet import http

        chunks: list[bytes] = []

        def on_request(req: http.IncomingMessage, res: http.ServerResponse) -> None:
            req.on('data', chunks.append)
            req.on('end', lambda: res.end(b''.join(chunks)))

        http.createServer(on_request).listen(0)
        net.run('now')
    '''))
    environ = dict(os.environ, MYPYPATH='')
    environ.pop('PYTHONPATH', None)
    done = subprocess.run([sys.executable, '-m', 'mypy', '--strict', '--no-error-summary',
                           '--cache-dir', str(tmp_path / 'cache'), 'app.py'],
                          cwd=str(tmp_path), capture_output=True, text=True, env=environ,
                          timeout=300)
    # Found, and typed: the one error is the deliberate bad argument.
    assert 'Cannot find implementation' not in done.stdout, done.stdout
    assert done.stdout.count(': error: ') == 1, done.stdout
    assert 'Too many arguments for "run"' in done.stdout
