"""Finding the bench/ folder and compiling its C programs."""
import os
import shlex
import shutil
import subprocess
from pathlib import Path

CFLAGS = ('-Wall', '-Wextra', '-O2')


class BuildError(Exception):
    """A C program could not be built; the message says why."""


def bench_dir():
    """The repository's bench/ folder (this package's parent), or
    $PYUVNET_BENCH_DIR: the tests name a copy of it when they run outside
    the checkout."""
    path = Path(os.environ.get('PYUVNET_BENCH_DIR') or Path(__file__).resolve().parents[1])
    if not (path / 'loadgen.c').is_file():
        raise SystemExit(f'bench: no benchmark sources (loadgen.c) at {path}')
    return path


def compiler():
    cc = os.environ.get('CC') or shutil.which('cc') or shutil.which('gcc') or shutil.which('clang')
    if not cc:
        raise BuildError('no C compiler found (install gcc, or set CC)')
    return shlex.split(cc)


def libuv_flags():
    try:
        out = subprocess.run(['pkg-config', '--cflags', '--libs', 'libuv'],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise BuildError('libuv not found by pkg-config (apt-get install libuv1-dev)') from None
    return shlex.split(out)


def build(name, source, flags=()):
    """Compile bench/<source> into bench/.build/<name> unless it is current.

    The binary is rebuilt when the source is newer or the command changed
    (another compiler, other libuv flags).
    """
    src = bench_dir() / source
    out = bench_dir() / '.build' / name
    command = [*compiler(), *CFLAGS, str(src), *flags, '-o']
    recorded = shlex.join(command + [str(out)])
    stamp = out.with_suffix('.cmd')
    if out.exists() and out.stat().st_mtime >= src.stat().st_mtime and \
            stamp.exists() and stamp.read_text() == recorded:
        return out
    out.parent.mkdir(exist_ok=True)
    # Build aside and rename: a concurrent run never sees half a binary.
    tmp = out.with_name(f'{name}.{os.getpid()}.tmp')
    result = subprocess.run(command + [str(tmp)], capture_output=True, text=True)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(f'{recorded} failed:\n{result.stderr.strip()}')
    os.replace(tmp, out)
    stamp.write_text(recorded)
    return out


def loadgen():
    return build('loadgen', 'loadgen.c')


def uv_echo():
    return build('uv_echo', 'uv_echo.c', libuv_flags())


def uv_proxy():
    return build('uv_proxy', 'uv_proxy.c', libuv_flags())
