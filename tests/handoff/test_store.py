"""The handoff queue against real SQLite and PostgreSQL databases."""

import datetime as dt

import pytest
from sqlalchemy import insert

from handoff.models import utcnow
from handoff.schema import handoff_messages
from handoff.store import HandoffStore
from inbox.retention import delete_ended
from inbox.schema import staff, staff_sessions
from inbox.sessions import staff_signed_in
from tests.databases import DATABASES, handoff_store


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def add_staff(store, name="Nurse Lee", email="lee@example.org", last_seen=None):
    now = utcnow()
    with store.engine.begin() as connection:
        staff_id = connection.execute(
            insert(staff).values(
                email=email,
                name=name,
                password_hash="x",
                disabled=False,
                created_at=now,
            )
        ).inserted_primary_key[0]
        if last_seen is not None:
            connection.execute(
                insert(staff_sessions).values(
                    token_hash=f"hash-{staff_id}",
                    staff_id=staff_id,
                    csrf_token="c",
                    created_at=now,
                    last_seen=last_seen,
                    expires_at=now + dt.timedelta(hours=8),
                )
            )
    return staff_id


def test_a_conversation_has_one_open_handoff(store):
    first = store.open_handoff("conv-1", "webchat", "requested")
    again = store.open_handoff("conv-1", "webchat", "feedback")
    assert again.id == first.id and first.status == "waiting"
    assert store.active_handoff("conv-1").id == first.id
    assert store.active_handoff("someone-else") is None


def test_an_emergency_marks_the_open_handoff_urgent(store):
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    assert not handoff.urgent
    assert store.open_handoff("conv-1", "webchat", "emergency", urgent=True).urgent
    store.add_person_message(handoff.id, "I can't breathe", urgent=True)
    assert store.get_handoff(handoff.id).urgent


def test_unknown_reason_is_refused(store):
    with pytest.raises(ValueError):
        store.open_handoff("conv-1", "webchat", "boredom")


def test_queue_position_and_claim_race(store):
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    first = store.open_handoff("a", "webchat", "requested")
    second = store.open_handoff("b", "webchat", "requested")
    assert store.queue_position(first.id) == 1 and store.queue_position(second.id) == 2
    assert store.claim(first.id, lee) is True
    assert store.claim(first.id, kim) is False  # someone was quicker
    assert store.queue_position(second.id) == 1
    assert [h.id for h in store.list_handoffs(["claimed"], claimed_by=lee)] == [first.id]


def test_messages_flow_both_ways_and_staff_messages_are_delivered_once(store):
    lee = add_staff(store)
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    store.add_person_message(handoff.id, "Hello, is anyone there?")
    store.claim(handoff.id, lee)
    store.add_staff_message(handoff.id, lee, "Hi, I'm Lee, an MS nurse.")
    pending = store.undelivered_staff_messages("conv-1")
    assert [(m["text"], m["staff_name"]) for m in pending] == [
        ("Hi, I'm Lee, an MS nurse.", "Nurse Lee")
    ]
    store.mark_delivered([m["id"] for m in pending])
    assert store.undelivered_staff_messages("conv-1") == []
    texts = [(m["sender"], m["text"]) for m in store.messages(handoff.id)]
    assert texts == [("person", "Hello, is anyone there?"), ("staff", "Hi, I'm Lee, an MS nurse.")]
    first_id = store.messages(handoff.id)[0]["id"]
    assert [m["text"] for m in store.messages(handoff.id, after_id=first_id)] == [
        "Hi, I'm Lee, an MS nurse."
    ]


def test_ending_a_handoff_and_the_audit_trail(store):
    lee = add_staff(store)
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    store.claim(handoff.id, lee)
    store.add_staff_message(handoff.id, lee, "Anything else?")
    assert store.end(handoff.id, lee, "closed") is True
    assert store.end(handoff.id, lee, "returned") is False  # already ended
    assert store.active_handoff("conv-1") is None
    actions = [(e["action"], e["staff_id"]) for e in reversed(store.audit_entries())]
    assert actions == [("claim", lee), ("reply", lee), ("closed", lee)]
    with pytest.raises(ValueError):
        store.end(handoff.id, lee, "deleted")


def test_staff_presence_counts_recent_sessions_only(store):
    now = utcnow()
    add_staff(store, last_seen=now - dt.timedelta(minutes=10))
    assert not staff_signed_in(store.engine, within_seconds=120, now=now)
    add_staff(store, "Kim", "kim@example.org", last_seen=now - dt.timedelta(seconds=30))
    assert staff_signed_in(store.engine, within_seconds=120, now=now)


def test_estimated_wait_uses_recent_claims(store):
    assert store.estimated_wait_minutes(default=10) == 10
    lee = add_staff(store)
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    store.claim(handoff.id, lee)
    assert store.estimated_wait_minutes(default=10) == 1  # claimed at once: at least a minute


def test_callback_requests(store):
    lee = add_staff(store)
    callback_id = store.create_callback("conv-9", "webchat", "Sam", "sam@example.org")
    [open_request] = store.list_callbacks()
    assert (open_request["name"], open_request["contact"]) == ("Sam", "sam@example.org")
    assert store.mark_callback_done(callback_id, lee) is True
    assert store.mark_callback_done(callback_id, lee) is False
    assert store.list_callbacks() == [] and len(store.list_callbacks(["done"])) == 1


def test_latest_change_moves_with_the_queue(store):
    assert store.latest_change() is None
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    before = store.latest_change()
    store.add_person_message(handoff.id, "hello")
    assert store.latest_change() >= before


def test_retention_deletes_only_old_ended_handoffs_and_done_callbacks(store):
    lee = add_staff(store)
    old = store.open_handoff("old", "webchat", "requested")
    store.add_person_message(old.id, "my details")
    store.end(old.id, lee, "closed")
    still_open = store.open_handoff("open", "webchat", "requested")
    done = store.create_callback("cb", "webchat", "Sam", "sam@example.org")
    store.mark_callback_done(done, lee)
    kept = store.create_callback("cb2", "webchat", "Alex", "alex@example.org")

    deleted = delete_ended(store.engine, utcnow() + dt.timedelta(seconds=1))

    assert deleted == {"handoffs": 1, "callbacks": 1}
    assert store.get_handoff(old.id) is None and store.messages(old.id) == []
    assert store.get_handoff(still_open.id) is not None
    assert [c["id"] for c in store.list_callbacks()] == [kept]
    assert store.audit_entries()[0]["action"] == "retention"


def test_a_new_store_on_the_same_database_sees_everything(store):
    """What a restart of any process looks like: nothing in flight is lost."""
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    store.add_person_message(handoff.id, "still there?")
    reopened = HandoffStore.from_url(store.engine.url.render_as_string(hide_password=False))
    assert reopened.active_handoff("conv-1").id == handoff.id
    assert [m["text"] for m in reopened.messages(handoff.id)] == ["still there?"]
    reopened.engine.dispose()


def test_ending_a_handoff_leaves_a_notice_for_the_assistant_until_delivered(store):
    lee = add_staff(store)
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    store.claim(handoff.id, lee)
    assert store.pending_end_notices() == []
    store.end(handoff.id, lee, "returned")
    [notice] = store.pending_end_notices()
    assert (notice["handoff_id"], notice["conversation_id"]) == (handoff.id, "conv-1")
    assert (
        store.pending_end_notices(older_than=notice["created_at"] - dt.timedelta(seconds=5)) == []
    )
    store.mark_end_delivered(handoff.id)
    assert store.pending_end_notices() == []
    # retention removes the notice with its handoff
    assert delete_ended(store.engine, utcnow() + dt.timedelta(seconds=1))["handoffs"] == 1


def test_undelivered_staff_messages_are_found_for_retrying(store):
    lee = add_staff(store)
    first = store.open_handoff("conv-1", "webchat", "requested")
    second = store.open_handoff("conv-2", "webchat", "requested")
    store.add_person_message(first.id, "hello")  # the person's messages are never "undelivered"
    assert store.conversations_with_undelivered(utcnow()) == []
    assert store.claim(first.id, lee) and store.claim(second.id, lee)
    reply = store.add_staff_message(first.id, lee, "Hi")
    store.add_staff_message(second.id, lee, "Hello there")
    store.add_staff_message(first.id, lee, "Are you there?")
    assert store.conversations_with_undelivered(utcnow()) == ["conv-1", "conv-2"]
    assert store.conversations_with_undelivered(utcnow() - dt.timedelta(minutes=1)) == []
    assert store.delivered_ids([reply]) == []
    store.mark_delivered([m["id"] for m in store.undelivered_staff_messages("conv-1")])
    assert store.delivered_ids([reply]) == [reply]
    assert store.conversations_with_undelivered(utcnow()) == ["conv-2"]


def test_queue_counts(store):
    lee, kim = add_staff(store), add_staff(store, "Kim", "kim@example.org")
    store.open_handoff("a", "webchat", "requested")
    store.open_handoff("b", "webchat", "emergency", urgent=True)
    mine = store.open_handoff("c", "webchat", "requested")
    store.claim(mine.id, lee)
    store.create_callback("d", "webchat", "Sam", "sam@example.org")
    assert store.queue_counts(lee) == {"waiting": 2, "urgent": 1, "mine": 1, "callbacks": 1}
    assert store.queue_counts(kim)["mine"] == 0


def test_the_closed_list_shows_the_most_recent_first(store):
    lee = add_staff(store)
    first = store.open_handoff("a", "webchat", "requested")
    second = store.open_handoff("b", "webchat", "requested")
    store.end(second.id, lee, "closed")
    store.end(first.id, lee, "returned")
    ended = store.list_handoffs(["closed", "returned"], newest_first=True)
    assert [h.id for h in ended] == [first.id, second.id]


def test_claiming_notifications_hands_each_one_out_once(store):
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    callback_id = store.create_callback("conv-2", "webchat", "Sam", "0770 090 0123")
    claimed = store.claim_notifications()
    assert [h["id"] for h in claimed["handoffs"]] == [handoff.id]
    assert [c["id"] for c in claimed["callbacks"]] == [callback_id]
    assert store.claim_notifications() == {"handoffs": [], "callbacks": []}
    assert store.unnotified() == {"handoffs": [], "callbacks": []}


def test_database_errors_do_not_repeat_the_message_text(store):
    """Messages are health information: an error (and so the logs) must not contain them."""
    handoff = store.open_handoff("conv-1", "webchat", "requested")
    secret = "my neurologist says my EDSS is 6.5"
    with pytest.raises(Exception) as error:
        with store.engine.begin() as connection:
            connection.execute(
                insert(handoff_messages).values(
                    id=1, handoff_id=handoff.id, sender="person", text=secret, created_at=utcnow()
                )
            )
            connection.execute(
                insert(handoff_messages).values(
                    id=1, handoff_id=handoff.id, sender="person", text=secret, created_at=utcnow()
                )
            )
    assert secret not in str(error.value)


def test_a_callback_request_by_id(store):
    callback_id = store.create_callback("conv-9", "webchat", "Sam", "sam@example.org")
    assert store.get_callback(callback_id)["contact"] == "sam@example.org"
    assert store.get_callback("nope") is None


def test_a_channel_the_client_named_is_stored_as_other(store):
    # Rasa's REST channel takes `input_channel` from the request: anything, of any length
    made_up = "webchat\r\nBcc: someone@elsewhere.example <b>hi</b>" + "x" * 5000
    handoff = store.open_handoff("conv-rest", made_up, "requested")
    callback_id = store.create_callback("conv-rest-2", made_up, "Sam Jones", "07700 900123")
    assert handoff.channel == "other"
    assert store.get_callback(callback_id)["channel"] == "other"
    assert store.open_handoff("conv-chat", "webchat", "requested").channel == "webchat"
    assert store.open_handoff("conv-none", None, "requested").channel == "unknown"
