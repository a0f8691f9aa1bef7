"""camelCase/snake_case twins and option normalisation (pyuvnet._internal.aliases)."""
import types

import pytest

from pyuvnet._internal import aliases
from pyuvnet._internal.aliases import add_aliases, alias_table, snake_name, twins
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE
from pyuvnet.events import EventEmitter

ALIASES = alias_table()     # every row, each recorded where its target is made


# -- snake_name -----------------------------------------------------------------

@pytest.mark.parametrize('camel, snake', [
    ('isIP', 'is_ip'),
    ('isIPv4', 'is_ipv4'),
    ('isIPv6', 'is_ipv6'),
    ('isBlockList', 'is_block_list'),
    ('hasRef', 'has_ref'),
    ('setNoDelay', 'set_no_delay'),
    ('bytesRead', 'bytes_read'),
    ('ipv6Only', 'ipv6_only'),
    ('getDefaultAutoSelectFamilyAttemptTimeout',
     'get_default_auto_select_family_attempt_timeout'),
    ('keepAliveInitialDelay', 'keep_alive_initial_delay'),
    ('createServer', 'create_server'),
    ('resetAndDestroy', 'reset_and_destroy'),
    ('autoSelectFamilyAttemptedAddresses', 'auto_select_family_attempted_addresses'),
    ('remoteAddress', 'remote_address'),
    ('writableHighWaterMark', 'writable_high_water_mark'),
    ('parseHTTPHeader', 'parse_http_header'),
    ('addCIDR', 'add_cidr'),
    ('addCIDRs', 'add_cidrs'),
    ('getPeerX509Certificate', 'get_peer_x509_certificate'),
    ('fromJSON', 'from_json'),
])
def test_snake_name_splits_at_capitals_keeping_acronyms_whole(camel, snake):
    assert snake_name(camel) == snake


@pytest.mark.parametrize('name', ['listen', 'ref', 'get_loop', 'ipv6', 'PRIVATE_RANGES'])
def test_snake_name_leaves_names_without_capitals_or_lower_case_alone(name):
    assert snake_name(name) == name


# -- the table --------------------------------------------------------------------

def test_alias_table_lists_only_camel_case_names_once_per_target():
    for target, names in ALIASES.items():
        assert len(set(names)) == len(names), target
        for name in names:
            assert snake_name(name) != name, (target, name)


def test_alias_table_snake_twins_are_distinct_per_target():
    for target, names in ALIASES.items():
        twins = [snake_name(n) for n in names]
        assert len(set(twins)) == len(twins), target


def test_alias_table_covers_the_event_emitter_class():
    camel_methods = {name for name in dir(EventEmitter)
                     if not name.startswith('_') and snake_name(name) != name}
    assert camel_methods == set(ALIASES['EventEmitter'])


def test_alias_table_has_the_specs_targets():
    assert {'module', 'EventEmitter', 'Server', 'Socket', 'Timeout', 'BlockList',
            'SocketAddress', 'AbortSignal', 'AbortController'} <= set(ALIASES)
    assert 'createServer' in ALIASES['module'] and 'isIPv6' in ALIASES['module']
    assert 'resetAndDestroy' in ALIASES['Socket'] and 'getConnections' in ALIASES['Server']


# -- add_aliases ----------------------------------------------------------------

def test_add_aliases_on_a_python_subclass_of_the_cython_emitter():
    class Emitter(EventEmitter):
        pass
    add_aliases(Emitter, ALIASES['EventEmitter'])
    for camel in ALIASES['EventEmitter']:
        assert getattr(Emitter, snake_name(camel)) is getattr(Emitter, camel)
    e = Emitter()
    seen = []
    e.add_listener('x', seen.append).prepend_listener('x', seen.append)
    assert e.listener_count('x') == 2
    e.remove_all_listeners('x')
    assert e.event_names() == []


def test_add_aliases_twins_functions_properties_and_static_methods():
    class Base:
        @property
        def bytesRead(self):
            return 42

    class Socket(Base):
        def setNoDelay(self, flag=True):
            return ('nodelay', flag)

        @staticmethod
        def isBlockList(value):
            return value == 'bl'

    add_aliases(Socket, ('bytesRead', 'setNoDelay', 'isBlockList'))
    # A property's twin is a property reading through it, documented as an
    # alias (so that help() gives the contract once).
    assert Socket.bytes_read.fget is Base.bytesRead.fget
    assert Socket.bytes_read.__doc__ == 'Alias of bytesRead.'
    assert Socket.set_no_delay is Socket.setNoDelay
    assert Socket.is_block_list is Socket.isBlockList
    s = Socket()
    assert s.bytes_read == 42
    assert s.set_no_delay(False) == ('nodelay', False)
    assert Socket.is_block_list('bl') is True


def test_add_aliases_on_a_namespace_dict_and_a_module():
    def createServer():
        return 'server'
    namespace = {'createServer': createServer}
    add_aliases(namespace, ('createServer',))
    assert namespace['create_server'] is createServer

    module = types.ModuleType('fake_net')
    module.isIPv4 = lambda s: True
    add_aliases(module, ('isIPv4',))
    assert module.is_ipv4 is module.isIPv4


def test_add_aliases_raises_for_a_missing_name():
    class Socket:
        pass
    with pytest.raises(AttributeError, match='setNoDelay'):
        add_aliases(Socket, ('setNoDelay',))
    with pytest.raises(AttributeError, match='createServer'):
        add_aliases({}, ('createServer',))
    with pytest.raises(AttributeError, match='isIP'):
        add_aliases(types.ModuleType('m'), ('isIP',))


def test_add_aliases_refuses_a_name_without_twin_and_a_conflicting_twin():
    class Socket:
        def pause(self):
            pass

        def setNoDelay(self):
            pass

        def set_no_delay(self):
            pass
    with pytest.raises(ValueError, match='no snake_case twin'):
        add_aliases(Socket, ('pause',))
    with pytest.raises(ValueError, match='set_no_delay'):
        add_aliases(Socket, ('setNoDelay',))


def test_add_aliases_is_idempotent():
    class Emitter(EventEmitter):
        pass
    add_aliases(Emitter, ALIASES['EventEmitter'])
    add_aliases(Emitter, ALIASES['EventEmitter'])
    assert Emitter.remove_listener is Emitter.removeListener


# -- twins, where a class is made ---------------------------------------------

def test_twins_gives_a_class_its_twins_and_its_bases_rows_as_it_is_made(monkeypatch):
    monkeypatch.setattr(aliases, 'ALIASES', dict(ALIASES))

    @twins('setNoDelay', 'bytesRead', bases=('EventEmitter',), row='test.Socket')
    class Socket(EventEmitter):
        bytesRead = property(lambda self: 42)

        def setNoDelay(self, flag=True):
            return flag

    assert Socket.set_no_delay is Socket.setNoDelay and Socket().bytes_read == 42
    assert Socket.add_listener is Socket.addListener      # EventEmitter's row
    assert aliases.ALIASES['test.Socket'] == ('setNoDelay', 'bytesRead')


def test_twins_records_no_row_for_a_class_without_names_or_not_public(monkeypatch):
    monkeypatch.setattr(aliases, 'ALIASES', dict(ALIASES))

    @twins(bases=('EventEmitter',))
    class Emitter(EventEmitter):
        pass

    @twins('wasClean', public=False)
    class CloseEvent:
        wasClean = False

    assert Emitter.remove_listener is Emitter.removeListener and CloseEvent.was_clean is False
    assert aliases.ALIASES == ALIASES


def test_twins_keeps_add_aliases_errors_and_refuses_a_row_given_twice_otherwise(monkeypatch):
    monkeypatch.setattr(aliases, 'ALIASES', dict(ALIASES))
    with pytest.raises(AttributeError, match='setNoDelay'):
        twins('setNoDelay')(type('Socket', (), {}))
    with pytest.raises(ValueError, match='set_no_delay'):
        twins('setNoDelay')(type('Socket', (), {'setNoDelay': len, 'set_no_delay': abs}))
    twins('hasRef', row='test.Timer')(type('Timer', (), {'hasRef': len}))
    twins('hasRef', row='test.Timer')(type('Timer', (), {'hasRef': abs}))    # the same row
    with pytest.raises(ValueError, match='test.Timer'):
        twins('hasRef', 'isRef', row='test.Timer')(type('Timer', (), {'hasRef': len, 'isRef': abs}))


def test_module_twins_puts_twins_in_the_namespace_and_its_all(monkeypatch):
    monkeypatch.setattr(aliases, 'ALIASES', dict(ALIASES))
    namespace = {'__name__': __name__, '__all__': ['createServer'], 'createServer': len}
    aliases.module_twins(namespace, 'test.module', ('createServer',), exported=True)
    assert namespace['create_server'] is len and namespace['__all__'] == ['createServer', 'create_server']
    assert aliases.ALIASES['test.module'] == ('createServer',)


# -- normalize_options ------------------------------------------------------------

SPEC = OptionSpec({
    'allowHalfOpen': 'boolean',
    'port': ('number', 'string'),
    'backlog': 'integer',
    'host': 'string',
    'lookup': 'function',
    'blockList': 'object',
    'keepAliveInitialDelay': 'number',
    'fd': 'any',
})


def test_normalize_options_merges_dict_and_kwargs_into_camel_case_keys():
    result = normalize_options({'port': 80, 'allow_half_open': True},
                               {'keep_alive_initial_delay': 5, 'host': 'h'}, SPEC)
    assert result == {'port': 80, 'allowHalfOpen': True, 'keepAliveInitialDelay': 5,
                      'host': 'h'}
    assert list(result) == ['port', 'allowHalfOpen', 'keepAliveInitialDelay', 'host']


def test_normalize_options_accepts_camel_case_kwargs_and_no_options():
    assert normalize_options(None, {'allowHalfOpen': False}, SPEC) == {'allowHalfOpen': False}
    assert normalize_options(None, {}, SPEC) == {}


def test_normalize_options_returns_a_new_dict():
    options = {'port': 1}
    result = normalize_options(options, {}, SPEC)
    result['host'] = 'x'
    assert options == {'port': 1}


def test_normalize_options_drops_none_values():
    assert normalize_options({'port': None, 'host': 'h'}, {'backlog': None}, SPEC) == {'host': 'h'}
    # None does not count as given, so it does not collide either.
    assert normalize_options({'port': None}, {'port': 8}, SPEC) == {'port': 8}


def test_normalize_options_rejects_unknown_keys_naming_them():
    with pytest.raises(ERR_INVALID_ARG_VALUE) as info:
        normalize_options({'allowHalfopen': True}, {}, SPEC)
    assert str(info.value) == ("The property 'options.allowHalfopen' is not a known option. "
                               'Received True')
    with pytest.raises(ERR_INVALID_ARG_VALUE, match='options.no_such'):
        normalize_options(None, {'no_such': None}, SPEC)
    with pytest.raises(ERR_INVALID_ARG_VALUE):
        normalize_options({1: 'x'}, {}, SPEC)


def test_normalize_options_rejects_a_key_given_twice():
    with pytest.raises(ERR_INVALID_ARG_VALUE, match=r"options.port' is given more than once"):
        normalize_options({'port': 1}, {'port': 2}, SPEC)
    with pytest.raises(ERR_INVALID_ARG_VALUE,
                       match=r"\(as 'allowHalfOpen' and 'allow_half_open'\)"):
        normalize_options(None, {'allowHalfOpen': True, 'allow_half_open': True}, SPEC)
    with pytest.raises(ERR_INVALID_ARG_VALUE):
        normalize_options({'allowHalfOpen': True, 'allow_half_open': False}, {}, SPEC)


def test_normalize_options_rejects_non_mapping_options():
    with pytest.raises(ERR_INVALID_ARG_TYPE) as info:
        normalize_options(5, {}, SPEC)
    assert str(info.value) == ('The "options" argument must be of type object. '
                               'Received type int (5)')
    with pytest.raises(ERR_INVALID_ARG_TYPE, match='"listenOptions" argument'):
        normalize_options('x', {}, SPEC, name='listenOptions')


@pytest.mark.parametrize('key, value, expected', [
    ('allowHalfOpen', 1, 'The "options.allowHalfOpen" property must be of type boolean. '
                         'Received type int (1)'),
    ('port', True, 'The "options.port" property must be one of type number or string. '
                   'Received type bool (True)'),
    ('host', 80, 'The "options.host" property must be of type string. Received type int (80)'),
    ('lookup', 'dns', 'The "options.lookup" property must be of type function. '
                      "Received type str ('dns')"),
    ('blockList', 'x', 'The "options.blockList" property must be of type object. '
                       "Received type str ('x')"),
    ('keep_alive_initial_delay', False, 'The "options.keepAliveInitialDelay" property must be '
                                        'of type number. Received type bool (False)'),
])
def test_normalize_options_checks_types_naming_the_property(key, value, expected):
    with pytest.raises(ERR_INVALID_ARG_TYPE) as info:
        normalize_options({key: value}, {}, SPEC)
    assert str(info.value) == expected


def test_integer_rule_accepts_integral_numbers_and_rejects_fractions_as_out_of_range():
    assert normalize_options(None, {'backlog': 511}, SPEC) == {'backlog': 511}
    assert normalize_options(None, {'backlog': 511.0}, SPEC) == {'backlog': 511.0}
    with pytest.raises(ERR_OUT_OF_RANGE, match='options.backlog'):
        normalize_options(None, {'backlog': 1.5}, SPEC)
    with pytest.raises(ERR_INVALID_ARG_TYPE, match='of type number'):
        normalize_options(None, {'backlog': '511'}, SPEC)


def test_object_and_any_rules():
    marker = object()
    assert normalize_options(None, {'block_list': marker, 'fd': 3}, SPEC) == \
        {'blockList': marker, 'fd': 3}


def test_a_plain_rules_dict_works_as_spec():
    assert normalize_options(None, {'no_delay': True}, {'noDelay': 'boolean'}) == {'noDelay': True}


def test_option_spec_rejects_unknown_rules():
    with pytest.raises(ValueError, match='unknown option rule'):
        OptionSpec({'port': 'int'})
