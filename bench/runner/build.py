"""Finding the bench/ folder and compiling its C programs."""
import os
import shlex
import shutil
import subprocess
from pathlib import Path

CFLAGS = ('-Wall', '-Wextra', '-O2')
# The load generator's files (loadgen.h says what each holds).
LOADGEN_SOURCES = ('loadgen.c', 'loadgen_args.c', 'loadgen_conns.c', 'loadgen_http.c',
                   'loadgen_ws.c', 'loadgen_report.c', 'loadgen_usercpu.c')
LOADGEN_HEADERS = ('loadgen.h',)


class BuildError(Exception):
    """A C program could not be built; the message says why."""


def bench_dir():
    """The repository's bench/ folder (this package's parent), or
    $PYUVNET_BENCH_DIR: the tests name a copy of it when they run outside
    the checkout."""
    path = Path(os.environ.get('PYUVNET_BENCH_DIR') or Path(__file__).resolve().parents[1])
    missing = [name for name in LOADGEN_SOURCES + LOADGEN_HEADERS if not (path / name).is_file()]
    if missing:
        raise SystemExit(f'bench: no benchmark sources ({", ".join(missing)}) at {path}')
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


def build(name, sources, flags=(), headers=()):
    """Compile bench/<sources> (one file name, or several) into
    bench/.build/<name> unless it is current.

    The binary is rebuilt when a source or one of the headers they include
    is newer or the command changed (another compiler, other libuv flags).
    """
    if isinstance(sources, str):
        sources = (sources,)
    srcs = [bench_dir() / source for source in sources]
    out = bench_dir() / '.build' / name
    command = [*compiler(), *CFLAGS, *map(str, srcs), *flags, '-o']
    recorded = shlex.join(command + [str(out)])
    stamp = out.with_suffix('.cmd')
    newest = max(path.stat().st_mtime for path in [*srcs, *(bench_dir() / h for h in headers)])
    if out.exists() and out.stat().st_mtime >= newest and \
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
    return build('loadgen', LOADGEN_SOURCES, headers=LOADGEN_HEADERS)


def cpu_sampler():
    """bench/cpu_sampler.c: the load generator's user-CPU clock for wrk's runs."""
    return build('cpu_sampler', ('cpu_sampler.c', 'loadgen_usercpu.c'), headers=LOADGEN_HEADERS)


def copy_aliasing(headers):
    """bench/copy_aliasing.c, with pyuvnet_copy.h from ``headers`` (the
    source tree's pyuvnet/uv)."""
    return build('copy_aliasing', 'copy_aliasing.c', ('-I', str(headers)),
                 (str(headers / 'pyuvnet_copy.h'),))


def uv_echo():
    return build('uv_echo', 'uv_echo.c', libuv_flags())


def uv_proxy():
    return build('uv_proxy', 'uv_proxy.c', libuv_flags())
