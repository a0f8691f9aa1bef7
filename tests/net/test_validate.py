"""Node's argument validators (pyuvnet._internal.validate)."""
import math
from types import SimpleNamespace

import pytest

from pyuvnet.errors import (
    ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT,
)
from pyuvnet._internal.validate import (
                                        MAX_SAFE_INTEGER, is_number, validate_abort_signal, validate_boolean, validate_function,
                                        validate_int32, validate_integer, validate_number, validate_object, validate_one_of,
                                        validate_port, validate_string, validate_uint32,
                                        )


# -- validate_port ------------------------------------------------------------

@pytest.mark.parametrize('port, expected', [
    (0, 0), (80, 80), (65535, 65535), ('80', 80), ('0', 0), ('08080', 8080), (443.0, 443),
    # Node reads strings with JavaScript's Number() (checked against node v20).
    (' 80', 80), ('80 ', 80), ('8e1', 80), ('0x50', 80), ('80.0', 80), ('0b1010000', 80),
])
def test_validate_port_accepts_integral_numbers_and_digit_strings(port, expected):
    result = validate_port(port)
    assert result == expected and type(result) is int


@pytest.mark.parametrize('port', [
    -1, 65536, 1.5, math.nan, math.inf, True, False, None, '', ' ', '-1', '8.5', '0x', '1e',
    '65536', 'Infinity', '+0x50', '١٢', '9' * 5000, [80], b'80',
])
def test_validate_port_rejects_everything_else_with_err_socket_bad_port(port):
    with pytest.raises(ERR_SOCKET_BAD_PORT):
        validate_port(port)


def test_validate_port_message_names_the_value_and_the_bound():
    with pytest.raises(ERR_SOCKET_BAD_PORT) as info:
        validate_port(True, 'options.port')
    assert str(info.value) == ('options.port should be >= 0 and < 65536. '
                               'Received type bool (True).')


def test_validate_port_without_zero():
    assert validate_port(1, allow_zero=False) == 1
    with pytest.raises(ERR_SOCKET_BAD_PORT, match=r'Port should be > 0 and < 65536'):
        validate_port(0, allow_zero=False)
    with pytest.raises(ERR_SOCKET_BAD_PORT):
        validate_port('0', allow_zero=False)


# -- numbers ----------------------------------------------------------------------

def test_is_number_excludes_bool():
    assert is_number(1) and is_number(1.5) and is_number(math.nan)
    assert not is_number(True) and not is_number('1') and not is_number(None)


def test_validate_number_accepts_numbers_and_returns_them():
    assert validate_number(5, 'n') == 5
    assert validate_number(2.5, 'n', 0, 10) == 2.5
    assert math.isnan(validate_number(math.nan, 'n'))  # no bounds: NaN is a number
    assert validate_number(math.inf, 'n', 0) == math.inf


@pytest.mark.parametrize('value', [True, False, '5', None, [5]])
def test_validate_number_rejects_non_numbers_including_bool(value):
    with pytest.raises(ERR_INVALID_ARG_TYPE, match=r'The "delay" argument must be of type number'):
        validate_number(value, 'delay')


@pytest.mark.parametrize('value, lo, hi, text', [
    (-1, 0, None, 'It must be >= 0. Received -1'),
    (11, None, 10, 'It must be <= 10. Received 11'),
    (11, 0, 10, 'It must be >= 0 && <= 10. Received 11'),
    (math.nan, 0, None, 'It must be >= 0. Received nan'),
])
def test_validate_number_out_of_bounds_raises_err_out_of_range(value, lo, hi, text):
    with pytest.raises(ERR_OUT_OF_RANGE) as info:
        validate_number(value, 'n', lo, hi)
    assert str(info.value) == 'The value of "n" is out of range. ' + text


def test_validate_integer_accepts_integral_values_and_returns_ints():
    assert validate_integer(7, 'n') == 7
    result = validate_integer(7.0, 'n')
    assert result == 7 and type(result) is int


@pytest.mark.parametrize('value', [1.5, math.nan, math.inf, -math.inf])
def test_validate_integer_rejects_non_integral_numbers_as_out_of_range(value):
    with pytest.raises(ERR_OUT_OF_RANGE, match='It must be an integer'):
        validate_integer(value, 'n')


def test_validate_integer_defaults_to_the_safe_integer_range():
    assert validate_integer(MAX_SAFE_INTEGER, 'n') == MAX_SAFE_INTEGER
    with pytest.raises(ERR_OUT_OF_RANGE) as info:
        validate_integer(MAX_SAFE_INTEGER + 1, 'n')
    assert str(info.value) == (
        'The value of "n" is out of range. It must be >= -9007199254740991 && '
        '<= 9007199254740991. Received 9_007_199_254_740_992')


def test_validate_integer_rejects_bool():
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        validate_integer(True, 'n')


def test_validate_int32_bounds():
    assert validate_int32(-2 ** 31, 'n') == -2 ** 31
    assert validate_int32(2 ** 31 - 1, 'n') == 2 ** 31 - 1
    with pytest.raises(ERR_OUT_OF_RANGE, match='>= -2147483648 && <= 2147483647'):
        validate_int32(2 ** 31, 'n')
    with pytest.raises(ERR_OUT_OF_RANGE, match='>= 1 && <= 5'):
        validate_int32(0, 'n', 1, 5)


def test_validate_uint32_bounds_and_positive():
    assert validate_uint32(0, 'n') == 0
    assert validate_uint32(2 ** 32 - 1, 'n') == 2 ** 32 - 1
    with pytest.raises(ERR_OUT_OF_RANGE, match='>= 0 && <= 4294967295'):
        validate_uint32(-1, 'n')
    with pytest.raises(ERR_OUT_OF_RANGE, match='>= 1 && <= 4294967295'):
        validate_uint32(0, 'n', positive=True)


# -- other types --------------------------------------------------------------

def test_validate_string():
    assert validate_string('h', 'host') == 'h'
    with pytest.raises(ERR_INVALID_ARG_TYPE) as info:
        validate_string(b'h', 'host')
    assert str(info.value) == ('The "host" argument must be of type string. '
                               "Received type bytes (b'h')")


def test_validate_function():
    assert validate_function(print, 'cb') is print
    with pytest.raises(ERR_INVALID_ARG_TYPE, match='The "cb" argument must be of type function. '
                                                   'Received None'):
        validate_function(None, 'cb')


def test_validate_boolean_rejects_ints():
    assert validate_boolean(False, 'noDelay') is False
    for value in (0, 1, 'true', None):
        with pytest.raises(ERR_INVALID_ARG_TYPE, match='must be of type boolean'):
            validate_boolean(value, 'noDelay')


def test_validate_object_accepts_mappings_only():
    options = {'port': 1}
    assert validate_object(options, 'options') is options
    for value in (None, [], 'x', 5):
        with pytest.raises(ERR_INVALID_ARG_TYPE, match='The "options" argument must be of type object'):
            validate_object(value, 'options')


def test_validate_one_of_accepts_members():
    assert validate_one_of(4, 'family', (0, 4, 6)) == 4
    assert validate_one_of('ipv6', 'family', ('ipv4', 'ipv6')) == 'ipv6'


def test_validate_one_of_rejects_others_with_nodes_message():
    with pytest.raises(ERR_INVALID_ARG_VALUE) as info:
        validate_one_of(5, 'family', (0, 4, 6))
    assert str(info.value) == "The argument 'family' must be one of: 0, 4, 6. Received 5"
    with pytest.raises(ERR_INVALID_ARG_VALUE, match="must be one of: 'ipv4', 'ipv6'. Received 'x'"):
        validate_one_of('x', 'family', ('ipv4', 'ipv6'))


def test_validate_one_of_does_not_equate_bool_with_int():
    with pytest.raises(ERR_INVALID_ARG_VALUE):
        validate_one_of(True, 'flag', (0, 1))
    with pytest.raises(ERR_INVALID_ARG_VALUE):
        validate_one_of(1, 'flag', (True, False))


def test_validate_abort_signal_accepts_none_and_objects_with_aborted():
    assert validate_abort_signal(None, 'signal') is None
    signal = SimpleNamespace(aborted=False)
    assert validate_abort_signal(signal, 'signal') is signal
    with pytest.raises(ERR_INVALID_ARG_TYPE) as info:
        validate_abort_signal('x', 'options.signal')
    assert str(info.value) == ('The "options.signal" property must be an instance of '
                               "AbortSignal. Received type str ('x')")
