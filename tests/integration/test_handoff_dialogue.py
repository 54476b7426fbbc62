"""A handoff through the real assistant: consent, queue, forwarding, staff reply, end."""

import asyncio
import urllib.error

import pytest

from handoff.models import utcnow
from handoff.rasa_client import RasaClient
from handoff.store import HandoffStore
from tests.handoff.test_store import add_staff
from tests.integration.conftest import make_stack, post_json, say, tracker

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def handoff_assistant(tmp_path_factory):
    directory = tmp_path_factory.mktemp("handoff")
    db_url = f"sqlite:///{directory / 'handoff.db'}"
    store = HandoffStore.from_url(db_url)
    stack = make_stack(directory)
    stack.extra_env |= {"HANDOFF_DB_URL": db_url, "HANDOFF_HOURS": "always"}
    stack.start()
    yield stack, store
    stack.stop()


def custom_types(replies):
    return [r.get("custom", {}).get("type") for r in replies]


def test_the_whole_handoff_loop(handoff_assistant):
    stack, store = handoff_assistant
    lee = add_staff(store, last_seen=utcnow())
    client = RasaClient(stack.rasa_url, stack.token)
    person = "handoff-person"

    consent = say(stack, person, "can I talk to a real person please")
    assert "share this conversation" in " ".join(r.get("text", "") for r in consent)
    queued = say(stack, person, "yes")
    assert "handoff_status" in custom_types(queued)
    handoff = store.active_handoff(person)
    assert handoff is not None and handoff.status == "waiting"

    # the bot stays quiet: the message goes to staff
    assert say(stack, person, "how much does hsct cost in the UK?") == []
    assert [m["text"] for m in store.messages(handoff.id)] == ["how much does hsct cost in the UK?"]

    # staff claim and reply; the assistant delivers it on the person's channel
    store.claim(handoff.id, lee)
    store.add_staff_message(handoff.id, lee, "Hi, I'm Lee. It depends on where you live.")
    asyncio.run(client.deliver_staff_messages(person))
    bot_texts = [e.get("text") for e in tracker(stack, person)["events"] if e["event"] == "bot"]
    assert bot_texts[-1] == "Hi, I'm Lee. It depends on where you live."
    assert store.undelivered_staff_messages(person) == []

    # an emergency during the handoff still gets urgent help first, and staff see it
    replies = say(stack, person, "I have chest pain")
    assert "urgent_help" in custom_types(replies)
    assert "evidence_answer" not in custom_types(replies)
    assert store.get_handoff(handoff.id).urgent
    assert [m["text"] for m in store.messages(handoff.id)][-1] == "I have chest pain"

    # staff close: the person is told and the assistant answers again
    store.end(handoff.id, lee, "closed")
    asyncio.run(client.end_handoff(person))
    events = tracker(stack, person)["events"]
    assert any(
        e["event"] == "slot" and e["name"] == "handoff_active" and e["value"] is False
        for e in events
    )
    replies = say(stack, person, "what are the side effects of hsct")
    assert "evidence_answer" in custom_types(replies)


def test_nobody_on_duty_takes_a_callback_request(handoff_assistant):
    stack, store = handoff_assistant
    person = "callback-person"
    with store.engine.begin() as connection:  # everybody signs out
        connection.exec_driver_sql("DELETE FROM staff_sessions")
    say(stack, person, "I want to speak to a nurse")
    offer = say(stack, person, "yes")
    assert "no one from our staff is available" in offer[0]["text"]
    assert "name" in say(stack, person, "yes please")[0]["text"]
    assert "phone number or e-mail" in say(stack, person, "Sam Jones")[0]["text"]
    assert "doesn't look like" in say(stack, person, "tomorrow")[0]["text"]
    done = say(stack, person, "sam@example.org")
    assert "Sam Jones" in done[0]["text"] and "sam@example.org" in done[0]["text"]
    [request] = [c for c in store.list_callbacks() if c["conversation_id"] == person]
    assert (request["name"], request["contact"]) == ("Sam Jones", "sam@example.org")


def handoffs_of(store, conversation_id):
    return [
        h
        for h in store.list_handoffs(["waiting", "claimed", "closed", "returned"])
        if h.conversation_id == conversation_id
    ]


def test_after_a_handoff_the_next_question_is_answered_fresh(handoff_assistant):
    stack, store = handoff_assistant
    kim = add_staff(store, name="Kim", email="kim@example.org", last_seen=utcnow())
    client = RasaClient(stack.rasa_url, stack.token)
    person = "fresh-start-person"

    say(stack, person, "can I talk to a real person please")
    say(stack, person, "yes")
    handoff = store.active_handoff(person)
    assert handoff is not None
    store.claim(handoff.id, kim)
    store.end(handoff.id, kim, "closed")
    asyncio.run(client.end_handoff(person))

    # the next question gets the assistant's answer, not staff, and nothing goes to the inbox
    replies = say(stack, person, "what are the side effects of hsct")
    assert "evidence_answer" in custom_types(replies)
    assert not {"staff_message", "handoff_status"} & set(custom_types(replies))
    assert store.messages(handoff.id) == []
    # a bare "yes" afterwards does not reopen the handoff the person already had
    say(stack, person, "yes")
    assert store.active_handoff(person) is None
    assert [h.id for h in handoffs_of(store, person)] == [handoff.id]
    slots = tracker(stack, person)["slots"]
    assert slots["handoff_active"] is False and slots["pending_offer"] is None


def test_a_handoff_ended_while_the_assistant_was_not_told_does_not_swallow_questions(
    handoff_assistant,
):
    stack, store = handoff_assistant
    kim = add_staff(store, name="Kim B", email="kim.b@example.org", last_seen=utcnow())
    person = "untold-end-person"
    say(stack, person, "can I talk to a real person please")
    say(stack, person, "yes")
    handoff = store.active_handoff(person)
    store.claim(handoff.id, kim)
    store.end(handoff.id, kim, "closed")  # the inbox could not reach the assistant

    first = say(stack, person, "what are the side effects of hsct")
    assert "staff_message" not in custom_types(first)
    assert store.messages(handoff.id) == []  # not forwarded to a handoff that has ended
    assert tracker(stack, person)["slots"]["handoff_active"] is False
    again = say(stack, person, "what are the side effects of hsct")
    assert "evidence_answer" in custom_types(again)


def test_the_web_chat_staff_routes_need_the_api_token(handoff_assistant):
    stack, _ = handoff_assistant
    body = {"conversation_id": "nobody-here", "staff_name": "Kim"}
    url = f"{stack.rasa_url}/webhooks/webchat/staff_typing"
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_json(url, body)
    assert refused.value.code == 401
    refused.value.close()
    with pytest.raises(urllib.error.HTTPError) as wrong:
        post_json(f"{url}?token=not-the-token", body)
    assert wrong.value.code == 403
    wrong.value.close()
    assert post_json(f"{url}?token={stack.token}", body) == {"sent": True}
    status = {"conversation_id": "nobody-here", "state": "waiting", "position": 1, "minutes": 3}
    assert post_json(
        f"{stack.rasa_url}/webhooks/webchat/handoff_status?token={stack.token}", status
    ) == {"sent": True}
    with pytest.raises(urllib.error.HTTPError) as too_large:  # streamed: refused mid-body
        post_json(f"{url}?token={stack.token}", {**body, "staff_name": "K" * 10_000})
    assert too_large.value.code == 413
    too_large.value.close()
