"""Random operation sequences over connected pairs (tests/net/sequences_support.py), in
the suite's budget: 50 sequences of up to 30 steps. `make stress` runs 300
(short) or 10,000 (long)."""
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from sequences_support import ConnectedPair, warm_up_loop
from support import linux_only

SUITE_SETTINGS = settings(
    max_examples=50, stateful_step_count=30, deadline=None, derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@linux_only
def test_random_sequences_keep_bytes_close_once_and_fds():
    warm_up_loop()
    run_state_machine_as_test(ConnectedPair, settings=SUITE_SETTINGS)
