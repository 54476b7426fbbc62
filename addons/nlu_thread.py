"""Understands messages in a thread of their own, beside the server's event loop.

Rasa 3.6 runs the NLU pipeline inside `MessageProcessor.parse_message`, on the event loop:
while one message is understood (the sentence encoder alone is a quarter of a turn), no
other conversation moves. The encoder's ONNX Runtime call releases the GIL, so the same
work done in another thread lets the loop meanwhile load trackers, run policies and wait for
the action server of other conversations, on the machine's other core. One thread only: the
pipeline's components were written for one message at a time and still get that. The parse
is otherwise Rasa's own (its `_parse_message_with_graph`, then the same steps after it).
Installed in place of MessageProcessor.parse_message by rasa_patches.py.
"""

import asyncio
import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Optional, Text

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

THREAD_NAME = "nlu"
structlogger = structlog.get_logger("rasa.core.processor")

_executor: Optional[ThreadPoolExecutor] = None
_executor_lock = threading.Lock()


def nlu_executor() -> ThreadPoolExecutor:
    """The process's one NLU thread (made on first use: a forked Sanic worker gets its own)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        return _executor


def in_nlu_thread(_rasa_parse_message: Callable) -> Callable:
    """MessageProcessor.parse_message, with the pipeline run in the NLU thread."""

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: Optional[DialogueStateTracker] = None,
        only_output_properties: bool = True,
    ) -> Dict[Text, Any]:
        if self.http_interpreter:  # NLU on another server: nothing to move
            return await _rasa_parse_message(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await asyncio.get_running_loop().run_in_executor(
            nlu_executor(),
            self._parse_message_with_graph,
            message,
            tracker,
            only_output_properties,
        )
        # the rest of Rasa's parse_message, as it is there
        self._update_full_retrieval_intent(parse_data)
        structlogger.debug(
            "processor.message.parse",
            parse_data_text=copy.deepcopy(parse_data["text"]),
            parse_data_intent=parse_data["intent"],
            parse_data_entities=copy.deepcopy(parse_data["entities"]),
        )
        self._check_for_unseen_features(parse_data)
        return parse_data

    return parse_message
