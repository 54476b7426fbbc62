"""Event classes looked up by name: Rasa's answers, remembered."""

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from addons import rasa_patches

PATCH = "event classes by name"
STORED_TYPES = sorted(
    {
        cls.type_name
        for cls in all_subclasses(Event)
        if getattr(cls, "type_name", "event") != "event"
    }
)


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


@pytest.mark.parametrize("type_name", STORED_TYPES)
def test_every_event_class_resolves_as_before(type_name):
    rasas_lookup = rasa_patches.original(PATCH)
    assert Event.resolve_by_type(type_name) is rasas_lookup(type_name)
    assert Event.resolve_by_type(type_name) is rasas_lookup(type_name)  # now remembered


def test_known_classes_come_from_memory_not_from_walking_the_subclasses(monkeypatch):
    stored = UserUttered("hello", intent={"name": "greet", "confidence": 1.0}).as_dict()
    assert Event.from_parameters(stored).type_name == "user"  # seen once

    def walk(_cls):
        raise AssertionError("walked Event's subclasses for a name seen before")

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", walk)
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.from_parameters(stored) == UserUttered(
        "hello", intent={"name": "greet", "confidence": 1.0}
    )


def test_unknown_names_behave_as_before():
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


def test_a_default_is_not_remembered_as_the_class_of_a_name():
    assert Event.resolve_by_type("not_yet_an_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("not_yet_an_event")
