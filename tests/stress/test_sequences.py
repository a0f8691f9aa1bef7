"""Random operation sequences (tests/net/sequences_support.py) at stress budget: 300
sequences of up to 50 steps (short), 10,000 (long); PYUVNET_SEQUENCES=N
sets another count.

Hypothesis's own bookkeeping grows with the examples of one run: a single
run of 10,000 was still generating after two hours, at 1.2 GB, where runs
of 250 took 25 s each.  So the sequences go in batches of at most 500, each
a fresh hypothesis run (its own random seed), one after the other."""
import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from sequences_support import ConnectedPair, warm_up_loop
from stress_support import scaled

BATCH = 500


def test_random_sequences_at_stress_budget(figures):
    examples = int(os.environ.get('PYUVNET_SEQUENCES') or scaled(300, 10_000))
    warm_up_loop()
    done = batches = 0
    while done < examples:
        batch = min(BATCH, examples - done)
        run_state_machine_as_test(ConnectedPair, settings=settings(
            max_examples=batch, stateful_step_count=50, deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck)))
        done += batch
        batches += 1
    figures(sequences=done, batches=batches, max_steps=50)
