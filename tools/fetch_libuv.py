"""Fill vendor/libuv with libuv's pinned release when the submodule is empty.

    python tools/fetch_libuv.py [DEST]        (`make libuv` runs it)

vendor/libuv is a git submodule pinned to libuv v1.52.1; where libuv's
repository can be cloned, `git submodule update --init vendor/libuv` is the
way. Where it cannot (only PyPI is reachable), the same release is taken
from uvloop's sdist on PyPI, which carries it under vendor/libuv: the
archive is checked against its SHA-256 and the unpacked source by its
version header. Only what pyuvnet's build reads is unpacked (include/,
src/, CMakeLists.txt and the licences).

DEST defaults to vendor/libuv. A folder that already holds the pinned
release is left as it is; one that holds another libuv is an error.
"""
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# uvloop 0.23.0's sdist vendors libuv v1.52.1, the release pyuvnet pins.
CARRIER = "uvloop==0.23.0"
CARRIER_SHA256 = "28d160f51ab4da3b187063652e643dea6831072add4adc1e6d62afbe73b6be27"
CARRIER_PREFIX = "uvloop-0.23.0/vendor/libuv/"
WANTED = re.compile(r"(include|src)/.*|CMakeLists\.txt|LICENSE.*")


def pinned_release():
    """The release setup.py pins (LIBUV_RELEASE), so that it is named once."""
    with open(os.path.join(ROOT, "setup.py")) as f:
        return re.search(r'^LIBUV_RELEASE = "([\d.]+)"', f.read(), re.M).group(1)


def source_version(path):
    """libuv's version from path/include/uv/version.h, or None."""
    try:
        with open(os.path.join(path, "include", "uv", "version.h")) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    return ".".join(re.search(r"#define UV_VERSION_%s\s+(\d+)" % part, text).group(1)
                    for part in ("MAJOR", "MINOR", "PATCH"))


def download_sdist(folder, requirement, digest, project):
    """A project's sdist from PyPI (not a wheel: only an sdist has the C
    source) as bytes, checked against its pinned SHA-256."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", project, "--dest", folder, requirement], check=True)
    names = [n for n in os.listdir(folder) if n.endswith(".tar.gz")]
    if len(names) != 1:
        raise SystemExit("{}: pip left {} in {}, not one sdist".format(
            os.path.basename(sys.argv[0]), names, folder))
    with open(os.path.join(folder, names[0]), "rb") as f:
        data = f.read()
    found = hashlib.sha256(data).hexdigest()
    if found != digest:
        raise SystemExit("{}: {} has SHA-256 {}, expected {}".format(
            os.path.basename(sys.argv[0]), names[0], found, digest))
    return data


def unpack(data, dest):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name[len(CARRIER_PREFIX):]
            if not member.name.startswith(CARRIER_PREFIX) or not WANTED.fullmatch(name):
                continue
            if not (member.isfile() or member.isdir()) or ".." in name.split("/"):
                continue  # only plain files and folders, inside dest
            target = os.path.join(dest, *name.split("/"))
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.extractfile(member) as src, open(target, "wb") as out:
                out.write(src.read())


def main(argv):
    dest = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, "vendor", "libuv"))
    want = pinned_release()
    have = source_version(dest)
    if have == want:
        print("fetch_libuv: {} already holds libuv {}".format(dest, have))
        return 0
    if have is not None:
        raise SystemExit("fetch_libuv: {} holds libuv {}, not the pinned {}; "
                         "empty it first".format(dest, have, want))
    with tempfile.TemporaryDirectory() as tmp:
        data = download_sdist(tmp, CARRIER, CARRIER_SHA256, "uvloop")
    os.makedirs(dest, exist_ok=True)
    unpack(data, dest)
    got = source_version(dest)
    if got != want:
        raise SystemExit("fetch_libuv: {} unpacked libuv {}, expected {}".format(CARRIER, got, want))
    print("fetch_libuv: libuv {} from {}'s sdist (SHA-256 checked) into {}".format(
        got, CARRIER, dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
