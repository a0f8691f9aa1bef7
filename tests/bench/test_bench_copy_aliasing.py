"""pyuvnet_copy (pyuvnet/uv/pyuvnet_copy.h), the copy of a read's bytes out
of the loop's buffer, copies every byte and no other at each page offset
between source and destination: memcpy outside the window where AMD's
`rep movsb` stalls, and backward in 64-byte blocks inside it, a path an
ordinary run takes only when malloc happens to land there.  The C program
is the benchmark's (bench/copy_aliasing.c, `make bench-copy` times it);
`--check` is its exhaustive test.  The header is the source tree's, so
this runs with the system suite only (.ci/run, BENCH_TESTS)."""
import subprocess

import pytest

from support import needs_source_tree

needs_source_tree('pyuvnet/uv/pyuvnet_copy.h', 'bench/copy_aliasing.c')
from bench_support import ROOT, build  # noqa: E402


def test_pyuvnet_copy_copies_every_byte_and_no_other_at_every_page_offset():
    try:
        program = build.copy_aliasing(ROOT / 'pyuvnet' / 'uv')
    except build.BuildError as err:
        pytest.fail(str(err))
    result = subprocess.run([str(program), '--check'], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout) == (0, 'ok: 0 failures\n')
