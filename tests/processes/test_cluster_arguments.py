"""cluster.setupPrimary() and cluster.fork() with bad arguments (issue 22,
item 7): Node's error code at once, the settings left as they were.

Node 20 spreads whatever setupPrimary gets into cluster.settings and
fails at cluster.fork(), in child_process.fork (args 'abc':
ERR_INVALID_ARG_TYPE, 'The "args" argument must be an instance of
Array'); pyuvnet raises the same code at setupPrimary, where the mistake
is.  setupPrimary('x') and cluster.fork('x') spread a string's
characters in Node, silently; here they are ERR_INVALID_ARG_TYPE, as an
options object of the wrong type is everywhere else.  Before: ValueError
or TypeError without a code, and args='abc' ran the worker with the
arguments 'a', 'b', 'c'.
"""
import pytest

from pyuvnet import cluster, errors

BAD_SETTINGS = [
    ('x', errors.ERR_INVALID_ARG_TYPE, 'The "settings" argument must be of type object.'),
    (5, errors.ERR_INVALID_ARG_TYPE, 'The "settings" argument must be of type object.'),
    ({'args': 'abc'}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.args" property must be an instance of Array.'),
    ({'args': 5}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.args" property must be an instance of Array.'),
    ({'args': ['a', 5]}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.args[1]" property must be of type string.'),
    ({'execArgv': 5}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.execArgv" property must be an instance of Array.'),
    ({'exec_argv': 'abc'}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.execArgv" property must be an instance of Array.'),
    ({'args': ['a\0b']}, errors.ERR_INVALID_ARG_VALUE,
     "The property 'settings.args[0]' must be a string without null bytes."),
    ({'exec': 5}, errors.ERR_INVALID_ARG_TYPE, 'The "settings.exec" property must be of type string.'),
    ({'silent': 'yes'}, errors.ERR_INVALID_ARG_TYPE,
     'The "settings.silent" property must be of type boolean.'),
    ({'serialization': 'xml'}, errors.ERR_INVALID_ARG_VALUE,
     "The property 'settings.serialization' must be one of: undefined, 'json', 'advanced'."),
]


@pytest.mark.parametrize('settings, error, message', BAD_SETTINGS)
def test_setup_primary_with_a_bad_setting_raises_nodes_code_and_changes_nothing(settings, error, message):
    before = dict(cluster.settings)
    with pytest.raises(error) as info:
        cluster.setupPrimary(settings)
    assert str(info.value).startswith(message)
    assert cluster.settings == before


def test_setup_primary_keywords_are_checked_too():
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        cluster.setupPrimary(args='abc')


@pytest.mark.parametrize('env', ['x', 5, ['A=1']])
def test_cluster_fork_with_an_env_that_is_no_mapping_is_err_invalid_arg_type(env):
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        cluster.fork(env)
    assert str(info.value).startswith('The "env" argument must be of type object.')


def test_cluster_fork_with_a_nul_in_env_is_err_invalid_arg_value():
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE) as info:
        cluster.fork({'A': 'x\0y'})
    assert str(info.value) == (
        "The property 'options.env['A']' must be a string without null bytes. Received 'x\\x00y'")


def test_a_setting_holding_an_int_too_long_to_print_is_still_nodes_code():
    """Found by the stress fuzz: the error's own message raised ValueError."""
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        cluster.setupPrimary({'serialization': [10 ** 5000]})
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        cluster.setupPrimary({'args': 10 ** 5000})
