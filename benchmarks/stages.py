"""Where the time of one message goes: each stage of a turn, measured in-process.

    python -m benchmarks.stages [--model PATH] [--messages 150]

Loads the trained model with Rasa's own Agent and the action server and tracker store an
endpoints file names (`make bench` passes its running stack's; run alone, this starts
actions/server.py as a subprocess and a fresh SQLite file), and sends FAQ questions from the
NLU training data, 10 per conversation like the load, through `Agent.handle_message`: the path
a REST message takes, without HTTP in front. To split the turn without changing production
code, a few functions are wrapped with a clock for this measurement only: the encoder's
`embed` (custom_nlu/minilm.py), the processor's `parse_message` (NLU) and
`_predict_next_with_tracker` (policies), `RemoteAction.run` (the action round trip: request,
action server, validation of its answer) and the tracker store's `retrieve` and `save`. What
is left of the turn is Rasa's own per-message work (events, slot extraction, the session
check, the lock). The encoder's cache is emptied after the warm-up and every text is
distinct, so each message pays for its encoder passes. Medians and p90 from one run.
Rasa is imported inside the functions that measure, so the helpers' tests do not load it.
"""

import argparse
import asyncio
import inspect
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 150
PER_CONVERSATION = 10  # as in the load (benchmarks/run.py --messages)
WARM_UP = 10

# the stages of a turn, in the order a message meets them
ENCODER = "sentence encoder"
REST_OF_NLU = "rest of NLU"
POLICIES = "policies"
ACTION = "action round trip"
TRACKER_STORE = "tracker store"
RASA_TURN = "rest of Rasa's turn"
STAGES = (ENCODER, REST_OF_NLU, POLICIES, ACTION, TRACKER_STORE, RASA_TURN)
NLU = "NLU"  # clocked as a whole; the encoder's share is taken out of it

WHAT = {
    ENCODER: "MiniLM passes (ONNX Runtime), cache cold",
    REST_OF_NLU: "spaCy, count vectors, classifier, item ranker, fallback",
    POLICIES: "next-action predictions, both of the turn",
    ACTION: "HTTP to the action server, its work, checking its answer",
    TRACKER_STORE: "retrieve + save",
    RASA_TURN: "events, slot extraction, session check, lock",
}

_UNSET = object()


class StageClock:
    """Adds up, per stage, the time spent in wrapped functions until it is read."""

    def __init__(self) -> None:
        self.spent: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)  # since the start, not reset by read()
        self._wrapped: List[tuple] = []

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        """Times every call of `owner.name` (a class's or an instance's, sync or async)."""
        original = getattr(owner, name)
        spent, calls = self.spent, self.calls

        if inspect.iscoroutinefunction(original):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                calls[stage] += 1
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent[stage] += (time.perf_counter() - started) * 1000

        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                calls[stage] += 1
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[stage] += (time.perf_counter() - started) * 1000

        self._wrapped.append((owner, name, vars(owner).get(name, _UNSET)))
        setattr(owner, name, timed)

    def read(self) -> Dict[str, float]:
        """The time per stage (ms) since the last reading."""
        reading = dict(self.spent)
        self.spent.clear()
        return reading

    def unwrap(self) -> None:
        for owner, name, own in reversed(self._wrapped):
            if own is _UNSET:
                delattr(owner, name)
            else:
                setattr(owner, name, own)
        self._wrapped.clear()


def split_turn(clocked: Mapping[str, float], total_ms: float) -> Dict[str, float]:
    """One message's time by stage: the clocked parts, the encoder taken out of NLU, and what
    is left of the turn as Rasa's own work."""
    encoder = clocked.get(ENCODER, 0.0)
    parts = {
        ENCODER: encoder,
        REST_OF_NLU: clocked.get(NLU, 0.0) - encoder,
        POLICIES: clocked.get(POLICIES, 0.0),
        ACTION: clocked.get(ACTION, 0.0),
        TRACKER_STORE: clocked.get(TRACKER_STORE, 0.0),
    }
    parts[RASA_TURN] = total_ms - sum(parts.values())
    return parts


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between the closest ranks (as benchmarks/load.py does)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * share
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def stage_table(turns: Sequence[Mapping[str, float]]) -> str:
    """Markdown: each stage's median and p90 over the messages and its share of the time.

    Shares are of the mean time per message: means add up to the whole turn, medians do not.
    """
    totals = [sum(turn[stage] for stage in STAGES) for turn in turns]
    mean_total = statistics.fmean(totals)
    lines = [
        "| stage | what | median ms | p90 ms | share |",
        "|---|---|---|---|---|",
    ]
    for stage in STAGES:
        values = [turn[stage] for turn in turns]
        share = statistics.fmean(values) / mean_total if mean_total else 0.0
        lines.append(
            f"| {stage} | {WHAT[stage]} | {statistics.median(values):.1f} | "
            f"{percentile(values, 0.9):.1f} | {share:.0%} |"
        )
    lines.append(
        f"| **one message** | the whole turn | **{statistics.median(totals):.1f}** | "
        f"**{percentile(totals, 0.9):.1f}** | 100% |"
    )
    return "\n".join(lines) + "\n"


def report(result: Mapping[str, Any]) -> str:
    turns = result["turns"]
    return (
        f"## Where one message's time goes (in-process, {len(turns)} FAQ questions, one run)\n\n"
        f"{stage_table(turns)}\n"
        f"Shares are of the mean time per message. Encoder passes per message: "
        f"{result['encoder_passes']:.2f}; action server calls per message: "
        f"{result['action_calls']:.2f}; messages without a reply: {result['unanswered']}. "
        "No HTTP in front and one message at a time: the load's latency adds the REST "
        "channel and, under concurrency, the wait for the event loop.\n"
    )


def conversations(questions: Sequence[str], messages: int) -> List[List[str]]:
    """Distinct questions, `PER_CONVERSATION` to a conversation."""
    distinct = list(dict.fromkeys(questions))[:messages]
    return [
        distinct[start : start + PER_CONVERSATION]
        for start in range(0, len(distinct), PER_CONVERSATION)
    ]


async def _measure(
    model: Path, endpoints: Path, questions: Sequence[str], messages: int
) -> Dict[str, Any]:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.log_utils import configure_structlog

    from addons import rasa_patches
    from addons.action_endpoint import PooledEndpointConfig
    from custom_nlu.minilm import get_encoder

    # Rasa's debug events off, as on the server (and they would cost time inside the turn)
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    rasa_patches.apply()  # the server's Rasa, as its entry point (addons/rasa_server.py) runs it
    available = AvailableEndpoints.read_endpoints(str(endpoints))
    action_endpoint = available.action = PooledEndpointConfig.like(available.action)
    agent = await load_agent(model_path=str(model), endpoints=available)
    if not agent.is_ready():
        raise RuntimeError(f"Rasa could not load {model}")

    async def send(sender: str, text: str) -> List[Dict[str, Any]]:
        channel = CollectingOutputChannel()
        await agent.handle_message(UserMessage(text, channel, sender))
        return channel.messages

    scripts = conversations(questions, messages + WARM_UP)
    warm_up, scripts = scripts[0], scripts[1:]
    for text in warm_up:
        await send("stages-warm-up", text)

    encoder = get_encoder()  # the featurizer's and the item ranker's (one per process)
    # the benchmark's one reach into the encoder: its cache, emptied, and its misses counted
    encoder._cached_embed.cache_clear()
    clock = StageClock()
    processor = agent.processor
    clock.wrap(encoder, "embed", ENCODER)
    clock.wrap(processor, "parse_message", NLU)
    clock.wrap(processor, "_predict_next_with_tracker", POLICIES)
    clock.wrap(RemoteAction, "run", ACTION)
    clock.wrap(processor.tracker_store, "retrieve", TRACKER_STORE)
    clock.wrap(processor.tracker_store, "save", TRACKER_STORE)
    turns, unanswered = [], 0
    misses_before = encoder._cached_embed.cache_info().misses
    try:
        for number, script in enumerate(scripts):
            for text in script:
                started = time.perf_counter()
                replies = await send(f"stages-{number}", text)
                total_ms = (time.perf_counter() - started) * 1000
                turns.append(split_turn(clock.read(), total_ms))
                unanswered += not replies
    finally:
        clock.unwrap()
        await action_endpoint.close()
    passes = encoder._cached_embed.cache_info().misses - misses_before
    return {
        "turns": turns,
        "encoder_passes": passes / len(turns),
        "action_calls": clock.calls[ACTION] / len(turns),
        "unanswered": unanswered,
    }


def measure(
    model: Path,
    endpoints: Path,
    questions: Sequence[str],
    messages: int = MESSAGES,
    env: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """Stage times of `messages` questions against the action server and tracker store that
    `endpoints` names; `env` fills in its ${VARIABLES} (the action server's token)."""
    from devtools.serve import action_server_token

    variables = {"ACTION_SERVER_TOKEN": action_server_token(), **(env or {})}
    with mock.patch.dict(os.environ, variables):
        return asyncio.run(_measure(model, endpoints, questions, messages))


@contextmanager
def action_server(port: int, log: Path) -> Iterator[None]:
    """The action server on `port`, as `make run` starts it, for a standalone run."""
    from devtools.serve import Stack, wait_until_up

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(port)],
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=Stack(action_port=port).environment,
            start_new_session=True,
        )
    try:
        wait_until_up(f"http://localhost:{port}/health", time.monotonic() + 60, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


def newest_model() -> Path:
    from devtools.model import MODELS_DIR, current_model_path

    current = current_model_path()
    if current.exists():
        return current
    return max(MODELS_DIR.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)


def main(argv: Optional[List[str]] = None) -> int:
    from benchmarks.run import BENCH_DIR, faq_questions, free_port
    from devtools.serve import sqlite_endpoints

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the current model")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    args = parser.parse_args(argv)
    model = args.model or newest_model()
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as work,
        action_server(port, BENCH_DIR / "logs" / "stages-actions.log"),
    ):
        endpoints = sqlite_endpoints(Path(work), port, "stages.db")
        print(report(measure(model, endpoints, faq_questions(), args.messages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
