"""Fill vendor/c-ares with c-ares's pinned release, from pycares's sdist.

    python tools/fetch_cares.py [--archive PATH] [DEST]

pyuvnet's resolver (pyuvnet.dns) is c-ares, Node's own, compiled into
pyuvnet._uv from plain files committed under vendor/c-ares. They were taken
with this script from pycares 5.2.1's sdist on PyPI, which carries c-ares
1.34.9 under deps/c-ares: the archive is checked against its SHA-256, and
only what the build reads is unpacked (include/*.h, src/lib's .c and .h
files, the licence, and what c-ares's CMake configure reads: its
CMakeLists.txt files, cmake/, the two config templates and src/lib's
Makefile.inc). Then it applies pyuvnet's patches, vendor/c-ares-patches/*.patch
in their names' order (unified diffs, applied exactly: a hunk whose lines
are not found where it says stops the script), and writes
vendor/c-ares/SHA256SUMS, the digest of every file as patched; setup.py
pins that list's own digest (CARES_SHA256SUMS), so a changed file stops
the build.

The one patch: c-ares 1.34.9 takes an answer only on the socket of the
query's last try; 1.34.6, Node 20's, on any of the channel's sockets; the
patched 1.34.9 on any of its sockets to the server the last try went to
(issue 70; the patch's header says what it keeps and what it gives up).

--archive takes a pycares sdist already downloaded (pip download
--no-deps --no-binary :all: pycares==5.2.1); without it pip fetches it.
DEST defaults to vendor/c-ares and is replaced.
"""
import argparse
import glob
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCHES = os.path.join(ROOT, "vendor", "c-ares-patches")

CARRIER = "pycares==5.2.1"
CARRIER_SHA256 = "3e89edc56a3745046676207958bf3dbf2971c5df0d64de9f7a893eba8bf255b4"
CARRIER_PREFIX = "pycares-5.2.1/deps/c-ares/"
RELEASE = "1.34.9"
# The sources, and the inputs of c-ares's CMake configure: setup.py runs it
# (configure only) on platforms without pinned config headers (macOS,
# Windows) to write their ares_config.h and ares_build.h.
WANTED = re.compile(r"include/[^/]+\.h|src/lib/.*\.[ch]|LICENSE\.md"
                    r"|(docs/|include/|src/|src/lib/|src/tools/)?CMakeLists\.txt"
                    r"|cmake/[^/]+\.cmake|include/ares_build\.h\.cmake"
                    r"|src/lib/ares_config\.h\.cmake|src/lib/Makefile\.inc")


def download_carrier(folder):
    """pycares's sdist (only the sdist has c-ares's source) as bytes."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", "--dest", folder, CARRIER], check=True)
    names = [n for n in os.listdir(folder) if n.endswith(".tar.gz")]
    if len(names) != 1:
        raise SystemExit("fetch_cares: pip left {} in {}, not one sdist".format(names, folder))
    return os.path.join(folder, names[0])


def apply_patch(files, text, patch_name):
    """Applies one unified diff to ``files`` (name -> bytes), in place:
    each hunk's old lines must be exactly where it says (after the shift
    of the hunks before it in the same file)."""
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines):
        if not (lines[at].startswith("--- ") and at + 1 < len(lines)
                and lines[at + 1].startswith("+++ ")):
            at += 1     # the patch's header, or text between files
            continue
        name = lines[at + 1][4:].strip().split("/", 1)[1]
        if name not in files:
            raise SystemExit("fetch_cares: {} patches {}, not in the archive".format(
                patch_name, name))
        target = files[name].decode().splitlines(keepends=True)
        shift = 0
        at += 2
        while at < len(lines) and lines[at].startswith("@@"):
            start = int(re.match(r"@@ -(\d+)", lines[at]).group(1)) - 1 + shift
            old, new = [], []
            at += 1
            while at < len(lines) and lines[at][:1] in (" ", "-", "+"):
                if lines[at][:1] != "+":
                    old.append(lines[at][1:])
                if lines[at][:1] != "-":
                    new.append(lines[at][1:])
                at += 1
            if target[start:start + len(old)] != old:
                raise SystemExit("fetch_cares: {} does not apply to {} at line {}".format(
                    patch_name, name, start + 1))
            target[start:start + len(old)] = new
            shift += len(new) - len(old)
        files[name] = "".join(target).encode()


def unpack(data, dest):
    digest = hashlib.sha256(data).hexdigest()
    if digest != CARRIER_SHA256:
        raise SystemExit("fetch_cares: {}'s sdist has SHA-256 {}, not the pinned {}".format(
            CARRIER, digest, CARRIER_SHA256))
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith(CARRIER_PREFIX):
                continue
            name = member.name[len(CARRIER_PREFIX):]
            if WANTED.fullmatch(name):
                files[name] = archive.extractfile(member).read()
    found = re.search(rb'#define ARES_VERSION_STR\s+"([\d.]+)"',
                      files["include/ares_version.h"]).group(1).decode()
    if found != RELEASE:
        raise SystemExit("fetch_cares: the archive holds c-ares {}, not {}".format(found, RELEASE))
    patches = sorted(glob.glob(os.path.join(PATCHES, "*.patch")))
    for patch in patches:
        with open(patch) as f:
            apply_patch(files, f.read(), os.path.basename(patch))
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    for name, content in files.items():
        path = os.path.join(dest, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
    with open(os.path.join(dest, "SHA256SUMS"), "w") as f:
        f.writelines("{}  {}\n".format(hashlib.sha256(files[name]).hexdigest(), name)
                     for name in sorted(files))
    print("fetch_cares: c-ares {} in {} ({} files, {} patches)".format(
        found, dest, len(files), len(patches)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive")
    parser.add_argument("dest", nargs="?", default=os.path.join(ROOT, "vendor", "c-ares"))
    args = parser.parse_args()
    if args.archive:
        with open(args.archive, "rb") as f:
            unpack(f.read(), args.dest)
        return
    with tempfile.TemporaryDirectory() as folder:
        with open(download_carrier(folder), "rb") as f:
            unpack(f.read(), args.dest)


if __name__ == "__main__":
    main()
