"""Build pyuvnet's two Cython extensions and choose the libuv that pyuvnet._uv uses.

docs/BUILDING.md describes the choice; in short:

1. PYUVNET_LIBUV=bundled|system forces one;
2. otherwise libuv's source (PYUVNET_LIBUV_SOURCE, else the vendor/libuv
   submodule when it is populated) is compiled into pyuvnet._uv;
3. otherwise the system's libuv is linked, found with pkg-config.

The choice is made when the extensions are built, not when this file is
imported, so making an sdist needs no libuv at all.
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext as _build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR_LIBUV = os.path.join(HERE, "vendor", "libuv")
MIN_LIBUV = "1.44"

# libuv's source files, as libuv's own CMakeLists.txt lists them. Files were
# renamed across releases (1.45 merged linux-core.c, linux-inotify.c,
# linux-syscalls.c and epoll.c into linux.c; later releases added
# thread-common.c), so every name any supported release uses is listed and
# only those present in the source folder are compiled.
LIBUV_COMMON = [
    "src/fs-poll.c", "src/idna.c", "src/inet.c", "src/random.c",
    "src/strscpy.c", "src/strtok.c", "src/thread-common.c",
    "src/threadpool.c", "src/timer.c", "src/uv-common.c",
    "src/uv-data-getter-setters.c", "src/version.c",
]
LIBUV_UNIX = [
    "src/unix/" + name for name in (
        "async.c", "core.c", "dl.c", "fs.c", "getaddrinfo.c",
        "getnameinfo.c", "loop-watcher.c", "loop.c", "pipe.c", "poll.c",
        "process.c", "random-devurandom.c", "signal.c", "stream.c", "tcp.c",
        "thread.c", "tty.c", "udp.c",
    )
]
LIBUV_UNIX_DEFINES = [("_FILE_OFFSET_BITS", "64"), ("_LARGEFILE_SOURCE", None)]

# sys.platform without its version digits -> (sources, defines, libraries).
LIBUV_PLATFORMS = {
    "linux": (
        LIBUV_UNIX + ["src/unix/" + name for name in (
            "proctitle.c", "linux.c", "linux-core.c", "linux-inotify.c",
            "linux-syscalls.c", "epoll.c", "procfs-exepath.c",
            "random-getrandom.c", "random-sysctl-linux.c",
        )],
        LIBUV_UNIX_DEFINES + [("_GNU_SOURCE", None), ("_POSIX_C_SOURCE", "200112")],
        ["pthread", "dl", "rt"],
    ),
    "darwin": (
        LIBUV_UNIX + ["src/unix/" + name for name in (
            "proctitle.c", "bsd-ifaddrs.c", "kqueue.c", "random-getentropy.c",
            "darwin-proctitle.c", "darwin.c", "fsevents.c",
        )],
        LIBUV_UNIX_DEFINES + [("_DARWIN_UNLIMITED_SELECT", "1"),
                              ("_DARWIN_USE_64_BIT_INODE", "1")],
        ["pthread"],
    ),
    "freebsd": (
        LIBUV_UNIX + ["src/unix/" + name for name in (
            "freebsd.c", "posix-hrtime.c", "bsd-proctitle.c", "bsd-ifaddrs.c",
            "kqueue.c", "random-getrandom.c",
        )],
        LIBUV_UNIX_DEFINES,
        ["pthread"],
    ),
    "openbsd": (
        LIBUV_UNIX + ["src/unix/" + name for name in (
            "posix-hrtime.c", "bsd-proctitle.c", "bsd-ifaddrs.c", "kqueue.c",
            "random-getentropy.c", "openbsd.c",
        )],
        LIBUV_UNIX_DEFINES,
        ["pthread"],
    ),
    "netbsd": (
        LIBUV_UNIX + ["src/unix/" + name for name in (
            "posix-hrtime.c", "bsd-proctitle.c", "bsd-ifaddrs.c", "kqueue.c",
            "netbsd.c",
        )],
        LIBUV_UNIX_DEFINES,
        ["pthread", "kvm"],
    ),
    "win": (
        ["src/win/" + name for name in (
            "async.c", "core.c", "detect-wakeup.c", "dl.c", "error.c", "fs.c",
            "fs-event.c", "getaddrinfo.c", "getnameinfo.c", "handle.c",
            "loop-watcher.c", "pipe.c", "thread.c", "poll.c", "process.c",
            "process-stdio.c", "signal.c", "snprintf.c", "stream.c", "tcp.c",
            "tty.c", "udp.c", "util.c", "winapi.c", "winsock.c",
        )],
        [("WIN32_LEAN_AND_MEAN", None), ("_WIN32_WINNT", "0x0602"),
         ("_CRT_DECLARE_NONSTDC_NAMES", "0")],
        ["psapi", "user32", "advapi32", "iphlpapi", "userenv", "ws2_32",
         "dbghelp", "ole32", "shell32"],
    ),
}

HOW_TO_GET_LIBUV = """\
Either install libuv's development files (libuv >= {min}) with pkg-config:
    apt-get install libuv1-dev pkg-config     (Debian, Ubuntu)
    dnf install libuv-devel pkgconf           (Fedora)
    brew install libuv pkg-config             (macOS)
or compile libuv into pyuvnet from its source:
    git submodule update --init vendor/libuv
    (or PYUVNET_LIBUV_SOURCE=/path/to/libuv-source, e.g. `apt-get source libuv1`)
""".format(min=MIN_LIBUV)


class LibuvNotFound(SystemExit):
    """Stops the build with a message naming the ways to provide libuv."""

    def __init__(self, problem):
        super().__init__("pyuvnet: error: {}\n{}".format(problem, HOW_TO_GET_LIBUV))


def is_libuv_source(path):
    return (os.path.isfile(os.path.join(path, "include", "uv.h"))
            and os.path.isdir(os.path.join(path, "src")))


def source_version(path):
    with open(os.path.join(path, "include", "uv", "version.h")) as f:
        text = f.read()
    parts = [re.search(r"#define UV_VERSION_%s\s+(\d+)" % part, text).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def platform_key():
    if sys.platform.startswith("win"):
        return "win"
    return re.sub(r"\d+$", "", sys.platform)


class BundledLibuv:
    """libuv compiled from a source folder and linked statically into _uv."""

    def __init__(self, root):
        key = platform_key()
        if key not in LIBUV_PLATFORMS:
            raise LibuvNotFound(
                "compiling libuv in is not set up for {}; use the system's "
                "libuv (PYUVNET_LIBUV=system)".format(sys.platform))
        candidates, self.defines, self.libraries = LIBUV_PLATFORMS[key]
        self.root = root
        self.version = source_version(root)
        self.sources = [os.path.join(root, name)
                        for name in LIBUV_COMMON + candidates
                        if os.path.isfile(os.path.join(root, name))]

    def describe(self):
        return "libuv {} compiled into pyuvnet._uv from {}".format(self.version, self.root)

    def configure(self, ext, build):
        objects = build.compiler.compile(
            self.sources,
            output_dir=build.build_temp,
            macros=self.defines,
            include_dirs=[os.path.join(self.root, "include"), os.path.join(self.root, "src")],
            extra_postargs=build.libuv_cflags(),
        )
        ext.include_dirs.append(os.path.join(self.root, "include"))
        ext.extra_objects.extend(objects)
        ext.libraries.extend(self.libraries)


class SystemLibuv:
    """The system's shared libuv, located with pkg-config."""

    def __init__(self):
        if shutil.which("pkg-config") is None:
            raise LibuvNotFound("pkg-config is not installed, so the system's libuv cannot be found")
        if subprocess.call(["pkg-config", "--exists", "libuv"]) != 0:
            raise LibuvNotFound("pkg-config does not know libuv (its development package is not installed)")
        self.version = self.pkg_config("--modversion")[0]
        if subprocess.call(["pkg-config", "--atleast-version=" + MIN_LIBUV, "libuv"]) != 0:
            raise LibuvNotFound("the system's libuv is {}; pyuvnet needs {} or newer".format(
                self.version, MIN_LIBUV))
        self.cflags = self.pkg_config("--cflags")
        self.libs = self.pkg_config("--libs")

    @staticmethod
    def pkg_config(option):
        return shlex.split(subprocess.check_output(["pkg-config", option, "libuv"], text=True))

    def describe(self):
        return "system libuv {} via pkg-config ({})".format(
            self.version, " ".join(self.cflags + self.libs))

    def configure(self, ext, build):
        for flag in self.cflags:
            if flag.startswith("-I"):
                ext.include_dirs.append(flag[2:])
            elif flag.startswith("-D"):
                name, _, value = flag[2:].partition("=")
                ext.define_macros.append((name, value or None))
            else:
                ext.extra_compile_args.append(flag)
        for flag in self.libs:
            if flag.startswith("-L"):
                ext.library_dirs.append(flag[2:])
                # A libuv outside the loader's search path (a custom prefix)
                # must still be found when pyuvnet is imported.
                if platform_key() not in ("win", "darwin"):
                    ext.runtime_library_dirs.append(flag[2:])
            elif flag.startswith("-l"):
                ext.libraries.append(flag[2:])
            else:
                ext.extra_link_args.append(flag)


def choose_libuv():
    forced = os.environ.get("PYUVNET_LIBUV", "").strip().lower()
    if forced not in ("", "bundled", "system"):
        raise SystemExit("pyuvnet: error: PYUVNET_LIBUV must be 'bundled' or 'system', not {!r}"
                         .format(forced))
    source = os.environ.get("PYUVNET_LIBUV_SOURCE", "").strip()
    if source:
        source = os.path.abspath(source)
        if not is_libuv_source(source):
            raise LibuvNotFound("PYUVNET_LIBUV_SOURCE={} holds no libuv source "
                                "(include/uv.h and src/)".format(source))
    elif is_libuv_source(VENDOR_LIBUV):
        source = VENDOR_LIBUV

    if forced == "system":
        return SystemLibuv()
    if source:
        return BundledLibuv(source)
    if forced == "bundled":
        raise LibuvNotFound("PYUVNET_LIBUV=bundled, but vendor/libuv is empty "
                            "and PYUVNET_LIBUV_SOURCE is not set")
    return SystemLibuv()


class build_ext(_build_ext):
    def finalize_options(self):
        # Cythonize here rather than at import so that sdists and metadata
        # need no compiling. The C goes to build/cython, not beside the .pyx.
        # A command can be finalized more than once; cythonize only the .pyx.
        from Cython.Build import cythonize

        extensions = self.distribution.ext_modules
        if any(source.endswith(".pyx") for ext in extensions for source in ext.sources):
            self.distribution.ext_modules = cythonize(
                extensions,
                compiler_directives={"language_level": 3},
                include_path=[HERE],
                build_dir=os.path.join("build", "cython"),
            )
        super().finalize_options()

    def libuv_cflags(self):
        if self.compiler.compiler_type == "msvc":
            return []
        # As libuv's own build: its symbols stay private to pyuvnet._uv, so
        # another libuv in the process (uvloop's) cannot collide with it.
        return ["-O2", "-fvisibility=hidden", "-fno-strict-aliasing"]

    def build_extensions(self):
        libuv = choose_libuv()
        print("pyuvnet: using " + libuv.describe(), file=sys.stderr, flush=True)
        for ext in self.extensions:
            if self.compiler.compiler_type != "msvc":
                ext.extra_compile_args.append("-O2")
            if ext.name == "pyuvnet._uv":
                if platform_key() == "win":
                    # uv.h pulls in winsock2.h, which must not meet the full windows.h.
                    ext.define_macros.append(("WIN32_LEAN_AND_MEAN", None))
                libuv.configure(ext, self)
        super().build_extensions()


setup(
    ext_modules=[
        Extension("pyuvnet.events", ["pyuvnet/events.pyx"]),
        Extension(
            "pyuvnet._uv",
            ["pyuvnet/_uv.pyx"],
            # The binding's own C helpers live beside its .pyx files.
            include_dirs=["pyuvnet/uv"],
            depends=glob.glob("pyuvnet/uv/*.h"),
        ),
    ],
    cmdclass={"build_ext": build_ext},
)
