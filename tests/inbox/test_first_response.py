"""The first-response timer: on-duty time only, with a fake clock; the warning and the breach; a
breach announced once; the first staff reply stops it. Then the same in the inbox's pages."""

import asyncio
import datetime as dt
from typing import Any, Iterator, List

import pytest
from sqlalchemy import update

from handoff.availability import OnDutyHours
from handoff.models import utcnow
from handoff.schema import handoffs
from inbox.first_response import Targets, Watch, claim_breaches, on_duty_seconds, timer, timers
from inbox.notify import Hub, Notifier
from inbox.schema import first_response_breaches
from inbox.settings import InboxSettings
from tests.inbox.conftest import InboxServer, inbox_env, new_conversation_id, wait_for

LONDON = OnDutyHours.parse("mon-fri 09:00-17:00", "Europe/London")
ALWAYS = OnDutyHours.parse("always")
TARGETS = Targets(warning=dt.timedelta(minutes=5), breach=dt.timedelta(minutes=15))
# 2026-11-27 is a Friday; London is on GMT (UTC+0) in November
FRIDAY_1650 = dt.datetime(2026, 11, 27, 16, 50, tzinfo=dt.timezone.utc)
MINUTE = dt.timedelta(minutes=1)


def at(start: dt.datetime, **offset: float) -> dt.datetime:
    return start + dt.timedelta(**offset)


# --- the clock, as a pure function ---------------------------------------------------------------
def test_only_on_duty_time_counts_across_a_night_and_a_weekend():
    monday_0905 = dt.datetime(2026, 11, 30, 9, 5, tzinfo=dt.timezone.utc)
    assert on_duty_seconds(FRIDAY_1650, monday_0905, LONDON) == 15 * 60  # 10 + 5 minutes
    thursday_1658 = at(FRIDAY_1650, days=-1, minutes=8)
    friday_0901 = at(FRIDAY_1650, hours=-7, minutes=-49)
    assert on_duty_seconds(thursday_1658, friday_0901, LONDON) == 3 * 60  # 2 + 1, not the night
    saturday = at(FRIDAY_1650, days=1)
    assert on_duty_seconds(saturday, at(saturday, hours=20), LONDON) == 0
    assert on_duty_seconds(monday_0905, FRIDAY_1650, LONDON) == 0  # backwards: nothing


def test_a_clock_change_and_overlapping_hours_are_counted_once():
    # London's clocks go forward at 01:00 UTC on 29 March 2026: that local day has 23 hours
    saturday_noon = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.timezone.utc)
    sunday_noon_local = dt.datetime(2026, 3, 29, 11, 0, tzinfo=dt.timezone.utc)  # 12:00 BST
    always_london = OnDutyHours.parse("always", "Europe/London")
    assert on_duty_seconds(saturday_noon, sunday_noon_local, always_london) == 23 * 3600
    overlapping = OnDutyHours.parse("mon-fri 09:00-17:00; fri 12:00-18:00", "Europe/London")
    friday_0900 = at(FRIDAY_1650, hours=-7, minutes=-50)
    assert on_duty_seconds(friday_0900, at(FRIDAY_1650, hours=2), overlapping) == 9 * 3600


def test_under_the_threshold_then_a_warning_then_a_breach():
    def state(now: dt.datetime) -> Any:
        return timer(FRIDAY_1650 - 10 * MINUTE, None, True, now, LONDON, TARGETS)

    waiting = state(FRIDAY_1650 - 6 * MINUTE)
    assert (waiting.state, waiting.minutes, waiting.counting) == ("waiting", 4, True)
    assert state(FRIDAY_1650 - 5 * MINUTE).state == "warning"  # at the threshold
    assert state(FRIDAY_1650 + 4 * MINUTE).state == "warning"
    breached = state(FRIDAY_1650 + 5 * MINUTE)
    assert (breached.state, breached.minutes) == ("breached", 15)


def test_off_duty_time_pauses_the_timer():
    asked = at(FRIDAY_1650, minutes=8)  # 16:58 on a Friday
    sunday_night = timer(asked, None, True, at(asked, days=2, hours=6), LONDON, TARGETS)
    assert (sunday_night.state, sunday_night.minutes, sunday_night.counting) == (
        "waiting",
        2,
        False,
    )
    monday = timer(
        asked, None, True, dt.datetime(2026, 11, 30, 9, 4, tzinfo=dt.timezone.utc), LONDON, TARGETS
    )
    assert (monday.state, monday.minutes, monday.counting) == ("warning", 6, True)


def test_the_first_staff_reply_stops_the_timer():
    asked = FRIDAY_1650 - 20 * MINUTE
    replied = FRIDAY_1650 - 16 * MINUTE
    for now in (FRIDAY_1650, at(FRIDAY_1650, days=3)):
        answered = timer(asked, replied, True, now, LONDON, TARGETS)
        assert (answered.state, answered.minutes, answered.late) == ("answered", 4, False)
    late = timer(asked, FRIDAY_1650, False, at(FRIDAY_1650, days=1), LONDON, TARGETS)
    assert (late.state, late.late) == ("answered", True)
    assert timer(asked, None, False, FRIDAY_1650, LONDON, TARGETS) is None  # ended unanswered


# --- in the database ---------------------------------------------------------------------------
def _asked_minutes_ago(store, minutes: float, urgent: bool = False):
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested", urgent=urgent)
    with store.engine.begin() as connection:
        connection.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff.id)
            .values(created_at=utcnow() - dt.timedelta(minutes=minutes))
        )
    return store.get_handoff(handoff.id)


def _breach_rows(store, handoff_id: str) -> List[Any]:
    with store.engine.connect() as connection:
        return connection.execute(
            first_response_breaches.select().where(
                first_response_breaches.c.handoff_id == handoff_id
            )
        ).all()


def test_a_breach_is_recorded_and_claimed_once_with_a_fake_clock(store):
    handoff = store.open_handoff(new_conversation_id(), "voice", "misunderstood")
    start = handoff.created_at
    watch, other_watch = Watch(store, ALWAYS, TARGETS), Watch(store, ALWAYS, TARGETS)
    assert watch.check(at(start, minutes=1)) is True  # first seen
    assert watch.check(at(start, minutes=2)) is False  # still waiting: nothing to redraw
    assert watch.check(at(start, minutes=6)) is True  # warning
    assert _breach_rows(store, handoff.id) == []
    assert watch.check(at(start, minutes=16)) is True  # breached
    other_watch.check(at(start, minutes=17))  # a second inbox process: no second record
    watch.check(at(start, minutes=30))
    assert len(_breach_rows(store, handoff.id)) == 1
    [claimed] = [row for row in claim_breaches(store.engine) if row["handoff_id"] == handoff.id]
    assert (claimed["reason"], claimed["channel"]) == ("misunderstood", "voice")
    assert [r for r in claim_breaches(store.engine) if r["handoff_id"] == handoff.id] == []


def test_a_reply_stops_the_timer_before_the_breach(store, make_staff):
    staff_id, _ = make_staff()
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    start = handoff.created_at
    assert store.claim(handoff.id, staff_id)
    watch = Watch(store, ALWAYS, TARGETS)
    watch.check(at(start, minutes=6))
    assert watch.states[handoff.id] == "warning"  # claimed is not answered
    store.add_staff_message(handoff.id, staff_id, "Hello, I am here.")
    watch.check(at(start, hours=2))
    assert handoff.id not in watch.states and _breach_rows(store, handoff.id) == []
    shown = store.get_handoff(handoff.id)
    [answered] = timers(store.engine, [shown], ALWAYS, TARGETS, now=at(start, hours=2)).values()
    assert answered.state == "answered" and answered.minutes < 1


def test_the_notifier_tells_staff_of_a_breach_once(store, db_url):
    settings = InboxSettings(
        env="development",
        db_url=db_url,
        hours="always",
        first_response_warning_minutes=5,
        first_response_breach_minutes=15,
    )
    hub = Hub()
    subscriber = hub.subscribe()
    handoff = _asked_minutes_ago(store, 20, urgent=False)

    async def run(function, *args, **kwargs):
        return function(*args, **kwargs)

    async def two_rounds() -> List[dict]:
        notifier = Notifier(settings, store, None, hub, run)  # type: ignore[arg-type]
        await notifier.announce_new()
        await notifier.announce_new()
        events = []
        while not subscriber.empty():
            events.append(subscriber.get_nowait())
        return events

    events = asyncio.run(two_rounds())
    breaches = [
        e["data"] for e in events if e["event"] == "notify" and e["data"]["kind"] == "breach"
    ]
    assert [b["id"] for b in breaches if b["id"] == handoff.id] == [handoff.id]
    [mine] = [b for b in breaches if b["id"] == handoff.id]
    assert mine["urgent"] and mine["url"].endswith(f"/handoffs/{handoff.id}")
    assert any(e["event"] == "queue" for e in events)  # open queues redraw their timers
    texts = Notifier(settings, store, None, hub, run)._texts(mine)  # type: ignore[arg-type]
    assert texts["subject"] == "First reply overdue: a person has waited past the target " + (
        "(Asked for a person, Web chat)"
    )
    assert mine["url"] in texts["body"] and "without a reply" in texts["body"]


# --- in the inbox --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inbox(db_url, fake_rasa, tmp_path_factory) -> Iterator[InboxServer]:
    """The inbox on duty around the clock, so the test does not depend on when it runs."""
    env = inbox_env(db_url, fake_rasa.url, fake_rasa.token, HANDOFF_HOURS="always")
    server = InboxServer(env, tmp_path_factory.mktemp("inbox-logs"))
    server.start()
    yield server
    server.stop()


@pytest.mark.server
def test_the_queue_and_the_conversation_show_each_timer_in_words(signed_in, store):
    nurse, nurse_id = signed_in()
    fresh = _asked_minutes_ago(store, 1)
    warned = _asked_minutes_ago(store, 7)
    late = _asked_minutes_ago(store, 20)

    def card(html: str, handoff_id: str) -> str:
        return html.split(f'data-id="{handoff_id}"', 1)[1].split("</li>", 1)[0]

    queue = nurse.get("/queue").text
    assert 'data-first-response="waiting"' in card(queue, fresh.id)
    assert "Reply soon" in card(queue, warned.id) and "7 min on duty" in card(queue, warned.id)
    assert "Overdue" in card(queue, late.id) and "15-minute target" in card(queue, late.id)
    fragment = nurse.get("/api/queue", headers={"Accept": "application/json"}).json()["html"]
    assert 'data-first-response="breached"' in card(fragment, late.id)

    page = nurse.get(f"/handoffs/{late.id}").text
    assert 'data-first-response="breached"' in page and "Overdue" in page
    timer_now = nurse.get(f"/api/handoffs/{late.id}/first-response").json()
    assert timer_now["state"] == "breached" and "Overdue" in timer_now["html"]

    # the breach reached staff's pages as a notice, and is recorded as told
    wait_for(
        lambda: _breach_rows(store, late.id) and _breach_rows(store, late.id)[0].notified_at,
        what="the breach announced",
    )
    assert _breach_rows(store, fresh.id) == []

    assert nurse.act(f"/handoffs/{warned.id}/claim").status == 303
    assert nurse.act(f"/handoffs/{warned.id}/reply", text="Hello, I am reading now.").status == 303
    answered = nurse.get(f"/api/handoffs/{warned.id}/first-response").json()
    assert answered["state"] == "answered" and "First reply after 7 min on duty" in answered["html"]
    mine = nurse.get("/queue?tab=mine").text
    assert 'data-first-response="answered"' in card(mine, warned.id)
