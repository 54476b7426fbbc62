"""What the person sees while staff handle their conversation (typing, their place in the
queue, who joined), and the transcript of an ended handoff for the clinical record."""

import re
import time

import pytest

from tests.inbox.conftest import new_conversation_id, wait_for

pytestmark = pytest.mark.server

SOURCE_URL = "https://doi.org/10.1212/WNL.0000000000003987"


def waiting_webchat_handoff(store, message="Is anyone there?"):
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    if message:
        store.add_person_message(handoff.id, message)
    return handoff


def events_for(fake_rasa, conversation_id, event):
    return [
        body
        for name, body in list(fake_rasa.webchat_events)
        if name == event and body.get("conversation_id") == conversation_id
    ]


def test_the_claimant_typing_is_forwarded_to_the_persons_chat(signed_in, store, fake_rasa):
    client, _ = signed_in("Lee Typing")
    handoff = waiting_webchat_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    response = client.post(
        f"/handoffs/{handoff.id}/typing",
        headers={"X-CSRF-Token": client.csrf, "Accept": "application/json"},
    )
    assert response.status == 200 and response.json() == {"sent": True}
    [typing] = events_for(fake_rasa, handoff.conversation_id, "staff_typing")
    assert typing["staff_name"] == "Lee Typing"


def test_typing_needs_the_csrf_token(signed_in, store, fake_rasa):
    client, _ = signed_in()
    handoff = waiting_webchat_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    response = client.post(f"/handoffs/{handoff.id}/typing", headers={"Accept": "application/json"})
    assert response.status == 403
    assert events_for(fake_rasa, handoff.conversation_id, "staff_typing") == []


def test_only_the_staff_member_who_claimed_it_may_say_they_are_typing(signed_in, store, fake_rasa):
    claimant, _ = signed_in("Lee Claimant")
    colleague, _ = signed_in("Kim Colleague")
    handoff = waiting_webchat_handoff(store)
    json_headers = {"Accept": "application/json"}
    # nobody has claimed it yet
    response = colleague.post(
        f"/handoffs/{handoff.id}/typing", headers={**json_headers, "X-CSRF-Token": colleague.csrf}
    )
    assert response.status == 409
    claimant.act(f"/handoffs/{handoff.id}/claim")
    response = colleague.post(
        f"/handoffs/{handoff.id}/typing", headers={**json_headers, "X-CSRF-Token": colleague.csrf}
    )
    assert response.status == 409
    assert events_for(fake_rasa, handoff.conversation_id, "staff_typing") == []
    # and not after it ended
    claimant.act(f"/handoffs/{handoff.id}/close")
    response = claimant.post(
        f"/handoffs/{handoff.id}/typing", headers={**json_headers, "X-CSRF-Token": claimant.csrf}
    )
    assert response.status == 409
    assert events_for(fake_rasa, handoff.conversation_id, "staff_typing") == []


def test_the_conversation_page_wires_the_typing_ping(signed_in, store):
    client, _ = signed_in()
    handoff = waiting_webchat_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    page = client.get(f"/handoffs/{handoff.id}").text
    assert f'data-typing="/handoffs/{handoff.id}/typing"' in page
    script = client.get("/static/inbox.js").text
    assert "TYPING_PING_MS = 3000" in script and "form.dataset.typing" in script


def test_a_claim_tells_the_person_who_has_joined(signed_in, store, fake_rasa):
    client, _ = signed_in("Lee Joiner")
    handoff = waiting_webchat_handoff(store)
    client.act(f"/handoffs/{handoff.id}/claim")
    claimed = [
        body
        for body in events_for(fake_rasa, handoff.conversation_id, "handoff_status")
        if body["state"] == "claimed"
    ]
    assert claimed == [
        {"conversation_id": handoff.conversation_id, "state": "claimed", "staff_name": "Lee Joiner"}
    ]


def test_people_waiting_hear_when_their_place_in_the_queue_changes(signed_in, store, fake_rasa):
    client, _ = signed_in()
    ahead = waiting_webchat_handoff(store)
    behind = waiting_webchat_handoff(store)

    def latest_wait(handoff):
        waits = [
            body
            for body in events_for(fake_rasa, handoff.conversation_id, "handoff_status")
            if body["state"] == "waiting"
        ]
        return waits[-1] if waits else None

    first = wait_for(lambda: latest_wait(behind), what="the first queue update")
    assert first["position"] == store.queue_position(behind.id) >= 2
    assert first["minutes"] >= 1
    sent_before = len(events_for(fake_rasa, behind.conversation_id, "handoff_status"))
    client.act(f"/handoffs/{ahead.id}/claim")  # one fewer ahead of them
    moved = wait_for(
        lambda: (latest_wait(behind) or {}).get("position") == first["position"] - 1
        and latest_wait(behind),
        what="the queue update after a claim",
    )
    assert moved["position"] == store.queue_position(behind.id)
    # nothing is sent again while nothing changes
    settled = len(events_for(fake_rasa, behind.conversation_id, "handoff_status"))
    assert settled >= sent_before + 1
    time.sleep(1.0)  # five rounds of the inbox's notifier (INBOX_POLL_SECONDS=0.2)
    assert len(events_for(fake_rasa, behind.conversation_id, "handoff_status")) == settled


def earlier_tracker(handoff):
    before = handoff.created_at.timestamp()
    return {
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
                "text": "The main risks are infections.\nMost happen early.",
                "data": {
                    "custom": {
                        "type": "evidence_answer",
                        "sources": [
                            {
                                "id": "sormani_2017",
                                "title": "AHSCT in MS: a meta-analysis",
                                "publisher": "Neurology",
                                "year": 2017,
                                "url": SOURCE_URL,
                            }
                        ],
                    }
                },
            },
            {
                "event": "bot",
                "timestamp": before - 58,
                "text": "Talk to your MS specialist before deciding anything.",
                "data": {"custom": {"type": "specialist_deferral"}},
            },
        ]
    }


def test_the_transcript_of_an_ended_handoff_downloads_with_sources(signed_in, store, fake_rasa):
    client, staff_id = signed_in("Lee Export")
    handoff = waiting_webchat_handoff(store, message="Can you tell me more about the risks?")
    fake_rasa.trackers[handoff.conversation_id] = earlier_tracker(handoff)
    client.act(f"/handoffs/{handoff.id}/claim")
    # not while it is open: the record is of an ended conversation
    assert client.get(f"/handoffs/{handoff.id}/transcript.txt").status == 303
    client.act(f"/handoffs/{handoff.id}/reply", text="Hello, I'm Lee.\nHow can I help?")
    client.act(f"/handoffs/{handoff.id}/close")
    page = client.get(f"/handoffs/{handoff.id}").text
    assert f'href="/handoffs/{handoff.id}/transcript.txt"' in page

    response = client.get(f"/handoffs/{handoff.id}/transcript.txt")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="transcript-\d{4}-\d\d-\d\d-\w{8}\.txt"', disposition
    )
    text = response.text
    assert handoff.id in text and "Lee Export" in text
    assert re.search(r"Asked for staff: +\d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert re.search(r"Claimed: +\d{4}-\d\d-\d\d \d\d:\d\d by Lee Export", text)
    assert re.search(r"Ended: +\d{4}-\d\d-\d\d \d\d:\d\d by Lee Export \(closed\)", text)
    assert "Asked for a person" in text  # the reason
    # the earlier conversation: who said what, the answer's sources with their address, and
    # the specialist deferral as the person saw it
    assert re.search(r"\] Person:\n +what are the side effects of hsct", text)
    assert re.search(r"\] Assistant:\n +The main risks are infections.\n +Most happen early.", text)
    assert f"- AHSCT in MS: a meta-analysis, Neurology (2017) <{SOURCE_URL}>" in text
    assert "Talk to your MS specialist before deciding anything." in text
    # the messages with staff, with times and names
    assert re.search(r"\[\d{4}-\d\d-\d\d \d\d:\d\d\] Person:\n +Can you tell me more", text)
    assert re.search(r"\] Lee Export \(staff\):\n +Hello, I'm Lee.\n +How can I help\?", text)
    assert text.index("side effects of hsct") < text.index("Can you tell me more")
    # downloading it is in the audit log
    exports = [
        e
        for e in store.audit_entries()
        if e["handoff_id"] == handoff.id and e["action"] == "export_transcript"
    ]
    assert [e["staff_id"] for e in exports] == [staff_id]


def test_a_transcript_of_an_unknown_handoff_is_not_found(signed_in):
    client, _ = signed_in()
    assert client.get("/handoffs/no-such-handoff/transcript.txt").status == 404
