"""Looks up Rasa event classes by name through a dictionary.

Rasa 3.6 finds the class of every stored event by walking all subclasses of `Event`, for
every event of a conversation each time the conversation is loaded (profiled: 4 ms of a
turn with short conversations, growing with their length). The classes do not change while
the server runs; names seen once are remembered, anything unknown still goes through Rasa's
own lookup (and its errors). Installed in place of Event.resolve_by_type by rasa_patches.py.
"""

from typing import Callable, Dict, Optional, Text, Type

from rasa.shared.core.events import Event

Lookup = Callable[[Text, Optional[Type[Event]]], Optional[Type[Event]]]


def remembering(rasa_lookup: Lookup) -> Lookup:
    """Rasa's lookup, with the classes it found remembered by name."""
    known: Dict[Text, Type[Event]] = {}

    def resolve_by_type(
        type_name: Text, default: Optional[Type[Event]] = None
    ) -> Optional[Type[Event]]:
        found = known.get(type_name)
        if found is not None:
            return found
        resolved = rasa_lookup(type_name, default)
        # a default is the caller's fallback, not the class of this name: never remembered
        if resolved is not None and resolved is not default and resolved.type_name == type_name:
            known[type_name] = resolved
        return resolved

    return resolve_by_type
