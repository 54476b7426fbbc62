"""Dialogue policy for a conversation that staff are handling.

While the `handoff_active` slot is set, every message the person sends goes to staff
(`action_forward_to_staff`) and the assistant stays quiet — except that an emergency still
gets urgent-help guidance first, then is forwarded (and flagged) too. Otherwise the policy
abstains and the rules decide as usual; so do the external events the staff inbox triggers
(`EXTERNAL_staff_reply`, `EXTERNAL_handoff_ended`), which have rules of their own.

Rules cannot say "whatever the intent"; a policy can, in a dozen lines, and outranks the
RulePolicy (priority 7 > 6) only while a handoff is open.
"""

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

HANDOFF_SLOT = "handoff_active"
FORWARD_ACTION = "action_forward_to_staff"
URGENT_HELP = "utter_urgent_help"
EMERGENCY_INTENT = "emergency"


EXTERNAL_PREFIX = "EXTERNAL_"


def _latest_turn(tracker: DialogueStateTracker) -> Optional[Event]:
    """The newest user message or bot action. A message can follow an action directly (not
    only `action_listen`) when staff events were run from outside the conversation."""
    for event in reversed(tracker.events):
        if isinstance(event, (UserUttered, ActionExecuted)):
            return event
    return None


def next_action_in_handoff(tracker: DialogueStateTracker) -> Optional[Text]:
    """What happens next in a conversation staff are handling; None to let the rules decide."""
    latest = _latest_turn(tracker)
    if isinstance(latest, ActionExecuted) and latest.action_name == FORWARD_ACTION:
        # The turn ends here, also when the action found the handoff already ended (staff
        # closed it while the assistant was not told) and cleared the slot. Left to the rules,
        # that state got `action_default_fallback`, whose revert undid the cleared slot too:
        # every later message was forwarded to the ended handoff again (an integration test,
        # tests/integration/test_handoff_dialogue.py, caught the loop).
        return ACTION_LISTEN_NAME
    if not tracker.get_slot(HANDOFF_SLOT):
        return None
    if isinstance(latest, UserUttered):
        intent = latest.intent_name or ""
        if intent.startswith(EXTERNAL_PREFIX):
            return None  # staff events: the rules run their actions
        return URGENT_HELP if intent == EMERGENCY_INTENT else FORWARD_ACTION
    if isinstance(latest, ActionExecuted) and latest.action_name == URGENT_HELP:
        return FORWARD_ACTION
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class HandoffPolicy(Policy):
    """Routes the person's messages to staff while a handoff is open."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_DATA

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource  # nothing to learn: the behaviour is the specification

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_action_in_handoff(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
