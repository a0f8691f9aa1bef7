"""Fill vendor/nghttp2 with nghttp2's pinned C library from PyPI.

    python tools/fetch_nghttp2.py [DEST]

pyuvnet compiles nghttp2's lib/ (the C library only) into pyuvnet._uv.
The pinned release, nghttp2 1.70.0, is taken from the sdist of PyPI's
``ngh2`` 0.3.0, which carries nghttp2 under vendor/nghttp2: the archive is
checked against its SHA-256, ``lib/*.c``, ``lib/*.h``,
``lib/includes/nghttp2/nghttp2.h`` and COPYING are unpacked, nghttp2ver.h
is made from its template, and SHA256SUMS is written (setup.py pins that
file's own digest, NGHTTP2_SHA256SUMS, and checks every file by it).
"""
import hashlib
import io
import os
import re
import sys
import tarfile
import tempfile

from fetch_libuv import ROOT, download_sdist

CARRIER = "ngh2==0.3.0"
CARRIER_SHA256 = "09b995aa65b8a397de652fd7a9b3877d6d1e24c10d2effc36204a3f37aa73440"
CARRIER_PREFIX = "ngh2-0.3.0/vendor/nghttp2/"
WANTED = re.compile(r"lib/[^/]+\.[ch]|lib/includes/nghttp2/nghttp2\.h|COPYING")
TEMPLATE = "lib/includes/nghttp2/nghttp2ver.h.in"


def pinned_release():
    """The release setup.py pins (NGHTTP2_RELEASE)."""
    with open(os.path.join(ROOT, "setup.py")) as f:
        return re.search(r'^NGHTTP2_RELEASE = "([\d.]+)"', f.read(), re.M).group(1)


def version_header(template, release):
    """nghttp2ver.h as nghttp2's build makes it: the version and its number."""
    major, minor, patch = (int(part) for part in release.split("."))
    return (template.replace("@PACKAGE_VERSION@", release)
            .replace("@PACKAGE_VERSION_NUM@", "0x%02x%02x%02x" % (major, minor, patch)))


def unpack(data, dest, release):
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name[len(CARRIER_PREFIX):]
            if not member.name.startswith(CARRIER_PREFIX) or not member.isfile():
                continue
            if WANTED.fullmatch(name):
                files[name] = archive.extractfile(member).read()
            elif name == TEMPLATE:
                files["lib/includes/nghttp2/nghttp2ver.h"] = version_header(
                    archive.extractfile(member).read().decode("utf-8"), release).encode("utf-8")
    for name, content in files.items():
        target = os.path.join(dest, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(content)
    with open(os.path.join(dest, "SHA256SUMS"), "w") as sums:
        for name in sorted(files):
            sums.write("{}  {}\n".format(hashlib.sha256(files[name]).hexdigest(), name))
    return len(files)


def main(argv):
    dest = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, "vendor", "nghttp2"))
    release = pinned_release()
    with tempfile.TemporaryDirectory() as tmp:
        data = download_sdist(tmp, CARRIER, CARRIER_SHA256, "ngh2")
    count = unpack(data, dest, release)
    print("fetch_nghttp2: nghttp2 {}'s lib/ ({} files) from {}'s sdist (SHA-256 checked) "
          "into {}".format(release, count, CARRIER, dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
