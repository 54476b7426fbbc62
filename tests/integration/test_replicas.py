"""Two Rasa server replicas sharing PostgreSQL (tracker store) and Redis (lock store).

Many conversations send their messages to both replicas at once, each message of a
conversation going to the other replica than the one before. Afterwards every conversation,
read back through the tracker API, must hold every message exactly once, each followed by its
own answer, in order — what Rasa's lock store guarantees and a home-made scale-out would not.
"""

import asyncio
import random

import aiohttp
import pytest
import redis

from tests.conftest import ROOT
from tests.databases import postgres_database
from tests.integration.conftest import free_port, make_stack

pytestmark = pytest.mark.server

CONVERSATIONS = 24
MESSAGES = 6
TOPICS = {
    "ask_side_effects": "side_effects",
    "ask_cost_insurance": "cost_insurance",
    "ask_edss": "edss",
    "ask_clinical_trials": "clinical_trials",
    "ask_eligibility": "eligibility",
    "ask_what_is_hsct": "what_is_hsct",
}
REDIS_DB = 3


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    directory = tmp_path_factory.mktemp("replicas")
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    with postgres_database() as url:
        database = url.rsplit("/", 1)[1]
        stack = make_stack(directory)
        stack.endpoints = ROOT / "endpoints.production.yml"
        stack.extra_env |= {
            "ACTION_SERVER_URL": f"http://localhost:{stack.action_port}/webhook",
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": "5432",
            "TRACKER_DB_NAME": database,
            "TRACKER_DB_USER": "postgres",
            "TRACKER_DB_PASSWORD": "",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "6379",
            "REDIS_DB": str(REDIS_DB),
            "REDIS_PASSWORD": "",
            "SANIC_WORKERS": "2",
        }
        stack.start()
        second = stack.start_replica(free_port())
        yield stack, [stack.rasa_url, second]
        stack.stop()


async def conversation(session, urls, sender, intents):
    """Sends each message to the other replica; two at a time, so replicas race."""

    async def send(index, intent):
        url = urls[index % 2]
        # the order travels in `display`, one of the two metadata keys a client may send
        body = {"sender": sender, "message": f"/{intent}", "metadata": {"display": f"#{index}"}}
        async with session.post(f"{url}/webhooks/rest/webhook", json=body) as response:
            assert response.status == 200

    for first in range(0, len(intents), 2):
        await asyncio.gather(
            *(send(i, intents[i]) for i in range(first, min(first + 2, len(intents))))
        )


def test_every_event_is_stored_once_in_order_and_answers_match(replicas):
    stack, urls = replicas
    rng = random.Random(11)
    plans = {
        f"replica-{n}": [rng.choice(list(TOPICS)) for _ in range(MESSAGES)]
        for n in range(CONVERSATIONS)
    }

    async def run_all():
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            await asyncio.gather(
                *(conversation(session, urls, sender, intents) for sender, intents in plans.items())
            )

    asyncio.run(run_all())

    async def fetch(sender):
        url = f"{urls[1]}/conversations/{sender}/tracker?token={stack.token}"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.json()

    for sender, intents in plans.items():
        events = asyncio.run(fetch(sender))["events"]
        turns = []  # (seq, intent, topics answered before the next user message)
        for event in events:
            if event["event"] == "user":
                seq = int(event["metadata"]["display"].lstrip("#"))
                turns.append([seq, event["parse_data"]["intent"]["name"], []])
            elif event["event"] == "bot" and turns:
                custom = (event.get("data") or {}).get("custom") or {}
                if custom.get("type") == "evidence_answer":
                    turns[-1][2].append(custom["topic"])
        seqs = sorted(turn[0] for turn in turns)
        assert seqs == list(range(MESSAGES)), f"{sender}: messages lost or stored twice: {seqs}"
        for seq, intent, topics in turns:
            assert intent == intents[seq], f"{sender}: message {seq} stored with another text"
            assert topics == [TOPICS[intent]], f"{sender}: message {seq} got answers {topics}"
        ids = [(e["event"], e.get("timestamp")) for e in events]
        assert len(ids) == len(set(ids)), f"{sender}: an event was stored twice"
