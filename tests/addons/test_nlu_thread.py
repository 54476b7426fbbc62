"""Messages are understood in the NLU thread while the event loop goes on, with Rasa's own
steps around the pipeline."""

import asyncio
import threading

import pytest
from rasa.core.channels.channel import UserMessage

from addons import nlu_thread, rasa_patches


class Processor:
    """What parse_message uses of Rasa's MessageProcessor; the pipeline is `pipeline`."""

    http_interpreter = None

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.steps = []

    def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
        self.steps.append(("graph", threading.current_thread().name, tracker.sender_id))
        return self.pipeline(message)

    def _update_full_retrieval_intent(self, parse_data):
        self.steps.append(("retrieval intent", threading.current_thread().name))

    def _check_for_unseen_features(self, parse_data):
        self.steps.append(("unseen features", threading.current_thread().name))


def parse(processor, message):
    return nlu_thread.in_nlu_thread(None)(processor, message)


def parsed(text):
    return {"text": text, "intent": {"name": "ask_edss", "confidence": 0.9}, "entities": []}


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


def test_the_pipeline_runs_in_the_nlu_thread_and_rasas_steps_follow_on_the_loop():
    processor = Processor(lambda message: parsed(message.text))

    async def scenario():
        return await parse(processor, UserMessage("what is edss", sender_id="p"))

    assert asyncio.run(scenario()) == parsed("what is edss")
    loop_thread = threading.current_thread().name
    assert processor.steps == [
        ("graph", f"{nlu_thread.THREAD_NAME}_0", "p"),
        ("retrieval intent", loop_thread),
        ("unseen features", loop_thread),
    ]


def test_the_event_loop_runs_other_conversations_while_a_message_is_understood():
    """The pipeline waits for something only the loop can do: on the loop it would wait for
    ever; beside it, the loop does it and the pipeline finishes."""
    loop_was_free = threading.Event()

    def pipeline(message):
        assert loop_was_free.wait(timeout=30), "the event loop was blocked by the pipeline"
        return parsed(message.text)

    async def other_conversation():
        await asyncio.sleep(0)
        loop_was_free.set()

    async def scenario():
        return await asyncio.gather(
            parse(Processor(pipeline), UserMessage("hello", sender_id="a")), other_conversation()
        )

    assert asyncio.run(scenario())[0] == parsed("hello")


def test_a_pipeline_error_reaches_the_caller():
    def pipeline(message):
        raise ValueError("a component failed")

    with pytest.raises(ValueError, match="a component failed"):
        asyncio.run(parse(Processor(pipeline), UserMessage("x", sender_id="p")))


def test_messages_are_understood_one_at_a_time():
    """One thread: components written for one message at a time still get that."""
    inside, most = [0], [0]
    lock = threading.Lock()

    def pipeline(message):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        threading.Event().wait(0.01)
        with lock:
            inside[0] -= 1
        return parsed(message.text)

    async def scenario():
        processor = Processor(pipeline)
        messages = [UserMessage(str(n), sender_id=str(n)) for n in range(8)]
        return await asyncio.gather(*(parse(processor, message) for message in messages))

    assert [result["text"] for result in asyncio.run(scenario())] == [str(n) for n in range(8)]
    assert most[0] == 1
