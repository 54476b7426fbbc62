"""The compiled action-response validator accepts and refuses exactly what Rasa's does."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import dialogue  # noqa: F401  (installs the validator, as loading the model does)
from dialogue.action_validation import validate_action_result

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


def test_rasa_uses_the_compiled_validator():
    assert RemoteAction._validate_action_result is validate_action_result


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
