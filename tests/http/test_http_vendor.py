"""llhttp's pinned source (vendor/llhttp): setup.py checks every file's
SHA-256 before building or packing an sdist, and MANIFEST.in carries it."""
import hashlib
import os
import re

import pytest

from support import ROOT  # noqa: E402 (the tree the tests sit in)
if not os.path.isdir(os.path.join(ROOT, 'vendor', 'llhttp')):
    # The wheels' tests run from a copy of tests/: no source tree beside it.
    pytest.skip("needs the source tree (vendor/llhttp, setup.py, MANIFEST.in)",
                allow_module_level=True)


def pins():
    with open(os.path.join(ROOT, 'setup.py')) as f:
        text = f.read()
    release = re.search(r'^LLHTTP_RELEASE = "([\d.]+)"', text, re.M).group(1)
    digests = dict(re.findall(r'^\s+"([\w./-]+)": "([0-9a-f]{64})",', text, re.M))
    return release, digests


def test_the_vendored_files_have_the_pinned_digests_and_version():
    release, digests = pins()
    assert set(digests) >= {'include/llhttp.h', 'src/llhttp.c', 'src/api.c', 'src/http.c', 'LICENSE'}
    for name, digest in digests.items():
        with open(os.path.join(ROOT, 'vendor', 'llhttp', name), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name
    with open(os.path.join(ROOT, 'vendor', 'llhttp', 'include', 'llhttp.h')) as f:
        header = f.read()
    found = '.'.join(re.search(r'#define LLHTTP_VERSION_%s (\d+)' % part, header).group(1)
                     for part in ('MAJOR', 'MINOR', 'PATCH'))
    assert found == release


def test_the_sdist_manifest_carries_llhttp():
    with open(os.path.join(ROOT, 'MANIFEST.in')) as f:
        assert re.search(r'^graft vendor/llhttp$', f.read(), re.M)
