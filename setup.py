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

The libuv choice and the vendored libraries' checks and compilation live
in build_support/ (libuv.py, vendored.py); this file holds the pins and
the build and sdist commands.
"""
import glob
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.sdist import sdist as _sdist
from setuptools.modified import newer_group

HERE = os.path.dirname(os.path.abspath(__file__))
# build_support/ beside this file: PEP 517 builds run setup.py without its
# folder on sys.path.
sys.path.insert(0, HERE)

from build_support.libuv import (  # noqa: E402
    UV_EXT, VENDOR_LIBUV, BundledLibuv, choose_libuv, is_libuv_source, libuv_source_version,
    libuv_sdist_files, optimise_flags, platform_key)
from build_support.vendored import (  # noqa: E402
    VENDOR_CARES, VENDOR_LLHTTP, VENDOR_NGHTTP2, cares_config_dir, cares_libraries,
    check_listed_files, check_pinned_files, compile_cares, compile_llhttp, compile_nghttp2,
    copy_license)

# The libuv release vendor/libuv is pinned to (.gitmodules names its
# commit); every sdist carries exactly this source.
LIBUV_RELEASE = "1.52.1"

# llhttp, Node's HTTP parser, is always compiled into pyuvnet._uv from the
# plain files under vendor/llhttp (taken from httptools 0.9.0's sdist on
# PyPI, which vendors this release). Every build and every sdist checks
# them against these digests, so that the parser that ships is the pinned one.
LLHTTP_RELEASE = "9.4.3"

# c-ares, the resolver of pyuvnet.dns (Node 20's is 1.34.6), as plain files
# under vendor/c-ares taken by tools/fetch_cares.py from pycares 5.2.1's
# sdist: 1.34.9 with one patch (vendor/c-ares-patches/), an answer taken on
# any of the channel's sockets to the server the query was last sent to, as
# 1.34.6 takes it, so that the answer to a first try reaches its query after
# the retry (issue 70, Node 20's own behaviour). This is the SHA-256 of the
# patched files' list of digests, vendor/c-ares/SHA256SUMS.
CARES_RELEASE = "1.34.9"
CARES_SHA256SUMS = "445522f5d17ee5c5cb40991828408f393a69b04448a4748645be86fedabfe30b"

# nghttp2, the HTTP/2 library of pyuvnet.http2 (Node's too), its C library
# only (lib/), as plain files under vendor/nghttp2 taken by
# tools/fetch_nghttp2.py from PyPI's ngh2 0.3.0 sdist; this is the SHA-256 of
# their list of digests, vendor/nghttp2/SHA256SUMS.
NGHTTP2_RELEASE = "1.70.0"
NGHTTP2_SHA256SUMS = "bb0f748798cbaf96d6a9332f5615f77efcc7f9e53e8a5da26f1537d704322186"

# llhttp's files and their digests (LLHTTP_RELEASE above).
LLHTTP_SHA256 = {
    "include/llhttp.h": "5bc82fa51b19aa8bee7d921038393fbfc74e8cc9bae0844c2d82c102fb8cfd68",
    "src/api.c": "0f8590206fe2f264db2825401b5fb856b979ee1363dc88b06f36dc9577afb941",
    "src/http.c": "a1f2b23168f8e9b5bfa464c89027d3ca259fc649ae3d7e72bfff997d1aeb5d72",
    "src/llhttp.c": "391e7c99912abf3b1c9dd8a9c85fdeaac2663e9fa55b6f3871154d16fef8b892",
    "LICENSE": "628168d68bb5a8a17e0bbefb3bd74e326e1edc20583d76f52f457c82c921867d",
    "LICENSE-MIT": "ebca854e0134cd256d673627c20499f42577eb74bacf08b9f25b626a73c91277",
}


def check_llhttp():
    """Stops the build unless vendor/llhttp holds exactly the pinned files."""
    return check_pinned_files("llhttp", LLHTTP_RELEASE, VENDOR_LLHTTP, LLHTTP_SHA256)


def check_cares():
    """Stops the build unless vendor/c-ares holds exactly the pinned files
    (SHA256SUMS, whose own digest is pinned, names each file's); c-ares's
    .c files to compile. python tools/fetch_cares.py restores them."""
    return check_listed_files("c-ares", CARES_RELEASE, VENDOR_CARES, CARES_SHA256SUMS)


def check_nghttp2():
    """Stops the build unless vendor/nghttp2 holds exactly the pinned files
    (as c-ares'); nghttp2's .c files. python tools/fetch_nghttp2.py
    restores them."""
    return check_listed_files("nghttp2", NGHTTP2_RELEASE, VENDOR_NGHTTP2, NGHTTP2_SHA256SUMS)


# Where Cython writes the extensions' C, out of the tree; an sdist carries
# it there too (sdist.make_release_tree).
CYTHON_C = os.path.join("build", "cython")


def keep_current_c(extensions):
    """Marks as new the C under build/cython that this Cython generated
    after the last change to pyuvnet's Cython sources and headers. Cython
    regenerates a C file older than any file it reads, its own .pxd files
    included, and a fresh build environment (pip's, for an sdist or an
    editable install) installs those after the C was made: an sdist's C,
    or the one CI generates once for its three builds, would be made again."""
    from Cython import __version__ as cython_version

    marker = ("/* Generated by Cython %s */" % cython_version).encode()
    newest = max(os.path.getmtime(path) for pattern in ("*.pyx", "*.pxd", "*.pxi", "*.h")
                 for path in glob.glob(os.path.join("pyuvnet", "**", pattern), recursive=True))
    for ext in extensions:
        for source in ext.sources:
            c_file = os.path.join(CYTHON_C, os.path.splitext(source)[0] + ".c")
            try:
                with open(c_file, "rb") as f:
                    current = f.read(len(marker)) == marker and os.path.getmtime(c_file) > newest
            except OSError:
                continue
            if current:
                os.utime(c_file)


class build_ext(_build_ext):
    def finalize_options(self):
        # Cythonize here, not at import, so that metadata compile nothing. A
        # command may be finalized more than once: only .pyx sources are
        # cythonized. Cython regenerates a C file only when it is missing,
        # stale or another Cython's: a build from an sdist compiles the C
        # the sdist carries (keep_current_c).
        from Cython.Build import cythonize

        extensions = self.distribution.ext_modules
        if any(source.endswith(".pyx") for ext in extensions for source in ext.sources):
            keep_current_c(extensions)
            self.distribution.ext_modules = cythonize(
                extensions,
                compiler_directives={"language_level": 3},
                include_path=[HERE],
                build_dir=CYTHON_C,
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
            ext.extra_objects.extend(compile_llhttp(self, check_llhttp()))
            ext.extra_objects.extend(compile_cares(self, check_cares()))
            ext.extra_objects.extend(compile_nghttp2(self, check_nghttp2()))
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
        # The C Cython generated (finalizing build_ext cythonizes), under
        # build/cython as in the tree, which sdist's file list leaves out:
        # a wheel built from the sdist compiles it without cythonizing
        # _uv's 15 MB again (uvloop's sdist carries its C too).
        generated = [source for ext in self.get_finalized_command("build_ext").extensions
                     for source in ext.sources if source.startswith(CYTHON_C + os.sep)]
        super().make_release_tree(base_dir, files + libuv_sdist_files() + generated)


setup(
    ext_modules=[
        # Each extension reads pyuvnet_cpython.h, at the package's root: the
        # one gate for the extensions' use of CPython's internals.
        Extension("pyuvnet.events._emitter", ["pyuvnet/events/_emitter.pyx"], include_dirs=["pyuvnet"],
                  depends=["pyuvnet/pyuvnet_cpython.h"]),
        Extension("pyuvnet._internal.streams._core", ["pyuvnet/_internal/streams/_core.pyx"], include_dirs=["pyuvnet"],
                  depends=glob.glob("pyuvnet/_internal/streams/core/*.pyx") + [
                      "pyuvnet/pyuvnet_cpython.h", "pyuvnet/uv/pyuvnet_bytes_pool.h",
                      "pyuvnet/uv/pyuvnet_copy.h"]),
        Extension(
            UV_EXT,
            ["pyuvnet/_uv.pyx"],
            # The binding's shared C helpers sit at the root of pyuvnet/uv
            # (pyuvnet_compat.h); a wing's own in its room, named from that
            # root ("tls/pyuvnet_openssl.h"). llhttp's header: the HTTP parser
            # binding (uv/http/parser.pyx); c-ares': the resolver (uv/dns/);
            # nghttp2's: the http2 wing (uv/http2/).
            include_dirs=["pyuvnet/uv", "pyuvnet", "vendor/llhttp/include", "vendor/c-ares/include",
                          "vendor/nghttp2/lib/includes"],
            depends=glob.glob("pyuvnet/uv/**/*.h", recursive=True) + [
                "pyuvnet/pyuvnet_cpython.h", "pyuvnet/uv/pyuvnet_bytes_pool.h"] + [
                os.path.join("vendor", "llhttp", name) for name in LLHTTP_SHA256] + [
                os.path.join("vendor", "c-ares", "SHA256SUMS"),
                os.path.join("vendor", "nghttp2", "SHA256SUMS")],
        ),
    ],
    cmdclass={"build_ext": build_ext, "sdist": sdist},
)
