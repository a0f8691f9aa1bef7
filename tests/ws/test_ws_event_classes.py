"""ws v8's event classes (lib/event-target.js), ported from its
test/event-target.test.js: Event, CloseEvent, ErrorEvent and MessageEvent
take ``(type, options)``, default their fields as ws does, and expose them
read-only (ws: enumerable, configurable getters without setters; here
properties of the class without a setter)."""
import pytest

from pyuvnet.ws._event_target import CloseEvent, ErrorEvent, Event, MessageEvent

# Each class with the fields it adds, and their defaults (ws's).
FIELDS = {
    Event: {'target': None},
    CloseEvent: {'code': 0, 'reason': '', 'wasClean': False},
    ErrorEvent: {'error': None, 'message': ''},
    MessageEvent: {'data': None},
}
CASES = [(cls, name) for cls, fields in FIELDS.items() for name in fields] + [(Event, 'type')]


@pytest.mark.parametrize('cls', list(FIELDS), ids=lambda cls: cls.__name__)
def test_constructor_takes_a_type(cls):
    assert cls('foo').type == 'foo'


@pytest.mark.parametrize('cls', [CloseEvent, ErrorEvent, MessageEvent],
                         ids=lambda cls: cls.__name__)
def test_inherits_from_event(cls):
    assert issubclass(cls, Event) and isinstance(cls('x'), Event)


@pytest.mark.parametrize('cls,name', CASES, ids=lambda value: getattr(value, '__name__', value))
def test_field_is_a_read_only_property_of_the_class(cls, name):
    descriptor = getattr(cls, name)
    assert isinstance(descriptor, property)
    assert descriptor.fget is not None and descriptor.fset is None
    assert descriptor.__doc__
    event = cls('foo')
    before = getattr(event, name)
    with pytest.raises(AttributeError):
        setattr(event, name, 'changed')
    assert getattr(event, name) == before


@pytest.mark.parametrize('cls,name,default',
                         [(cls, name, default) for cls, fields in FIELDS.items()
                          for name, default in fields.items()],
                         ids=lambda value: getattr(value, '__name__', repr(value)))
def test_field_defaults(cls, name, default):
    value = getattr(cls('foo'), name)
    assert value == default and type(value) is type(default)


def test_close_event_takes_its_options():
    event = CloseEvent('close', {'code': 1000, 'reason': 'foo', 'wasClean': True})
    assert (event.type, event.code, event.reason, event.wasClean) == ('close', 1000, 'foo', True)
    assert event.was_clean is True


def test_error_event_takes_its_options():
    error = RuntimeError('Oops')
    event = ErrorEvent('error', {'error': error, 'message': str(error)})
    assert event.type == 'error' and event.error is error and event.message == 'Oops'


def test_message_event_takes_its_options():
    event = MessageEvent('message', {'data': 'bar'})
    assert (event.type, event.data) == ('message', 'bar')


def test_options_left_out_keep_their_defaults():
    event = CloseEvent('close', {'code': 4000})
    assert (event.code, event.reason, event.wasClean) == (4000, '', False)
    assert ErrorEvent('error', {'message': 'm'}).error is None
