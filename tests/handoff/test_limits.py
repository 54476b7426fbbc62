"""Caps on requests for staff: a flood of handoffs and callback requests is refused, also when the
requests arrive at the same moment, and staff are alerted once per cap and period (real SQLite
and PostgreSQL)."""

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    inspect,
    select,
)

from handoff.database import make_engine
from handoff.limits import (
    LimitReached,
    RequestLimits,
    claim_alerts,
    period_start,
    recent_alerts,
)
from handoff.models import aware, utcnow
from handoff.schema import alerts, callback_requests, handoffs
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore
from tests.databases import DATABASES, database_url, handoff_store, set_handoff_clock
from tests.handoff.test_claims import at_once
from tests.handoff.test_store import add_staff

LIMITS = HandoffSettings().request_limits  # the defaults, as the actions use them
ADDRESS = "5f2b0c4e9a1d7e3b6c8a0f1e2d3c4b5a"  # a keyed hash, as the channels make it
LONG_AGO = utcnow() - dt.timedelta(days=365)
THREADS = 12


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def attempt(call, *args, **kwargs):
    """What a request for staff came to: "ok", or the cap that refused it."""
    try:
        call(*args, **kwargs)
        return "ok"
    except LimitReached as refused:
        return refused.cap


def stored(store):
    with store.engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (handoffs, callback_requests)
        )


def test_the_default_caps():
    assert (LIMITS.per_conversation, LIMITS.per_address, LIMITS.overall) == (3, 5, 60)
    assert LIMITS.conversation_window == dt.timedelta(hours=24)
    assert LIMITS.address_window == LIMITS.overall_window == dt.timedelta(hours=1)
    with pytest.raises(ValueError):
        HandoffSettings(limit_overall=0)


def test_one_conversation_asking_five_times_gets_only_the_cap(store):
    lee = add_staff(store)
    outcomes = []
    for _ in range(5):
        outcome = attempt(store.open_handoff, "conv-1", "webchat", "requested", limits=LIMITS)
        outcomes.append(outcome)
        if outcome == "ok":  # staff hand it back, so the next ask would be a new handoff
            assert store.end(store.active_handoff("conv-1").id, lee, "returned")
    assert outcomes == ["ok"] * 3 + ["conversation"] * 2
    assert len(store.list_handoffs(["waiting", "closed", "returned"])) == 3
    # callback requests count too, and asking again while a handoff is open adds nothing
    refused = attempt(store.create_callback, "conv-1", "webchat", "Sam", "0", limits=LIMITS)
    assert refused == "conversation"
    assert store.list_callbacks() == []
    other = store.open_handoff("conv-2", "webchat", "requested", limits=LIMITS)
    for _ in range(5):
        assert (
            store.open_handoff("conv-2", "webchat", "emergency", True, limits=LIMITS).id == other.id
        )
    assert store.get_handoff(other.id).urgent


def test_ten_conversations_from_one_address_are_capped(store):
    outcomes = [
        attempt(store.open_handoff, f"conv-{n}", "webchat", "requested", False, ADDRESS, LIMITS)
        for n in range(10)
    ]
    assert outcomes == ["ok"] * 5 + ["address"] * 5
    # callback requests from that address too; other addresses (and none) are not affected
    refused = attempt(store.create_callback, "conv-x", "voice", "Sam", "0", ADDRESS, LIMITS)
    assert refused == "address"
    assert store.create_callback("conv-y", "voice", "Kim", "07700 900124", "another", LIMITS)
    assert store.open_handoff("conv-z", "webchat", "requested", limits=LIMITS).status == "waiting"
    with store.engine.connect() as connection:
        keys = connection.execute(select(handoffs.c.address_key)).scalars().all()
    assert sorted(keys, key=str) == sorted([ADDRESS] * 5 + [None], key=str)


def test_the_overall_cap_holds_whatever_the_conversation_and_address(store):
    outcomes = [
        attempt(
            store.create_callback if n % 2 else store.open_handoff,
            f"conv-{n}",
            "webchat",
            *(("Sam", "sam@example.org") if n % 2 else ("requested",)),
            address_key=f"address-{n}",
            limits=LIMITS,
        )
        for n in range(70)
    ]
    assert outcomes == ["ok"] * 60 + ["overall"] * 10
    assert stored(store) == 60


def test_requests_older_than_the_window_do_not_count(store, monkeypatch):
    set_handoff_clock(monkeypatch, lambda: LONG_AGO)
    for n in range(5):
        store.open_handoff(f"old-{n}", "webchat", "requested", False, ADDRESS, LIMITS)
    monkeypatch.undo()
    assert store.open_handoff("new", "webchat", "requested", False, ADDRESS, LIMITS)


def test_requests_at_the_same_moment_never_exceed_a_cap(store):
    """Each thread counts and inserts; released together, they must still queue for the lock."""
    small = RequestLimits(per_conversation=2, per_address=4, overall=7)
    open_one = partial(attempt, store.open_handoff, channel="webchat", reason="requested")
    callback = partial(attempt, store.create_callback, channel="webchat", name="S", contact="0")

    # one conversation: its handoff is opened once, its callback requests stop at the cap
    results = at_once(*[(partial(open_one, "conv-same", limits=small),) for _ in range(THREADS)])
    assert results == ["ok"] * THREADS
    assert len(store.list_handoffs(["waiting"])) == 1
    results = at_once(*[(partial(callback, "conv-same", limits=small),) for _ in range(THREADS)])
    assert results.count("ok") == 1 and stored(store) == 2  # with the handoff: 2

    # one address, each request from a new conversation
    results = at_once(
        *[
            (partial(open_one if n % 2 else callback, f"a-{n}", address_key=ADDRESS, limits=small),)
            for n in range(THREADS)
        ]
    )
    assert results.count("ok") == 4 and set(results) == {"ok", "address"}
    assert stored(store) == 6

    # everyone: only one more fits under the overall cap
    results = at_once(
        *[
            (partial(open_one if n % 2 else callback, f"b-{n}", limits=small),)
            for n in range(THREADS)
        ]
    )
    assert results.count("ok") == 1 and stored(store) == 7


def alert_rows(store):
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(alerts)).all()]


def test_staff_are_alerted_once_per_cap_and_period(store, monkeypatch):
    small = RequestLimits(per_conversation=1, per_address=2, overall=3)
    noon = dt.datetime(2031, 5, 6, 12, 0, tzinfo=dt.timezone.utc)
    clock = [noon]
    set_handoff_clock(monkeypatch, lambda: clock[0])
    store.open_handoff("conv-1", "webchat", "requested", False, ADDRESS, small)
    store.open_handoff("conv-2", "webchat", "requested", False, ADDRESS, small)
    store.create_callback("conv-3", "webchat", "Sam", "0", "elsewhere", small)
    for minute in range(1, 11):  # ten more from each: refused by each cap
        clock[0] = noon + dt.timedelta(minutes=minute)
        assert attempt(store.create_callback, "conv-3", "webchat", "S", "0", limits=small) == (
            "conversation"
        )
        from_address = (store.open_handoff, "conv-4", "webchat", "requested", False, ADDRESS)
        assert attempt(*from_address, small) == "address"
        assert attempt(store.open_handoff, f"new-{minute}", "rest", "feedback", limits=small) == (
            "overall"
        )
    assert stored(store) == 3  # nothing refused was kept
    rows = {row["cap"]: row for row in alert_rows(store)}
    assert set(rows) == {"conversation", "address", "overall"}
    assert {row["refused"] for row in rows.values()} == {10}
    assert aware(rows["overall"]["period_start"]) == noon
    assert (rows["overall"]["allowed"], rows["overall"]["window_minutes"]) == (3, 60)
    assert (rows["conversation"]["allowed"], rows["conversation"]["window_minutes"]) == (1, 1440)
    shown = recent_alerts(store.engine, noon)
    assert shown[0]["last_refused_at"] == noon + dt.timedelta(minutes=10)

    # several inbox processes claim at once: each alert is announced by exactly one of them
    claims = at_once(*[(claim_alerts, store.engine) for _ in range(4)])
    assert sorted(row["cap"] for claimed in claims for row in claimed) == sorted(rows)
    assert claim_alerts(store.engine) == []

    # more refusals in the same hour: counted, not announced again; the next hour: a new alert
    assert attempt(store.open_handoff, "late", "webchat", "requested", limits=small) == "overall"
    assert claim_alerts(store.engine) == []
    clock[0] = noon + dt.timedelta(hours=1, minutes=1)  # the window slides past noon's three
    outcomes = [
        attempt(store.open_handoff, f"next-{n}", "voice", "requested", limits=small)
        for n in range(4)
    ]
    assert outcomes == ["ok"] * 3 + ["overall"]
    [fresh] = claim_alerts(store.engine)
    assert fresh["cap"] == "overall" and fresh["period_start"] == noon + dt.timedelta(hours=1)
    assert len(alert_rows(store)) == 4


def test_checking_before_a_callback_request_records_the_refusal_and_keeps_nothing(store):
    small = RequestLimits(per_conversation=1, per_address=2, overall=3)
    assert store.check_request_limits("conv-1", ADDRESS, small) is None
    store.create_callback("conv-1", "webchat", "Sam", "0", ADDRESS, small)
    assert store.check_request_limits("conv-1", ADDRESS, small) == "conversation"
    assert store.check_request_limits("conv-2", None, small) is None
    assert stored(store) == 1
    [alert] = claim_alerts(store.engine)
    assert (alert["cap"], alert["refused"]) == ("conversation", 1)


def test_periods_are_fixed_hours_and_days():
    moment = dt.datetime(2031, 5, 6, 12, 34, 56, tzinfo=dt.timezone.utc)
    assert period_start(moment, dt.timedelta(hours=1)) == moment.replace(minute=0, second=0)
    assert period_start(moment, dt.timedelta(hours=24)) == moment.replace(
        hour=0, minute=0, second=0
    )


def create_tables_before_caps(url):
    """`handoffs` and `callback_requests` as they were before address_key, with a row each."""
    legacy = MetaData()

    def common():
        return [
            Column("id", String(32), primary_key=True),
            Column("conversation_id", String(255), nullable=False),
            Column("channel", String(50), nullable=False),
            Column("status", String(20), nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("notified_at", DateTime(timezone=True), nullable=True),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        ]

    old_handoffs = Table(
        "handoffs",
        legacy,
        *common(),
        Column("reason", String(20), nullable=False),
        Column("urgent", Boolean, nullable=False),
        Column("claimed_by", Integer, nullable=True),
        Column("claimed_at", DateTime(timezone=True), nullable=True),
        Column("ended_by", Integer, nullable=True),
        Column("ended_at", DateTime(timezone=True), nullable=True),
    )
    old_callbacks = Table(
        "callback_requests",
        legacy,
        *common(),
        Column("name", String(120), nullable=False),
        Column("contact", String(254), nullable=False),
        Column("consented_at", DateTime(timezone=True), nullable=False),
        Column("handled_by", Integer, nullable=True),
        Column("handled_at", DateTime(timezone=True), nullable=True),
    )
    now = utcnow()
    row = {"conversation_id": "before", "channel": "webchat", "created_at": now, "updated_at": now}
    engine = make_engine(url)
    try:
        legacy.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                old_handoffs.insert().values(
                    id="h" * 32, status="waiting", reason="requested", urgent=False, **row
                )
            )
            connection.execute(
                old_callbacks.insert().values(
                    id="c" * 32, status="open", name="Sam", contact="0", consented_at=now, **row
                )
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_an_existing_database_gets_address_keys_and_alerts(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        create_tables_before_caps(url)
        store = HandoffStore.from_url(url)
        try:
            inspector = inspect(store.engine)
            for table in ("handoffs", "callback_requests"):
                assert "address_key" in {c["name"] for c in inspector.get_columns(table)}
            assert "alerts" in inspector.get_table_names()
            # the earlier requests are still there, and count towards the caps
            assert [h.id for h in store.list_handoffs(["waiting"])] == ["h" * 32]
            assert [c["id"] for c in store.list_callbacks()] == ["c" * 32]
            one = RequestLimits(per_conversation=2, per_address=5, overall=60)
            again = (store.create_callback, "before", "webchat", "Sam", "0")
            assert attempt(*again, limits=one) == "conversation"
            assert store.open_handoff("after", "webchat", "requested", False, ADDRESS, one)
        finally:
            store.engine.dispose()
