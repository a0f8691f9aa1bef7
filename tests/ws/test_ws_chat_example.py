"""examples/ws_chat.py: its self-test (three clients, one broadcast)."""
import os
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, 'examples', 'ws_chat.py')


def test_ws_chat_self_test_passes():
    result = subprocess.run([sys.executable, EXAMPLE, '--self-test'], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'self-test passed: guest1> hello room' in result.stdout
