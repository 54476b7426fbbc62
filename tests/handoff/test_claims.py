"""Only the staff member who claimed a handoff replies to it or ends it, and the check is the
write itself: two staff acting at once cannot both succeed (real SQLite and PostgreSQL)."""

import threading
from typing import Any, Callable, List, Tuple

import pytest

from handoff.schema import handoff_end_notices
from tests.databases import DATABASES, handoff_store
from tests.handoff.test_store import add_staff

ROUNDS = 30


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def at_once(*calls: Tuple[Callable[..., Any], ...]) -> List[Any]:
    """Runs each (function, *arguments) in a thread, all released together; their results."""
    results: List[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        function, *arguments = calls[index]
        start.wait()
        results[index] = function(*arguments)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def end_notices(store, handoff_id):
    with store.engine.connect() as connection:
        return connection.execute(
            handoff_end_notices.select().where(handoff_end_notices.c.handoff_id == handoff_id)
        ).all()


def test_someone_else_cannot_reply_to_or_end_a_claimed_handoff(store):
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    assert store.add_staff_message(handoff.id, lee, "before claiming") is None
    assert store.claim(handoff.id, lee)
    audit_before = len(store.audit_entries())

    assert store.add_staff_message(handoff.id, kim, "I'll take this") is None
    assert store.end(handoff.id, kim, "closed") is False
    assert store.end(handoff.id, kim, "returned") is False

    assert store.messages(handoff.id) == []
    assert store.get_handoff(handoff.id).status == "claimed"
    assert end_notices(store, handoff.id) == []
    assert len(store.audit_entries()) == audit_before
    # the claimer can
    assert store.add_staff_message(handoff.id, lee, "Hi, I'm Lee") is not None
    assert store.end(handoff.id, lee, "closed") is True
    assert store.add_staff_message(handoff.id, lee, "after the end") is None
    assert [m["text"] for m in store.messages(handoff.id)] == ["Hi, I'm Lee"]


def test_a_claim_and_a_colleagues_end_at_once_do_not_both_succeed(store):
    """Kim saw it waiting (anyone may end a waiting handoff) and ends it as Lee claims it."""
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    winners = set()
    for number in range(ROUNDS):
        handoff = store.open_handoff(f"conv-{number}", "webchat", "requested")
        claimed, ended = at_once(
            (store.claim, handoff.id, lee), (store.end, handoff.id, kim, "returned")
        )
        assert claimed != ended, "exactly one of them wins"
        final = store.get_handoff(handoff.id)
        if claimed:
            assert (final.status, final.claimed_by, final.ended_by) == ("claimed", lee, None)
            assert end_notices(store, handoff.id) == []
        else:
            assert (final.status, final.claimed_by, final.ended_by) == ("returned", None, kim)
        winners.add("claim" if claimed else "end")
    assert winners  # (which one wins is up to the database)


def test_two_staff_closing_at_once_end_it_once(store):
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    for number in range(ROUNDS):
        handoff = store.open_handoff(f"conv-{number}", "webchat", "requested")
        results = at_once(
            (store.end, handoff.id, lee, "closed"), (store.end, handoff.id, kim, "closed")
        )
        assert sorted(results) == [False, True]
        assert len(end_notices(store, handoff.id)) == 1
        ends = [e for e in store.audit_entries() if e["handoff_id"] == handoff.id]
        assert [e["action"] for e in ends] == ["closed"]


def test_a_colleagues_reply_racing_the_claimers_end_is_never_written(store):
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    for number in range(ROUNDS):
        handoff = store.open_handoff(f"conv-{number}", "webchat", "requested")
        assert store.claim(handoff.id, lee)
        kims_reply, lees_end, kims_end = at_once(
            (store.add_staff_message, handoff.id, kim, "let me"),
            (store.end, handoff.id, lee, "closed"),
            (store.end, handoff.id, kim, "returned"),
        )
        assert (kims_reply, lees_end, kims_end) == (None, True, False)
        assert store.messages(handoff.id) == []
        assert store.get_handoff(handoff.id).ended_by == lee
