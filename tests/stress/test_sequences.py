"""Random operation sequences (tests/sequences.py) at stress budget: 300
sequences of up to 50 steps (short), 10,000 (long); PYUVNET_SEQUENCES=N
sets another count."""
import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from sequences import ConnectedPair, warm_up_loop
from stress_support import scaled


def test_random_sequences_at_stress_budget(figures):
    examples = int(os.environ.get('PYUVNET_SEQUENCES') or scaled(300, 10_000))
    warm_up_loop()
    run_state_machine_as_test(ConnectedPair, settings=settings(
        max_examples=examples, stateful_step_count=50, deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck)))
    figures(sequences=examples, max_steps=50)
