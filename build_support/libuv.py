"""setup.py's libuv: its source files and defines per system, and the
choice between compiling a libuv source into pyuvnet._uv (BundledLibuv)
and linking the system's (SystemLibuv), as docs/BUILDING.md describes."""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENDOR_LIBUV = os.path.join(ROOT, "vendor", "libuv")
MIN_LIBUV = "1.44"
UV_EXT = "pyuvnet._uv"
IN_CHECKOUT = os.path.exists(os.path.join(ROOT, ".git"))

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


def libuv_sdist_files():
    """vendor/libuv's files an sdist carries, relative to the checkout."""
    files = []
    for folder in ("include", "src"):
        for root, _dirs, names in os.walk(os.path.join(VENDOR_LIBUV, folder)):
            files += [os.path.relpath(os.path.join(root, name), ROOT) for name in names]
    for pattern in ("CMakeLists.txt", "LICENSE*"):
        files += [os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(VENDOR_LIBUV, pattern))]
    return sorted(files)

