"""setup.py's vendored libraries (llhttp, c-ares, nghttp2): their pinned
files checked by SHA-256 and compiled into pyuvnet._uv; setup.py holds
the pins and the releases."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from build_support.libuv import ROOT, fail, optimise_flags, platform_key

VENDOR_LLHTTP = os.path.join(ROOT, "vendor", "llhttp")
VENDOR_CARES = os.path.join(ROOT, "vendor", "c-ares")
VENDOR_NGHTTP2 = os.path.join(ROOT, "vendor", "nghttp2")


def check_pinned_files(library, release, folder, digests):
    """Stops the build unless ``folder`` holds every file of ``digests``
    ({name: SHA-256}) with its digest; the .c files among them."""
    where = os.path.relpath(folder, ROOT)
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
        return os.path.join(ROOT, "vendor", "cares-config", "linux")
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
    if config_dir == os.path.join(ROOT, "vendor", "cares-config", "linux"):
        return []
    libraries = ["ws2_32", "advapi32", "iphlpapi"] if platform_key() == "win" else []
    with open(os.path.join(config_dir, "ares_config.h")) as f:
        if re.search(r"^#define HAVE_LIBRESOLV 1", f.read(), re.MULTILINE):
            libraries.append("resolv")
    return libraries


def compile_llhttp(build, sources):
    """llhttp's object files; -fvisibility=hidden keeps its functions private
    to the module (httptools, say, may load another llhttp)."""
    flags = optimise_flags(build.compiler)
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
    return build.compiler.compile(
        sources, output_dir=build.build_temp,
        include_dirs=[os.path.join(VENDOR_LLHTTP, "include")], extra_postargs=flags)


def compile_cares(build, sources):
    """c-ares's object files, with its own build's defines; hidden, so that
    another c-ares in the process (pycares') is never mixed up with it."""
    flags = optimise_flags(build.compiler)
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
    return build.compiler.compile(
        sources, output_dir=build.build_temp,
        macros=[("HAVE_CONFIG_H", "1"), ("CARES_BUILDING_LIBRARY", None),
                ("CARES_STATICLIB", None)] + CARES_SYSTEM_MACROS.get(platform_key(), []),
        include_dirs=[cares_config_dir(build), os.path.join(VENDOR_CARES, "include"),
                      os.path.join(VENDOR_CARES, "src", "lib"),
                      os.path.join(VENDOR_CARES, "src", "lib", "include")],
        extra_postargs=flags)


def compile_nghttp2(build, sources):
    """nghttp2's object files, a static library inside the module (no
    config.h: the two network headers every POSIX system has; Windows
    byte-swaps by itself); hidden, as llhttp's."""
    flags = optimise_flags(build.compiler)
    macros = [("NGHTTP2_STATICLIB", None)]
    if build.compiler.compiler_type != "msvc":
        flags.append("-fvisibility=hidden")
        macros += [("HAVE_ARPA_INET_H", "1"), ("HAVE_NETINET_IN_H", "1")]
    return build.compiler.compile(
        sources, output_dir=build.build_temp, macros=macros,
        include_dirs=[os.path.join(VENDOR_NGHTTP2, "lib", "includes")], extra_postargs=flags)
