"""Looks up Rasa event classes by name through a dictionary.

Rasa 3.6 finds the class of every stored event by walking all subclasses of `Event`, for
every event of a conversation each time the conversation is loaded (profiled: 4 ms of a
turn with short conversations, growing with their length). The classes do not change while
the server runs; names seen once are remembered, anything unknown still goes through Rasa's
own lookup (and its errors).
"""

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_known: Dict[Text, Type[Event]] = {}


def resolve_by_type(
    type_name: Text, default: Optional[Type[Event]] = None
) -> Optional[Type[Event]]:
    found = _known.get(type_name)
    if found is not None:
        return found
    resolved = _rasa_resolve_by_type(type_name, default)
    if resolved is not None and resolved is not default and resolved.type_name == type_name:
        _known[type_name] = resolved
    return resolved


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
