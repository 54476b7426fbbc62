"""The compiled action-response validator: what RemoteAction.run accepts and refuses is
exactly what Rasa's jsonschema check does."""

import asyncio

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.utils.endpoints import EndpointConfig

from addons import action_validation, rasa_patches
from tests.addons.action_server import action_server, run_custom_action

GOOD = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "last_topic", "value": "edss"}],
        "responses": [{"text": "hi", "custom": {"type": "evidence_answer"}}],
    },
    {},
]
BAD = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "slot"}], "responses": []},
    {"events": [], "responses": ["not an object"]},
    [],
]


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


@pytest.fixture
def without_rasas_validation(monkeypatch):
    """Rasa's own check calls jsonschema.validate: made to fail, so only ours can pass."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("Rasa's per-call jsonschema.validate was used")

    monkeypatch.setattr(jsonschema, "validate", refuse)


def call(response):
    async def scenario():
        async with action_server(response) as server:
            return await run_custom_action(EndpointConfig(server.url))

    return asyncio.run(scenario())


def test_remote_actions_are_checked_by_the_compiled_validator(without_rasas_validation):
    events = call(GOOD[1])
    assert isinstance(events[0], BotUttered) and events[0].text == "hi"
    assert events[1] == SlotSet("last_topic", "edss")


@pytest.mark.parametrize("response", BAD[:3])
def test_an_invalid_action_response_still_fails_the_action(without_rasas_validation, response):
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        call(response)


@pytest.mark.parametrize("response", GOOD)
def test_valid_responses_pass_as_with_jsonschema(response):
    jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert RemoteAction("x", None)._validate_action_result(response) is True


@pytest.mark.parametrize("response", BAD)
def test_invalid_responses_fail_as_with_jsonschema(response):
    with pytest.raises(jsonschema.ValidationError) as original:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("x", None)._validate_action_result(response)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def wrong_value_for(spec):
    """A value the property spec refuses (or None when it accepts anything)."""
    allowed = spec.get("type")
    if allowed is None:
        return None
    allowed = {allowed} if isinstance(allowed, str) else set(allowed)
    for candidate, kind in (
        ({"x": 1}, "object"),
        ("text", "string"),
        ([1], "array"),
        (1.5, "number"),
    ):
        if kind not in allowed and not (kind == "number" and "integer" in allowed):
            return candidate
    return None


def event_cases():
    """Every event type Rasa's schema knows, valid and broken one property at a time, plus
    events no alternative names."""
    schema = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]
    for alternative in schema["oneOf"]:
        name = alternative["properties"]["event"]["const"]
        valid = {"event": name, **{field: "x" for field in alternative.get("required", ())}}
        if name == "entities":
            valid["entities"] = []
        yield valid
        for field in alternative.get("required", ()):
            yield {key: value for key, value in valid.items() if key != field}
        properties = {**schema["properties"], **alternative["properties"]}
        for field, spec in properties.items():
            wrong = wrong_value_for(spec)
            if field != "event" and wrong is not None:
                yield {**valid, field: wrong}
    yield from ({"event": "no_such_event"}, {"event": 3}, {}, "not an event", None)


def test_one_schema_per_event_gives_the_whole_schemas_verdict_on_every_event_type():
    schema = RemoteAction.action_response_format_spec()
    whole = jsonschema.validators.validator_for(schema)(schema)
    cases = list(event_cases())
    verdicts = []
    for event in cases:
        for response in ({"events": [event]}, {"events": [event, {"event": "restart"}]}):
            expected = whole.is_valid(response)
            assert action_validation.is_valid_action_result(response) is expected, response
            verdicts.append(expected)
    # the cases try both sides of the verdict, for many event types
    assert verdicts.count(True) >= 24 and verdicts.count(False) >= 24
