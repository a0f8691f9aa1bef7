"""examples/http_proxy.py: its self-test streams 64 MiB each way through
the proxy (pipe() both ways) and checks the SHA-256 of both, in bounded
memory: the process's peak RSS is its own 64 MiB of test data and little
more (without backpressure the proxy would hold what the slower side has
not taken)."""
import os
import re
import subprocess
import sys

import pyuvnet as net

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, 'examples',
                       'http_proxy.py')


def test_http_proxy_self_test_streams_64_mib_each_way_intact():
    root = os.path.dirname(os.path.dirname(net.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get('PYTHONPATH')])))
    result = subprocess.run([sys.executable, EXAMPLE, '--self-test'], capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'upload   64 MiB  sha256 ok' in result.stdout
    assert 'download 64 MiB  sha256 ok' in result.stdout
    assert 'self-test passed' in result.stdout
    peak = int(re.search(r'peak RSS (\d+) MiB', result.stdout).group(1))
    if 'libasan' not in os.environ.get('LD_PRELOAD', ''):     # ASan's quarantine is not ours
        assert peak < 64 + 48
