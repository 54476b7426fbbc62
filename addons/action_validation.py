"""Checks action-server responses with validators compiled once, one per event type.

Rasa 3.6 checks every custom action's response with `jsonschema.validate`, which first
re-checks Rasa's own (constant) response schema against the JSON Schema 2020-12 meta-schema.
Profiled: 49 ms of CPU per custom action call, more than everything else in a turn together
(docs/nlu-and-performance.md). jsonschema's documentation recommends a validator built once
for repeated validation.

Built once, that validator still tries every event against all 24 event schemas of the
schema's `oneOf` (8% of a turn in the next profile). The alternatives differ by the constant
of the event's `event` field, so at most one can match: an event is valid exactly when it is
valid under the common part and the alternative named by its `event`. Valid responses (every
turn) are checked that way; a response that fails is checked again by the whole schema, so the
error Rasa raises is the one it always raised. Installed in place of
RemoteAction._validate_action_result by rasa_patches.py.
"""

from functools import lru_cache
from itertools import chain
from typing import Any, Dict, Iterator, NamedTuple, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


class Validators(NamedTuple):
    whole: Any  # Rasa's schema as it is
    without_events: Any  # the same, with each event left to the ones below
    by_event: Dict[Text, Any]  # event name -> the common part and its alternative
    any_event: Any  # one event under the whole `oneOf` (an event no alternative names)


@lru_cache(maxsize=1)
def response_validators() -> Validators:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, where jsonschema.validate does it every call
    events = schema["properties"]["events"]
    event_schema = events["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    by_event = {
        alternative["properties"]["event"]["const"]: validator_class(
            {**common, "allOf": [alternative]}
        )
        for alternative in event_schema["oneOf"]
    }
    # the dispatch is only right if every alternative is told apart by its `event` constant
    if len(by_event) != len(event_schema["oneOf"]):
        raise ValueError("Rasa's event schemas are no longer told apart by their `event`")
    without_events = {
        **schema,
        "properties": {**schema["properties"], "events": {**events, "items": {}}},
    }
    return Validators(
        validator_class(schema),
        validator_class(without_events),
        by_event,
        validator_class(event_schema),
    )


def _problems(validators: Validators, result: Any) -> Iterator[Any]:
    problems = validators.without_events.iter_errors(result)
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(events, list):
        return problems  # not a list of events: the schema above says so
    per_event = []
    for event in events:
        name = event.get("event") if isinstance(event, dict) else None
        validator = validators.by_event.get(name) if isinstance(name, str) else None
        per_event.append((validator or validators.any_event).iter_errors(event))
    return chain(problems, *per_event)


def is_valid_action_result(result: Any) -> bool:
    """The same verdict as Rasa's schema, one event schema per event."""
    return next(_problems(response_validators(), result), None) is None


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Same contract as RemoteAction._validate_action_result: True, or ValidationError."""
    if is_valid_action_result(result):
        return True
    error = best_match(response_validators().whole.iter_errors(result))
    if error is None:  # cannot happen while the dispatch above is right; the schema decides
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error
