"""Sends the action server the events of the current message, not the whole conversation.

Rasa 3.6 sends every custom action call the conversation's full event list, each person's
message with its full NLU output. By the tenth message that is tens of kilobytes to encode,
send and decode for every answer (json.dumps of the request: 7% of the Rasa server's event
loop under the benchmark's load). The actions read the slots, the latest message and what
happened since it (rasa-sdk's `slots_to_validate` and latest input channel look no further
back than the latest message; tests/addons/test_action_request.py checks the actions' use of
the tracker). Everything else in the request is Rasa's: the same tracker state, slots, latest
message and domain rules; only `events` starts at the latest message of the person (or is
whole when there is none). Installed in place of RemoteAction._action_call_format by
rasa_patches.py.
"""

import itertools
from typing import Any, Callable, Dict, List, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


def events_since_latest_message(tracker: DialogueStateTracker) -> List[Dict[Text, Any]]:
    events = tracker.events
    start = 0
    for position in range(len(events) - 1, -1, -1):
        if isinstance(events[position], UserUttered):
            start = position
            break
    return [event.as_dict() for event in itertools.islice(events, start, None)]


def since_latest_message(_rasa_format: Callable) -> Callable:
    """RemoteAction._action_call_format with the events from the latest message on."""

    def _action_call_format(
        self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
    ) -> Dict[Text, Any]:
        # Rasa's function body, with the state's events cut (NONE leaves them out at first)
        tracker_state = tracker.current_state(EventVerbosity.NONE)
        tracker_state["events"] = events_since_latest_message(tracker)
        result = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": tracker_state,
            "version": rasa.__version__,
        }
        if (
            not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())
        ):
            result["domain"] = domain.as_dict()
        return result

    return _action_call_format
