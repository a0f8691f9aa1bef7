"""Build pyuvnet's two Cython extensions and choose the libuv pyuvnet._uv uses.

docs/BUILDING.md describes the choice; in short:

1. PYUVNET_LIBUV=bundled|system forces one;
2. otherwise libuv's source (PYUVNET_LIBUV_SOURCE, else the vendor/libuv
   submodule when it is checked out) is compiled into pyuvnet._uv;
3. otherwise the system's libuv is linked, found with pkg-config.

The choice is made when the extensions are built, not when this file is
imported, so that the metadata need no libuv at all. An sdist, though,
always carries libuv's pinned source (vendor/libuv): the sdist command
refuses to run without it.

llhttp, Node's HTTP parser, is always compiled into pyuvnet._uv from
vendor/llhttp, whose files every build and sdist checks against the
SHA-256 digests pinned below (LLHTTP_SHA256).

c-ares, Node's DNS resolver, is compiled into pyuvnet._uv the same way from
vendor/c-ares, whose SHA256SUMS list (the digest of every file) is pinned
below (CARES_SHA256SUMS) and checked, with every file it names, by every
build and sdist. nghttp2, Node's HTTP/2 library, likewise from
vendor/nghttp2 (NGHTTP2_SHA256SUMS).
"""
import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.sdist import sdist as _sdist
from setuptools.modified import newer_group

HERE = os.path.dirname(os.path.abspath(__file__))
VENDOR_LIBUV = os.path.join(HERE, "vendor", "libuv")
MIN_LIBUV = "1.44"
UV_EXT = "pyuvnet._uv"

# libuv's source files, as libuv's own CMakeLists.txt lists them. Files were
# renamed across releases (1.45 merged linux-core.c, linux-inotify.c,
# linux-syscalls.c and epoll.c into linux.c and added thread-common.c), so
# every name a supported release uses is listed, and only those present in
# the source folder are compiled.
LIBUV_COMMON = [
    "src/" + name for name in (
        "fs-poll.c", "idna.c", "inet.c", "random.c", "strscpy.c", "strtok.c",
        "thread-common.c", "threadpool.c", "timer.c", "uv-common.c",
        "uv-data-getter-setters.c", "version.c",
    )
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
        # libuv 1.52's; BundledLibuv takes those the source's CMakeLists.txt names.
        [("WIN32_LEAN_AND_MEAN", None), ("_WIN32_WINNT", "0x0A00"),
         ("_CRT_DECLARE_NONSTDC_NAMES", "0")],
        ["psapi", "user32", "advapi32", "iphlpapi", "userenv", "ws2_32",
         "dbghelp", "ole32", "shell32"],
    ),
}

# The licences that cover libuv's compiled code (LICENSE-docs covers its docs).
LIBUV_LICENSES = ["LICENSE", "LICENSE-extra"]

# The libuv release vendor/libuv is pinned to (.gitmodules names its
# commit); every sdist carries exactly this source.
LIBUV_RELEASE = "1.52.1"
IN_CHECKOUT = os.path.exists(os.path.join(HERE, ".git"))

# llhttp, Node's HTTP parser, is always compiled into pyuvnet._uv from the
# plain files under vendor/llhttp (taken from httptools 0.9.0's sdist on
# PyPI, which vendors this release). Every build and every sdist checks
# them against these digests, so that the parser that ships is the pinned one.
VENDOR_LLHTTP = os.path.join(HERE, "vendor", "llhttp")
LLHTTP_RELEASE = "9.4.3"

# c-ares, the resolver of pyuvnet.dns (Node 20's is 1.34.x), as plain files
# under vendor/c-ares taken by tools/fetch_cares.py from pycares 5.2.1's
# sdist; this is the SHA-256 of their list of digests, vendor/c-ares/SHA256SUMS.
VENDOR_CARES = os.path.join(HERE, "vendor", "c-ares")
CARES_RELEASE = "1.34.9"
CARES_SHA256SUMS = "6bf6cd5e98606049e953c7c1f8f6e674b21571faa8d307c2a78cec6f81763be4"

# nghttp2, the HTTP/2 library of pyuvnet.http2 (Node's too), its C library
# only (lib/), as plain files under vendor/nghttp2 taken by
# tools/fetch_nghttp2.py from PyPI's ngh2 0.3.0 sdist; this is the SHA-256 of
# their list of digests, vendor/nghttp2/SHA256SUMS.
VENDOR_NGHTTP2 = os.path.join(HERE, "vendor", "nghttp2")
NGHTTP2_RELEASE = "1.70.0"
NGHTTP2_SHA256SUMS = "bb0f748798cbaf96d6a9332f5615f77efcc7f9e53e8a5da26f1537d704322186"
LLHTTP_SHA256 = {
    "include/llhttp.h": "5bc82fa51b19aa8bee7d921038393fbfc74e8cc9bae0844c2d82c102fb8cfd68",
    "src/api.c": "0f8590206fe2f264db2825401b5fb856b979ee1363dc88b06f36dc9577afb941",
    "src/http.c": "a1f2b23168f8e9b5bfa464c89027d3ca259fc649ae3d7e72bfff997d1aeb5d72",
    "src/llhttp.c": "391e7c99912abf3b1c9dd8a9c85fdeaac2663e9fa55b6f3871154d16fef8b892",
    "LICENSE": "628168d68bb5a8a17e0bbefb3bd74e326e1edc20583d76f52f457c82c921867d",
    "LICENSE-MIT": "ebca854e0134cd256d673627c20499f42577eb74bacf08b9f25b626a73c91277",
}

HOW_TO_GET_LIBUV = """\
Either install libuv's development files (libuv >= {min}) and pkg-config:
    apt-get install libuv1-dev pkg-config     (Debian, Ubuntu)
    dnf install libuv-devel pkgconf           (Fedora)
    brew install libuv pkg-config             (macOS)
or compile libuv into pyuvnet from its source:
{fetch}    or PYUVNET_LIBUV_SOURCE=/path/to/libuv-source (e.g. from `apt-get source libuv1`)
""".format(min=MIN_LIBUV, fetch=(
    # Only a checkout has a submodule to fetch; an sdist carries the source.
    "    git submodule update --init vendor/libuv   (or: make libuv)\n" if IN_CHECKOUT else ""))


def fail(problem, hint=HOW_TO_GET_LIBUV):
    raise SystemExit("pyuvnet: error: {}\n{}".format(problem, hint))


def optimise_flags(compiler):
    """The optimisation flags of every C file pyuvnet compiles: -O2 unless
    the CFLAGS of the environment name a level (the sanitizer build asks for
    -O1, which compiles its _uv a quarter faster), and no debug information
    (Python's CFLAGS carry -g, which makes _uv five times larger and its
    compilation a third slower) unless those CFLAGS ask for it (CFLAGS=-g;
    the sanitizer build does). These come after Python's own flags, so they
    are the ones that hold."""
    if compiler.compiler_type == "msvc":
        return []
    wanted = shlex.split(os.environ.get("CFLAGS", ""))
    level = [flag for flag in wanted if flag.startswith("-O")][-1:] or ["-O2"]
    debug = any(flag.startswith("-g") and flag != "-g0" for flag in wanted)
    return level if debug else level + ["-g0"]


def platform_key():
    if sys.platform.startswith("win"):
        return "win"
    return re.sub(r"\d+$", "", sys.platform)


def is_libuv_source(path):
    return (os.path.isfile(os.path.join(path, "include", "uv.h"))
            and os.path.isdir(os.path.join(path, "src")))


def libuv_source_version(path):
    """"MAJOR.MINOR.PATCH" from a libuv source's include/uv/version.h."""
    with open(os.path.join(path, "include", "uv", "version.h")) as f:
        version_h = f.read()
    return ".".join(
        re.search(r"#define UV_VERSION_%s\s+(\d+)" % part, version_h).group(1)
        for part in ("MAJOR", "MINOR", "PATCH"))


class BundledLibuv:
    """libuv compiled from a source folder and linked statically into _uv."""

    def __init__(self, root):
        key = platform_key()
        if key not in LIBUV_PLATFORMS:
            fail("compiling libuv in is not set up for {}".format(sys.platform),
                 "Use the system's libuv instead: PYUVNET_LIBUV=system\n")
        candidates, self.defines, self.libraries = LIBUV_PLATFORMS[key]
        self.root = root
        if key == "win":
            self.defines = self.windows_defines() or self.defines
        self.sources = [os.path.join(root, name)
                        for name in LIBUV_COMMON + candidates
                        if os.path.isfile(os.path.join(root, name))]
        self.version = libuv_source_version(root)

    def windows_defines(self):
        """The Windows defines of the source's CMakeLists.txt, which change
        between releases (1.44 targets Windows 8, 1.52 Windows 10 and adds
        _CRT_DECLARE_NONSTDC_NAMES=0); [] without that file."""
        cmake = os.path.join(self.root, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            return []
        with open(cmake) as f:
            found = re.search(r"if\(WIN32\)\s*list\(APPEND uv_defines ([^)]*)\)", f.read())
        if not found:
            return []
        return [(name, value or None)
                for name, _, value in (word.partition("=") for word in found.group(1).split())]

    def describe(self):
        return "libuv {} compiled into {} from {}".format(self.version, UV_EXT, self.root)

    def configure(self, ext, build):
        ext.include_dirs.append(os.path.join(self.root, "include"))
        ext.libraries.extend(self.libraries)
        ext.depends.extend(self.sources)
        if build.compiler.compiler_type == "unix" and platform_key() != "darwin":
            # uv.h gives libuv's API default visibility. Export only the
            # module's init function, so that no other libuv in the process
            # (uvloop's, or one loaded with RTLD_GLOBAL) binds to these
            # functions or they to it. (macOS's two-level namespace already
            # keeps them apart.)
            script = os.path.join(build.build_temp, "_uv.map")
            build.mkpath(build.build_temp)
            with open(script, "w") as f:
                f.write("{ global: PyInit_%s; local: *; };\n" % ext.name.rpartition(".")[2])
            ext.extra_link_args.append("-Wl,--version-script=" + script)
        # libuv's MIT licence travels with every copy of its code: into the
        # wheel, beside the module.
        target = os.path.dirname(build.get_ext_fullpath(ext.name))
        build.mkpath(target)
        for name in LIBUV_LICENSES:
            if os.path.isfile(os.path.join(self.root, name)):
                shutil.copyfile(os.path.join(self.root, name),
                                os.path.join(target, "libuv-" + name))

    @staticmethod
    def remove_licenses(ext, build):
        """Drops the licences an earlier bundled build left beside the module."""
        target = os.path.dirname(build.get_ext_fullpath(ext.name))
        for name in LIBUV_LICENSES:
            path = os.path.join(target, "libuv-" + name)
            if os.path.isfile(path):
                os.remove(path)

    def compile(self, build):
        """libuv's object files, compiled with libuv's own defines and flags."""
        flags = optimise_flags(build.compiler)
        if build.compiler.compiler_type != "msvc":
            # -fvisibility=hidden as libuv's own build: its internals stay private.
            flags += ["-fvisibility=hidden", "-fno-strict-aliasing"]
        return build.compiler.compile(
            self.sources,
            output_dir=build.build_temp,
            macros=self.defines,
            include_dirs=[os.path.join(self.root, "include"), os.path.join(self.root, "src")],
            extra_postargs=flags,
        )


class SystemLibuv:
    """The system's shared libuv, located with pkg-config."""

    def __init__(self):
        if shutil.which("pkg-config") is None:
            fail("pkg-config is not installed, so the system's libuv cannot be found")
        if subprocess.call(["pkg-config", "--exists", "libuv"]) != 0:
            fail("pkg-config does not know libuv (its development files are not installed)")
        self.version = self.pkg_config("--modversion")[0]
        if subprocess.call(["pkg-config", "--atleast-version=" + MIN_LIBUV, "libuv"]) != 0:
            fail("the system's libuv is {}; pyuvnet needs {} or newer".format(
                self.version, MIN_LIBUV))
        self.cflags = self.pkg_config("--cflags")
        self.libs = self.pkg_config("--libs")

    @staticmethod
    def pkg_config(option):
        return shlex.split(subprocess.check_output(["pkg-config", option, "libuv"], text=True))

    def describe(self):
        return ("system libuv {} (pkg-config: {}), loaded from this machine when pyuvnet "
                "is imported: the build runs where that libuv is installed (wheels compile "
                "libuv in instead)".format(self.version, " ".join(self.cflags + self.libs)))

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
        fail("PYUVNET_LIBUV is {!r}; it can be 'bundled' or 'system'".format(forced), "")
    source = os.environ.get("PYUVNET_LIBUV_SOURCE", "").strip()
    if source:
        source = os.path.abspath(source)
        if not is_libuv_source(source):
            fail("PYUVNET_LIBUV_SOURCE={} holds no libuv source "
                 "(include/uv.h and src/)".format(source))
    elif is_libuv_source(VENDOR_LIBUV):
        source = VENDOR_LIBUV

    if forced == "system":
        return SystemLibuv()
    if source:
        return BundledLibuv(source)
    if forced == "bundled":
        fail("PYUVNET_LIBUV=bundled, but vendor/libuv is empty (an uninitialised "
             "submodule) and PYUVNET_LIBUV_SOURCE is not set")
    return SystemLibuv()


def check_pinned_files(library, release, folder, digests):
    """Stops the build unless ``folder`` holds every file of ``digests``
    ({name: SHA-256}) with its digest; the .c files among them."""
    where = os.path.relpath(folder, HERE)
    for name, digest in sorted(digests.items()):
        try:
            with open(os.path.join(folder, name), "rb") as f:
                found = hashlib.sha256(f.read()).hexdigest()
        except FileNotFoundError:
            fail("{}/{} is missing ({} {} is part of pyuvnet's source)".format(
                where, name, library, release), "")
        if found != digest:
            fail("{}/{} has SHA-256 {}, not the pinned {} {}'s {}".format(
                where, name, found, library, release, digest), "")
    return [os.path.join(folder, name) for name in sorted(digests) if name.endswith(".c")]


def check_listed_files(library, release, folder, sums_digest):
    """Stops the build unless ``folder``'s SHA256SUMS has the pinned digest
    and every file it names has its own; the .c files among them."""
    check_pinned_files(library, release, folder, {"SHA256SUMS": sums_digest})
    with open(os.path.join(folder, "SHA256SUMS")) as f:
        digests = {name: digest for digest, name in (line.split() for line in f)}
    return check_pinned_files(library, release, folder, digests)


def copy_license(ext, build, source, name):
    """A vendored library's licence travels with its code: beside the module."""
    target = os.path.dirname(build.get_ext_fullpath(ext.name))
    build.mkpath(target)
    shutil.copyfile(source, os.path.join(target, name))


def check_llhttp():
    """Stops the build unless vendor/llhttp holds exactly the pinned files."""
    return check_pinned_files("llhttp", LLHTTP_RELEASE, VENDOR_LLHTTP, LLHTTP_SHA256)


def compile_llhttp(build):
    """llhttp's object files; -fvisibility=hidden keeps its functions private
    to the module (httptools, say, may load another llhttp)."""
    flags = optimise_flags(build.compiler)
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
    return build.compiler.compile(
        check_llhttp(), output_dir=build.build_temp,
        include_dirs=[os.path.join(VENDOR_LLHTTP, "include")], extra_postargs=flags)


def check_cares():
    """Stops the build unless vendor/c-ares holds exactly the pinned files
    (SHA256SUMS, whose own digest is pinned, names each file's); c-ares's
    .c files to compile. python tools/fetch_cares.py restores them."""
    return check_listed_files("c-ares", CARES_RELEASE, VENDOR_CARES, CARES_SHA256SUMS)


# The defines c-ares's CMakeLists.txt gives every file on each system
# (its SYSFLAGS; Linux's as pyuvnet has always compiled it).
CARES_SYSTEM_MACROS = {
    "linux": [("_GNU_SOURCE", None)],
    "darwin": [("_DARWIN_C_SOURCE", None)],
    "win": [("WIN32_LEAN_AND_MEAN", None), ("_CRT_SECURE_NO_DEPRECATE", None),
            ("_CRT_NONSTDC_NO_DEPRECATE", None), ("_WIN32_WINNT", "0x0602")],
}

# Where c-ares's CMake wrote this build's headers (configure_cares), once.
_cares_configured = {}


def cares_config_dir(build):
    """The folder of ares_config.h and ares_build.h for this platform:
    Linux's are pinned (vendor/cares-config/linux); elsewhere, or with
    PYUVNET_CARES_CONFIG=cmake, c-ares's own CMake writes them for this
    system (configure_cares)."""
    if platform_key() == "linux" and os.environ.get("PYUVNET_CARES_CONFIG") != "cmake":
        return os.path.join(HERE, "vendor", "cares-config", "linux")
    if build.build_temp not in _cares_configured:
        _cares_configured[build.build_temp] = configure_cares(build)
    return _cares_configured[build.build_temp]


def configure_cares(build):
    """Runs c-ares's CMake configure (no build: setuptools compiles c-ares
    as on Linux) into build_temp/cares-config, for its probes of this
    system's headers and functions; its folder. CMake targets the compiler
    and macOS release setuptools builds for."""
    out = os.path.join(os.path.abspath(build.build_temp), "cares-config")
    cmake = shutil.which("cmake")
    if cmake is None:
        fail("c-ares's configuration for {} is written by its CMake, and cmake is not "
             "on PATH".format(sys.platform),
             "pip installs it for the build on macOS and Windows (pyproject.toml's "
             "build requirements); elsewhere install CMake 3.5 or newer (pip install "
             "cmake, or the system's package).\n")
    command = [cmake, "-S", VENDOR_CARES, "-B", out, "-DCARES_STATIC=ON", "-DCARES_SHARED=OFF",
               "-DCARES_INSTALL=OFF", "-DCARES_BUILD_TOOLS=OFF", "-DCARES_BUILD_TESTS=OFF",
               "-DCARES_THREADS=ON"]
    if platform_key() == "win" and not os.environ.get("CMAKE_GENERATOR"):
        # Visual Studio's generator, for the interpreter's architecture.
        arch = {"win-amd64": "x64", "win32": "Win32", "win-arm64": "ARM64"}.get(
            sysconfig.get_platform())
        if arch:
            command += ["-A", arch]
    if platform_key() == "darwin":
        target = (os.environ.get("MACOSX_DEPLOYMENT_TARGET")
                  or sysconfig.get_config_var("MACOSX_DEPLOYMENT_TARGET"))
        if target:
            # c-ares's probes refuse functions newer than the target.
            command.append("-DCMAKE_OSX_DEPLOYMENT_TARGET={}".format(target))
        archs = re.findall(r"-arch\s+(\S+)", os.environ.get("ARCHFLAGS", ""))
        if archs:
            command.append("-DCMAKE_OSX_ARCHITECTURES={}".format(";".join(archs)))
    print("pyuvnet: c-ares's configuration by its CMake: " + " ".join(command),
          file=sys.stderr, flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    headers = [os.path.join(out, name) for name in ("ares_config.h", "ares_build.h")]
    if done.returncode != 0 or not all(os.path.isfile(path) for path in headers):
        fail("c-ares's CMake configure failed:\n" + done.stdout[-4000:], "")
    return out


def cares_libraries(config_dir):
    """The system libraries c-ares links on this platform (its CMake's
    CARES_DEPENDENT_LIBS): Windows' sockets, registry and IP helper API;
    libresolv where its probe found it. None with Linux's pinned headers."""
    if config_dir == os.path.join(HERE, "vendor", "cares-config", "linux"):
        return []
    libraries = ["ws2_32", "advapi32", "iphlpapi"] if platform_key() == "win" else []
    with open(os.path.join(config_dir, "ares_config.h")) as f:
        if re.search(r"^#define HAVE_LIBRESOLV 1", f.read(), re.MULTILINE):
            libraries.append("resolv")
    return libraries


def compile_cares(build):
    """c-ares's object files, with its own build's defines; hidden, so that
    another c-ares in the process (pycares') is never mixed up with it."""
    flags = optimise_flags(build.compiler)
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
    return build.compiler.compile(
        check_cares(), output_dir=build.build_temp,
        macros=[("HAVE_CONFIG_H", "1"), ("CARES_BUILDING_LIBRARY", None),
                ("CARES_STATICLIB", None)] + CARES_SYSTEM_MACROS.get(platform_key(), []),
        include_dirs=[cares_config_dir(build), os.path.join(VENDOR_CARES, "include"),
                      os.path.join(VENDOR_CARES, "src", "lib"),
                      os.path.join(VENDOR_CARES, "src", "lib", "include")],
        extra_postargs=flags)


def check_nghttp2():
    """Stops the build unless vendor/nghttp2 holds exactly the pinned files
    (as c-ares'); nghttp2's .c files. python tools/fetch_nghttp2.py
    restores them."""
    return check_listed_files("nghttp2", NGHTTP2_RELEASE, VENDOR_NGHTTP2, NGHTTP2_SHA256SUMS)


def compile_nghttp2(build):
    """nghttp2's object files, a static library inside the module (no
    config.h: the two network headers every POSIX system has; Windows
    byte-swaps by itself); hidden, as llhttp's."""
    flags = optimise_flags(build.compiler)
    macros = [("NGHTTP2_STATICLIB", None)]
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
        macros += [("HAVE_ARPA_INET_H", "1"), ("HAVE_NETINET_IN_H", "1")]
    return build.compiler.compile(
        check_nghttp2(), output_dir=build.build_temp, macros=macros,
        include_dirs=[os.path.join(VENDOR_NGHTTP2, "lib", "includes")], extra_postargs=flags)

class build_ext(_build_ext):
    def finalize_options(self):
        # Cythonize here, not at import, so that sdists and metadata compile
        # nothing. A command may be finalized more than once: only .pyx
        # sources are cythonized. The C goes to build/cython, not the tree.
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

    def build_extensions(self):
        check_llhttp()
        check_cares()
        check_nghttp2()
        self.libuv = choose_libuv()
        print("pyuvnet: using " + self.libuv.describe(), file=sys.stderr, flush=True)
        for ext in self.extensions:
            ext.extra_compile_args.extend(optimise_flags(self.compiler))
            if ext.name == UV_EXT:
                if platform_key() == "win":
                    # uv.h brings winsock2.h, which must not meet all of windows.h.
                    ext.define_macros.append(("WIN32_LEAN_AND_MEAN", None))
                ext.depends.append(self.record_choice())
                BundledLibuv.remove_licenses(ext, self)
                copy_license(ext, self, os.path.join(VENDOR_LLHTTP, "LICENSE"), "llhttp-LICENSE")
                copy_license(ext, self, os.path.join(VENDOR_CARES, "LICENSE.md"),
                             "c-ares-LICENSE.md")
                copy_license(ext, self, os.path.join(VENDOR_NGHTTP2, "COPYING"), "nghttp2-LICENSE")
                ext.include_dirs.append(cares_config_dir(self))
                ext.libraries.extend(cares_libraries(cares_config_dir(self)))
                # c-ares's legacy calls are Node's choice too: no deprecation marks.
                ext.define_macros += [("CARES_STATICLIB", None), ("CARES_NO_DEPRECATED", None),
                                      ("NGHTTP2_STATICLIB", None)]
                self.libuv.configure(ext, self)
        super().build_extensions()

    def record_choice(self):
        """A file that changes when the libuv choice does, so that _uv,
        otherwise up to date, is rebuilt against the newly chosen libuv."""
        path = os.path.join(self.build_temp, "libuv-choice.txt")
        choice = self.libuv.describe() + "\n"
        if os.path.isfile(path):
            with open(path) as f:
                if f.read() == choice:
                    return path
        self.mkpath(self.build_temp)
        with open(path, "w") as f:
            f.write(choice)
        return path

    def build_extension(self, ext):
        # libuv and the vendored libraries are compiled only when _uv is about
        # to be linked again.
        if ext.name == UV_EXT and (self.force or newer_group(
                ext.sources + ext.depends, self.get_ext_fullpath(ext.name), "newer")):
            if isinstance(self.libuv, BundledLibuv):
                ext.extra_objects.extend(self.libuv.compile(self))
            ext.extra_objects.extend(compile_llhttp(self))
            ext.extra_objects.extend(compile_cares(self))
            ext.extra_objects.extend(compile_nghttp2(self))
        super().build_extension(ext)


class sdist(_sdist):
    """An sdist always carries libuv's pinned source, so that it installs
    with only a C compiler and Python's headers."""

    def run(self):
        check_llhttp()
        check_cares()
        check_nghttp2()
        if not is_libuv_source(VENDOR_LIBUV):
            raise SystemExit(
                "pyuvnet: error: an sdist must carry libuv's source and vendor/libuv holds "
                "none (the submodule is not checked out).\nFetch libuv {} first: "
                "git submodule update --init vendor/libuv, or make libuv (which takes the "
                "same release from uvloop's sdist on PyPI).".format(LIBUV_RELEASE))
        found = libuv_source_version(VENDOR_LIBUV)
        if found != LIBUV_RELEASE:
            raise SystemExit(
                "pyuvnet: error: vendor/libuv holds libuv {}, but pyuvnet pins {}; an sdist "
                "carries only the pinned release.".format(found, LIBUV_RELEASE))
        print("pyuvnet: the sdist carries libuv {} from vendor/libuv".format(found),
              file=sys.stderr, flush=True)
        super().run()

    def make_release_tree(self, base_dir, files):
        # libuv's source travels in every sdist (run() checked it is there),
        # and only what the build reads (CMakeLists.txt names the Windows
        # version) with its licences. Not in MANIFEST.in: every build from a
        # checkout without vendor/libuv (pip install -e) reads that file and
        # would warn about each line.
        super().make_release_tree(base_dir, files + libuv_sdist_files())


def libuv_sdist_files():
    """vendor/libuv's files an sdist carries, relative to the checkout."""
    files = []
    for folder in ("include", "src"):
        for root, _dirs, names in os.walk(os.path.join(VENDOR_LIBUV, folder)):
            files += [os.path.relpath(os.path.join(root, name), HERE) for name in names]
    for pattern in ("CMakeLists.txt", "LICENSE*"):
        files += [os.path.relpath(path, HERE) for path in glob.glob(os.path.join(VENDOR_LIBUV, pattern))]
    return sorted(files)


setup(
    ext_modules=[
        Extension("pyuvnet.events._emitter", ["pyuvnet/events/_emitter.pyx"]),
        Extension(
            UV_EXT,
            ["pyuvnet/_uv.pyx"],
            # The binding's shared C helpers sit at the root of pyuvnet/uv
            # (pyuvnet_compat.h); a wing's own in its room, named from that
            # root ("tls/pyuvnet_openssl.h"). llhttp's header: the HTTP parser
            # binding (uv/http/parser.pyx); c-ares': the resolver (uv/dns/);
            # nghttp2's: the http2 wing (uv/http2/).
            include_dirs=["pyuvnet/uv", "vendor/llhttp/include", "vendor/c-ares/include",
                          "vendor/nghttp2/lib/includes"],
            depends=glob.glob("pyuvnet/uv/**/*.h", recursive=True) + [
                os.path.join("vendor", "llhttp", name) for name in LLHTTP_SHA256] + [
                os.path.join("vendor", "c-ares", "SHA256SUMS"),
                os.path.join("vendor", "nghttp2", "SHA256SUMS")],
        ),
    ],
    cmdclass={"build_ext": build_ext, "sdist": sdist},
)
