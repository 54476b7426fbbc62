"""`make curation-demo`: a throwaway tracker store of realistic conversations for the curators'
reports, made by talking to the real assistant, so the reports (and screenshots of them) show
what the assistant really answers well and poorly.

    python -m devtools.curation_demo [--conversations 300] [--days 30] [--serve]

Starts the action server and the Rasa server on free ports with their own SQLite tracker store
and handoff database under `--out` (never var/conversations.db or var/handoff.db), sends each
conversation through the REST channel (questions, "something else" after a "did you mean",
thumbs up and down with reasons, requests for a person, an emergency), then spreads the
conversations over the last `--days` days (a run takes minutes; the trend needs weeks) and
stops. The questions are written for this demo (none comes from tests/real_questions/).

With `--serve` it keeps running with a staff inbox on those conversations (and a curator
account it prints) until Ctrl-C: open /curation there to see the reports.
"""

import argparse
import datetime as dt
import json
import random
import secrets
import shutil
import socket
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import select, update

from devtools.model import ROOT, current_model_path
from devtools.serve import Stack, sqlite_endpoints
from handoff.database import make_engine
from handoff.store import HandoffStore
from inbox.accounts import create_account
from tracker_stores.retention import events

OUT = ROOT / "var" / "curation_demo"
SEED = 13
# Questions people might ask, a family of wordings each. The first families are what the
# evidence covers; the later ones mostly what it does not (yet): the reports should find them.
FAMILIES: List[List[str]] = [
    ["what is hsct", "what does aHSCT mean", "explain stem cell transplant for ms please"],
    ["what are the side effects of hsct", "is hsct dangerous", "what can go wrong with hsct"],
    ["how much does hsct cost", "what is the price of hsct", "how expensive is hsct treatment"],
    ["am I eligible for hsct", "who can get hsct", "am I too old for hsct at 52"],
    ["does hsct work for progressive ms", "can hsct help secondary progressive ms"],
    ["how long is recovery after hsct", "when will I feel normal after the transplant"],
    ["can I have children after hsct", "does hsct affect fertility"],
    ["is hsct approved by the fda", "is hsct fda approved in the us"],
    ["how much does hsct cost in mexico", "price of hsct in mexico", "is mexico hsct cheap"],
    ["can I drink alcohol after hsct", "is wine ok after stem cell transplant"],
    ["when can I drive again after hsct", "am I allowed to drive after the transplant"],
    ["will hsct fix my bladder problems", "does hsct help with bladder urgency"],
    ["can hsct help my brain fog", "will my memory improve after hsct"],
    ["can I dye my hair after chemo", "when can I colour my hair after hsct"],
    ["does hsct help optic neuritis", "will my eyesight come back after hsct"],
    ["can I have hsct if I have diabetes", "is hsct safe with type 2 diabetes"],
    ["can I get hsct on the nhs in wales", "is there a waiting list for hsct in wales"],
    ["will I gain weight after hsct", "does the chemo make you put on weight"],
    ["what should I pack for hospital", "what to bring for a month in hospital"],
]
EMERGENCIES = ["I suddenly cannot move my legs", "I think I am having a stroke right now"]
REASONS = ["not_answered", "wrong_topic", "hard_to_understand", "out_of_date", "other"]
COMMENTS = ["", "", "I wanted the price in Mexico", "too long", "it did not say anything new"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Person:
    """One conversation over the REST channel."""

    def __init__(self, url: str, sender: str) -> None:
        self.url = f"{url}/webhooks/rest/webhook"
        self.sender = sender

    def send(self, message: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict]:
        body = {"sender": self.sender, "message": message, "metadata": metadata or {}}
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def evidence_ids(replies: List[Dict]) -> List[str]:
    ids: List[str] = []
    for reply in replies:
        custom = reply.get("custom") or {}
        if custom.get("type") == "evidence_answer":
            ids += custom.get("evidence_ids") or []
    return ids


def offered_something_else(replies: List[Dict]) -> bool:
    return any(
        button.get("payload") == "/something_else"
        for reply in replies
        for button in reply.get("buttons") or []
    )


def converse(person: Person, rng: random.Random) -> None:
    if rng.random() < 0.02:
        person.send(rng.choice(EMERGENCIES))
        return
    for _ in range(rng.choice((1, 1, 2, 3))):
        replies = person.send(rng.choice(rng.choice(FAMILIES)))
        shown = evidence_ids(replies)
        if shown and rng.random() < 0.3:
            value = rng.choice(("up", "down"))
            person.send(
                f'/give_feedback{{"feedback_value":"{value}"}}',
                {"feedback_on": shown, "display": "👍" if value == "up" else "👎"},
            )
            if value == "down" and rng.random() < 0.6:
                reason = rng.choice(REASONS)
                person.send(
                    f'/feedback_reason{{"feedback_reason":"{reason}"}}',
                    {"feedback_on": shown, "feedback_comment": rng.choice(COMMENTS)},
                )
        elif offered_something_else(replies) and rng.random() < 0.5:
            person.send("/something_else", {"display": "Something else"})
    if rng.random() < 0.08:
        person.send("/request_human", {"display": "Talk to a person"})
        person.send("yes")
        if rng.random() < 0.5:  # a callback request: these details must not reach the reports
            person.send("yes")
            person.send("Sam Example")
            person.send("07700 900000")


def spread_over(db_url: str, days: int, rng: random.Random) -> None:
    """Moves each conversation to a random moment of the last `days` days (the throwaway
    store only), keeping the order and gaps of its events."""
    engine = make_engine(db_url)
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    with engine.begin() as connection:
        rows = connection.execute(
            select(events.c.id, events.c.sender_id, events.c.timestamp, events.c.data)
        ).all()
        starts: Dict[str, float] = {}
        for row in rows:
            starts[row.sender_id] = min(starts.get(row.sender_id, row.timestamp), row.timestamp)
        shift = {
            sender: now - rng.uniform(0, days * 86400) - start for sender, start in starts.items()
        }
        for row in rows:
            moved = row.timestamp + shift[row.sender_id]
            data = json.loads(row.data or "{}")
            data["timestamp"] = moved
            connection.execute(
                update(events)
                .where(events.c.id == row.id)
                .values(timestamp=moved, data=json.dumps(data))
            )
    engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--serve", action="store_true", help="then keep a staff inbox running")
    parser.add_argument("--model", type=Path, default=None, help="default: the current model")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    action_port = free_port()
    handoff_db = f"sqlite:///{args.out / 'handoff.db'}"
    stack = Stack(
        rasa_port=free_port(),
        action_port=action_port,
        endpoints=sqlite_endpoints(args.out, action_port),
        model=args.model or current_model_path(),
        token="curation-demo",
        log_dir=args.out / "logs",
        extra_env={
            "HANDOFF_DB_URL": handoff_db,
            # one client address sends everything: lift the per-address and overall caps
            "ASSISTANT_MESSAGES_PER_ADDRESS_PER_MINUTE": "100000",
            "HANDOFF_LIMIT_PER_ADDRESS": "100000",
            "HANDOFF_LIMIT_OVERALL": "100000",
        },
        inbox_port=free_port() if args.serve else None,
        inbox_env={"INBOX_ENV": "development"},
    )
    rng = random.Random(SEED)
    print(f"Starting the assistant (logs in {args.out / 'logs'}) ...")
    try:
        stack.start()
        for number in range(args.conversations):
            converse(Person(stack.rasa_url, f"demo-{number:04d}"), rng)
            if (number + 1) % 50 == 0:
                print(f"  {number + 1} conversations")
        spread_over(f"sqlite:///{args.out / 'conversations.db'}", args.days, rng)
        print(f"Done: {args.conversations} conversations in {args.out / 'conversations.db'}.")
        if args.serve:
            serve_inbox(stack, handoff_db)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def serve_inbox(stack: Stack, handoff_db: str) -> None:
    """Waits for Ctrl-C while the inbox shows the demo's conversations to a new curator."""
    password = secrets.token_urlsafe(12)
    store = HandoffStore.from_url(handoff_db)
    create_account(store.engine, "curator@demo.example", "Demo Curator", password, "curator")
    store.engine.dispose()
    print(
        f"Staff inbox: {stack.inbox_url}/curation (sign in as curator@demo.example, "
        f"password {password}). Ctrl-C to stop."
    )
    while all(process.poll() is None for process in stack.processes):
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
