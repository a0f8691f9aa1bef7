"""The dns tests' fixtures: a responder on loopback for the test's zone,
and a way to ask a question and run the loop until it is answered."""
import pytest

from dns_records import MISBEHAVE, ZONE
from dns_support import Responder

from pyuvnet import dns


@pytest.fixture
def responder():
    with Responder(ZONE, MISBEHAVE) as server:
        yield server


@pytest.fixture
def resolver(responder):
    """A Resolver asking only the test's responder (short tries)."""
    made = dns.Resolver({'timeout': 200, 'tries': 2})
    made.setServers([responder.server])
    return made


@pytest.fixture
def ask(run_loop):
    """``ask(resolver, method, *args)`` -> (err, result): one question,
    answered with the loop run to its end."""
    def run(target, method, *args):
        answers = []
        getattr(target, method)(*args, lambda err, *result: answers.append((err,) + result))
        run_loop(10)
        assert len(answers) == 1
        err, *result = answers[0]
        return err, (result[0] if len(result) == 1 else tuple(result))
    return run
