"""Event classes looked up by name: the same answers as Rasa's own lookup."""

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

import dialogue  # noqa: F401  (installs the lookup, as loading the model does)
from dialogue.event_types import _rasa_resolve_by_type, resolve_by_type


def test_rasa_uses_the_lookup():
    assert Event.resolve_by_type is resolve_by_type


STORED_TYPES = sorted(
    {
        cls.type_name
        for cls in all_subclasses(Event)
        if getattr(cls, "type_name", "event") != "event"
    }
)


@pytest.mark.parametrize("type_name", STORED_TYPES)
def test_every_event_class_resolves_as_before(type_name):
    assert resolve_by_type(type_name) is _rasa_resolve_by_type(type_name)
    assert resolve_by_type(type_name) is _rasa_resolve_by_type(type_name)  # now remembered


def test_unknown_names_behave_as_before():
    with pytest.raises(ValueError):
        resolve_by_type("no_such_event")
    assert resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert resolve_by_type("topic") is None


def test_events_round_trip():
    event = UserUttered("hello", intent={"name": "greet", "confidence": 1.0})
    assert Event.from_parameters(event.as_dict()) == event
