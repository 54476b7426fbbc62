"""A handoff through the real assistant: consent, queue, forwarding, staff reply, end."""

import asyncio

import pytest

from handoff.rasa_client import RasaClient
from handoff.store import HandoffStore, utcnow
from tests.handoff.test_store import add_staff
from tests.integration.conftest import make_stack, say, tracker

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
