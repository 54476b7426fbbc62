"""Every answer the assistant gives to a list of questions, for comparing two builds of it.

    python -m devtools.answers QUESTIONS.json OUT.json --endpoints ENDPOINTS [--stock-rasa]
                               [--per-conversation N]

The questions are sent N to a conversation (1: each in its own), in order, through Rasa's
Agent, against the action server and tracker store the endpoints file names, and each is
recorded as what a person would get:
the intent, and every bot message (text, buttons, custom payload). With `--stock-rasa` the
project's Rasa patches (addons/) are not applied, so a test can check that a speed change
leaves every answer as it was (tests/integration/test_same_answers.py).
"""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence


async def _answers(
    model: Path, endpoints: Path, questions: Sequence[str], per_conversation: int
) -> List[Dict[str, Any]]:
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints

    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints))
    )
    if not agent.is_ready():
        raise RuntimeError(f"Rasa could not load {model}")
    recorded = []
    for number, question in enumerate(questions):
        sender = f"answers-{number // per_conversation}"
        channel = CollectingOutputChannel()
        await agent.handle_message(UserMessage(question, channel, sender))
        tracker = await agent.processor.get_tracker(sender)
        recorded.append(
            {
                "question": question,
                "intent": tracker.latest_message.intent.get("name"),
                "replies": [
                    {key: message[key] for key in ("text", "buttons", "custom") if key in message}
                    for message in channel.messages
                ],
            }
        )
    return recorded


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="a JSON list of questions")
    parser.add_argument("out", type=Path)
    parser.add_argument("--endpoints", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None, help="default: the current model")
    parser.add_argument("--stock-rasa", action="store_true", help="without addons/ patches")
    parser.add_argument("--per-conversation", type=int, default=1, help="questions in each")
    args = parser.parse_args(list(argv) or None)

    from benchmarks.stages import newest_model

    logging.getLogger("rasa").setLevel(logging.WARNING)
    if not args.stock_rasa:
        from addons import rasa_patches

        rasa_patches.apply()
    questions = json.loads(args.questions.read_text())
    model = args.model or newest_model()
    recorded = asyncio.run(_answers(model, args.endpoints, questions, args.per_conversation))
    args.out.write_text(json.dumps(recorded, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
