"""Answering a handoff over HTTP: claim (and its race), reply, close, return to the assistant,
the transcript, live updates, and what happens when the assistant cannot be reached."""

import datetime as dt
import re
import threading
import time

import pytest
from sqlalchemy import update

from handoff.models import utcnow
from handoff.rasa_client import HANDOFF_ENDED, STAFF_REPLY
from inbox.schema import staff_sessions
from inbox.sessions import staff_signed_in
from tests.inbox.conftest import EventStream, new_conversation_id, recent, wait_for

pytestmark = pytest.mark.server


def waiting_handoff(store, urgent=False, message="Hello, is anyone there?"):
    conversation_id = new_conversation_id()
    handoff = store.open_handoff(
        conversation_id, "webchat", "emergency" if urgent else "requested", urgent=urgent
    )
    if message:
        store.add_person_message(handoff.id, message)
    return handoff


def test_the_queue_shows_urgent_first_with_reason_channel_and_wait(signed_in, store):
    client, _ = signed_in()
    calm = waiting_handoff(store)
    urgent = waiting_handoff(store, urgent=True)
    page = client.get("/queue").text
    assert page.index(urgent.id) < page.index(calm.id)
    card = re.search(
        rf'<li class="card item item-urgent" data-id="{urgent.id}">(.*?)</li>', page, re.S
    )[1]
    assert "Urgent" in card and "Emergency" in card and "Web chat" in card
    assert re.search(r"<time datetime=\S+ data-waited>just now</time>", card)
    fragment = client.get("/api/queue?tab=waiting").json()
    assert urgent.id in fragment["html"] and fragment["counts"]["urgent"] >= 1


def test_claiming_is_atomic_one_wins_and_the_other_is_told(signed_in, store):
    lee, lee_id = signed_in("Nurse Lee")
    kim, kim_id = signed_in("Nurse Kim")
    handoff = waiting_handoff(store)
    results = {}
    start = threading.Barrier(2)

    def claim(name, client):
        start.wait()
        results[name] = client.act(f"/handoffs/{handoff.id}/claim")

    threads = [threading.Thread(target=claim, args=pair) for pair in (("lee", lee), ("kim", kim))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    notices = sorted(r.location.split("notice=")[1] for r in results.values())
    assert notices == ["claim_lost", "claimed"]
    winner = store.get_handoff(handoff.id).claimed_by
    assert winner in (lee_id, kim_id)
    loser = kim if winner == lee_id else lee
    loser_name = "Nurse Lee" if winner == lee_id else "Nurse Kim"
    page = loser.get(results["kim" if loser is kim else "lee"].location).text
    assert "Someone else claimed this conversation first." in page
    assert loser_name in page  # who has it
    claims = [
        e for e in store.audit_entries() if e["handoff_id"] == handoff.id and e["action"] == "claim"
    ]
    assert [e["staff_id"] for e in claims] == [winner]
    # a script gets a 409 instead
    response = loser.post(
        f"/handoffs/{handoff.id}/claim",
        headers={"X-CSRF-Token": loser.csrf, "Accept": "application/json"},
    )
    assert response.status == 409 and response.json()["notice"] == "claim_lost"


def test_a_claim_and_a_colleagues_return_at_once_do_not_both_succeed(signed_in, store, fake_rasa):
    """Kim returns a waiting conversation to the assistant just as Lee claims it: one wins."""
    lee, lee_id = signed_in("Nurse Lee")
    kim, kim_id = signed_in("Nurse Kim")
    start = threading.Barrier(2)

    def act(results, name, client, path):
        start.wait()
        results[name] = client.act(path)

    for _ in range(5):
        handoff = waiting_handoff(store)
        results = {}
        threads = [
            threading.Thread(
                target=act, args=(results, name, client, f"/handoffs/{handoff.id}/{do}")
            )
            for name, client, do in (("lee", lee, "claim"), ("kim", kim, "return"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        claimed = results["lee"].location.endswith("notice=claimed")
        returned = results["kim"].location == "/queue?notice=returned"
        assert claimed != returned, (results["lee"].location, results["kim"].location)
        final = store.get_handoff(handoff.id)
        if claimed:
            assert (final.status, final.claimed_by, final.ended_by) == ("claimed", lee_id, None)
            assert results["kim"].location.endswith("notice=not_yours")
            assert fake_rasa.calls_for(handoff.conversation_id) == []  # the person was not told
        else:
            assert (final.status, final.claimed_by, final.ended_by) == ("returned", None, kim_id)
            assert results["lee"].location.endswith("notice=claim_lost")


def test_a_reply_is_delivered_through_the_assistant(signed_in, store, fake_rasa):
    client, staff_id = signed_in("Nurse Lee")
    handoff = waiting_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    response = client.post(
        f"/handoffs/{handoff.id}/reply",
        {"csrf_token": client.csrf, "text": "Hi, I'm Lee, an MS nurse.\nHow can I help?"},
        headers={"Accept": "application/json"},
    )
    assert response.status == 200
    body = response.json()
    assert body["delivered"] is True
    assert body["message"]["text"] == "Hi, I'm Lee, an MS nurse.\nHow can I help?"
    assert body["message"]["staff_name"] == "Nurse Lee"
    assert fake_rasa.calls_for(handoff.conversation_id) == [STAFF_REPLY]
    assert store.undelivered_staff_messages(handoff.conversation_id) == []
    [reply] = [m for m in store.messages(handoff.id) if m["sender"] == "staff"]
    assert reply["staff_id"] == staff_id
    [entry] = [
        e for e in store.audit_entries() if e["handoff_id"] == handoff.id and e["action"] == "reply"
    ]
    assert entry["staff_id"] == staff_id and recent(entry["at"])
    # a plain form post (no script) works too and comes back to the page
    response = client.act(f"/handoffs/{handoff.id}/reply", text="Still there?")
    assert (response.status, response.location) == (303, f"/handoffs/{handoff.id}")
    assert fake_rasa.calls_for(handoff.conversation_id) == [STAFF_REPLY, STAFF_REPLY]


def test_only_the_claimer_replies_and_empty_or_long_replies_are_refused(signed_in, store):
    lee, _ = signed_in("Nurse Lee")
    kim, _ = signed_in("Nurse Kim")
    handoff = waiting_handoff(store)
    json_headers = {"Accept": "application/json"}
    assert lee.act(f"/handoffs/{handoff.id}/reply", text="too early").location.endswith(
        "notice=not_yours"
    )
    lee.act(f"/handoffs/{handoff.id}/claim")
    response = kim.post(
        f"/handoffs/{handoff.id}/reply",
        {"csrf_token": kim.csrf, "text": "hi"},
        headers=json_headers,
    )
    assert response.status == 409
    for text, problem in (("   ", "empty"), ("x" * 4001, "too_long")):
        response = lee.post(
            f"/handoffs/{handoff.id}/reply",
            {"csrf_token": lee.csrf, "text": text},
            headers=json_headers,
        )
        assert response.status == 400 and response.json()["error"] == problem
    assert [m["sender"] for m in store.messages(handoff.id)] == ["person"]
    assert kim.act(f"/handoffs/{handoff.id}/close").location.endswith("notice=not_yours")
    assert store.get_handoff(handoff.id).status == "claimed"


@pytest.mark.parametrize("button, outcome", [("close", "closed"), ("return", "returned")])
def test_close_and_return_end_the_handoff_and_tell_the_assistant(
    button, outcome, signed_in, store, fake_rasa
):
    client, staff_id = signed_in()
    handoff = waiting_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    response = client.act(f"/handoffs/{handoff.id}/{button}")
    assert (response.status, response.location) == (303, f"/queue?notice={outcome}")
    ended = store.get_handoff(handoff.id)
    assert (ended.status, ended.ended_by) == (outcome, staff_id)
    assert fake_rasa.calls_for(handoff.conversation_id) == [HANDOFF_ENDED]
    assert store.pending_end_notices() == [] or all(
        n["handoff_id"] != handoff.id for n in store.pending_end_notices()
    )
    actions = [
        (e["action"], e["staff_id"])
        for e in reversed(store.audit_entries())
        if e["handoff_id"] == handoff.id
    ]
    assert actions == [("claim", staff_id), (outcome, staff_id)]
    page = client.get("/queue?tab=closed").text
    assert handoff.id in page
    # ending again: nothing happens twice
    assert client.act(f"/handoffs/{handoff.id}/close").location.endswith("notice=ended_already")
    assert fake_rasa.calls_for(handoff.conversation_id) == [HANDOFF_ENDED]


def test_an_unclaimed_handoff_can_be_returned_to_the_assistant(signed_in, store, fake_rasa):
    client, staff_id = signed_in()
    handoff = waiting_handoff(store)
    assert client.act(f"/handoffs/{handoff.id}/return").location == "/queue?notice=returned"
    assert store.get_handoff(handoff.id).ended_by == staff_id


def test_the_conversation_page_shows_the_earlier_conversation_with_sources(
    signed_in, store, fake_rasa
):
    client, _ = signed_in()
    handoff = waiting_handoff(store, message="Can you tell me more about the risks?")
    before = handoff.created_at.timestamp()
    fake_rasa.trackers[handoff.conversation_id] = {
        "events": [
            {
                "event": "user",
                "timestamp": before - 60,
                "text": "what are the side effects of hsct",
                "parse_data": {"intent": {"name": "ask_side_effects"}},
            },
            {
                "event": "bot",
                "timestamp": before - 59,
                "text": "The main risks are infections.",
                "data": {
                    "custom": {
                        "type": "evidence_answer",
                        "sources": [
                            {
                                "id": "sormani_2017",
                                "title": "AHSCT in MS: a meta-analysis",
                                "publisher": "Neurology",
                                "year": 2017,
                                "url": "https://doi.org/10.1212/WNL.0000000000003987",
                            },
                            {"id": "bad", "title": "Not a link", "url": "javascript:alert(1)"},
                        ],
                    }
                },
            },
            {
                "event": "bot",
                "timestamp": before - 58,
                "text": "Talk to your MS specialist.",
                "data": {"custom": {"type": "specialist_deferral"}},
            },
            {
                "event": "user",
                "timestamp": before - 30,
                "text": "/request_human",
                "metadata": {"display": "Talk to a person"},
            },
            {
                "event": "user",
                "timestamp": before - 20,
                "text": "EXTERNAL: EXTERNAL_staff_reply",
                "parse_data": {"intent": {"name": "EXTERNAL_staff_reply"}},
            },
            {
                "event": "user",
                "timestamp": before + 5,
                "text": "Can you tell me more about the risks?",
            },
        ]
    }
    page = client.get(f"/handoffs/{handoff.id}").text
    assert "what are the side effects of hsct" in page
    assert "The main risks are infections." in page
    link = (
        '<a href="https://doi.org/10.1212/WNL.0000000000003987" rel="noopener noreferrer" '
        'target="_blank">AHSCT in MS: a meta-analysis</a>, Neurology (2017)'
    )
    assert link in page
    assert "javascript:" not in page and "Not a link" in page
    assert "Talk to a person" in page and "/request_human" not in page
    assert "EXTERNAL" not in page
    # the person's message after the handoff appears once: from the handoff, not the tracker
    assert page.count("Can you tell me more about the risks?") == 1
    assert "could not be loaded" not in page


def test_the_page_says_so_when_the_earlier_conversation_cannot_be_loaded(
    signed_in, store, fake_rasa
):
    client, _ = signed_in()
    handoff = waiting_handoff(store, message="<script>alert('hi')</script>")
    fake_rasa.failing = True
    response = client.get(f"/handoffs/{handoff.id}")
    assert response.status == 200
    assert "The earlier conversation could not be loaded" in response.text
    # what the person wrote is shown as text, never as markup
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in response.text
    assert "<script>alert" not in response.text
    opened = [
        e for e in store.audit_entries() if e["handoff_id"] == handoff.id and e["action"] == "view"
    ]
    assert len(opened) == 1


def test_a_reply_written_while_the_assistant_is_down_is_delivered_when_it_is_back(
    signed_in, store, fake_rasa
):
    client, _ = signed_in()
    handoff = waiting_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    fake_rasa.failing = True
    response = client.act(f"/handoffs/{handoff.id}/reply", text="Sorry for the wait.")
    assert response.location == f"/handoffs/{handoff.id}?notice=reply_pending"
    assert "could not be reached" in client.get(response.location).text
    assert len(store.undelivered_staff_messages(handoff.conversation_id)) == 1
    fake_rasa.failing = False  # the assistant is back: the inbox retries by itself
    wait_for(lambda: not store.undelivered_staff_messages(handoff.conversation_id), what="delivery")
    assert STAFF_REPLY in fake_rasa.calls_for(handoff.conversation_id)


def test_an_end_the_assistant_did_not_hear_about_is_sent_again(signed_in, store, fake_rasa):
    client, _ = signed_in()
    handoff = waiting_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    fake_rasa.failing = True
    assert client.act(f"/handoffs/{handoff.id}/close").location == "/queue?notice=end_pending"
    assert [n["handoff_id"] for n in store.pending_end_notices()] == [handoff.id]
    fake_rasa.failing = False
    wait_for(lambda: not store.pending_end_notices(), what="the end to be delivered")
    assert fake_rasa.calls_for(handoff.conversation_id) == [HANDOFF_ENDED]


# --- live updates ---------------------------------------------------------------------------
def test_live_stream_sends_queue_changes_new_messages_and_arrivals(inbox, signed_in, store):
    client, _ = signed_in()
    handoff = waiting_handoff(store)
    [first] = store.messages(handoff.id)
    stream = EventStream(client, f"/api/events?handoff={handoff.id}&after={first['id']}")
    try:
        assert stream.response.status == 200
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        assert stream.response.headers["Cache-Control"] == "no-store"
        assert stream.next("queue")["data"]["waiting"] >= 1
        store.add_person_message(handoff.id, "Are you there?")
        seen = {}
        while not {"message", "queue"} <= set(seen):  # the queue changed too (in any order)
            event = stream.next()
            seen[event["event"]] = event
        message = seen["message"]
        assert message["data"]["text"] == "Are you there?" and message["data"]["sender"] == "person"
        assert int(message["id"]) > first["id"]

        arrival = waiting_handoff(store, urgent=True)
        notification = stream.next("notify")["data"]
        while notification["id"] != arrival.id:  # (an earlier arrival may come first)
            notification = stream.next("notify")["data"]
        assert notification == {
            "kind": "handoff",
            "id": arrival.id,
            "urgent": True,
            "reason": "emergency",
            "reason_label": "Emergency",
            "channel": "webchat",
            "channel_label": "Web chat",
            "created_at": arrival.created_at.isoformat(),
            "url": f"{inbox.url}/handoffs/{arrival.id}",
        }
    finally:
        stream.close()


def test_a_message_sent_while_reconnecting_is_shown_when_the_page_is_back(signed_in, store):
    client, staff_id = signed_in()
    handoff = waiting_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    stream = EventStream(client, f"/api/events?handoff={handoff.id}")
    seen = stream.next("message")
    stream.close()  # the browser lost its connection ...
    store.add_person_message(handoff.id, "I wrote this while you were away")
    # ... and EventSource reconnects with the last event id it saw
    again = EventStream(client, f"/api/events?handoff={handoff.id}", last_event_id=int(seen["id"]))
    try:
        message = again.next("message")
        assert message["data"]["text"] == "I wrote this while you were away"
    finally:
        again.close()


def test_the_stream_reports_deliveries_and_status_changes(signed_in, store, fake_rasa):
    client, staff_id = signed_in("Nurse Lee")
    kim, _ = signed_in("Nurse Kim")
    handoff = waiting_handoff(store)
    fake_rasa.failing = True
    client.act(f"/handoffs/{handoff.id}/claim")
    client.act(f"/handoffs/{handoff.id}/reply", text="Hello")
    [reply] = [m for m in store.messages(handoff.id) if m["sender"] == "staff"]
    stream = EventStream(kim, f"/api/events?handoff={handoff.id}")
    try:
        staff_message = stream.next("message", timeout=5)
        while staff_message["data"]["sender"] != "staff":
            staff_message = stream.next("message", timeout=5)
        assert staff_message["data"]["delivered"] is False
        fake_rasa.failing = False
        assert stream.next("delivered")["data"] == {"id": reply["id"]}
        client.act(f"/handoffs/{handoff.id}/close")
        status = stream.next("handoff")["data"]
        assert status["status"] == "closed" and status["mine"] is False
    finally:
        stream.close()


def test_an_open_page_keeps_its_staff_member_signed_in_for_the_assistant(signed_in, store):
    client, staff_id = signed_in()
    long_ago = utcnow() - dt.timedelta(minutes=10)
    with store.engine.begin() as connection:
        connection.execute(
            update(staff_sessions)
            .where(staff_sessions.c.staff_id == staff_id)
            .values(last_seen=long_ago)
        )
        connection.execute(  # nobody else counts as present either
            update(staff_sessions)
            .where(staff_sessions.c.staff_id != staff_id)
            .values(last_seen=long_ago)
        )
    assert not staff_signed_in(store.engine, within_seconds=120)
    # (the idle limit is 30 minutes, so this session is still valid)
    stream = EventStream(client, "/api/events")
    try:
        stream.next("queue")
        assert wait_for(lambda: staff_signed_in(store.engine, within_seconds=120), what="presence")
    finally:
        stream.close()


def test_the_stream_ends_when_the_session_does(signed_in, store):
    client, staff_id = signed_in()
    stream = EventStream(client, "/api/events")
    try:
        stream.next("queue")
        client.act("/sign-out")
        # the page learns it at its next presence check at the latest (every 15 s or sooner)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                event = stream.next(timeout=40)
            except EOFError:
                break
            if event["event"] == "signed_out":
                break
        else:
            pytest.fail("the stream did not end")
    finally:
        stream.close()
