"""A restart in the middle of a handoff loses nothing: the real assistant and the real inbox are
stopped and started again; the queue, the messages, the staff member's session and a reply
written while the assistant was down all survive, and the reply reaches the person."""

import re

import pytest

from inbox.accounts import create_account
from tests.inbox.assistant import assistant_with_inbox, bot_texts, custom_types, slot_value
from tests.inbox.conftest import PASSWORD, Client, InboxServer, wait_for
from tests.integration.conftest import say, tracker

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def stack(db_url, tmp_path_factory):
    stack = assistant_with_inbox(tmp_path_factory.mktemp("restart"), db_url)
    stack.start()
    yield stack
    stack.stop()


def test_a_restart_mid_handoff_loses_nothing(stack, store, tmp_path):
    create_account(store.engine, "lee@clinic.example", "Nurse Lee", PASSWORD)
    staff = Client(stack.inbox_url)
    assert staff.sign_in("lee@clinic.example").status == 303  # staff are now present

    person = "restart-person"
    say(stack, person, "can I talk to a real person please")
    assert "handoff_status" in custom_types(say(stack, person, "yes"))
    handoff = store.active_handoff(person)
    assert handoff is not None and handoff.status == "waiting"
    assert say(stack, person, "I had aHSCT last year and have a question") == []
    assert staff.act(f"/handoffs/{handoff.id}/claim").location.endswith("notice=claimed")

    # the assistant goes down (a deploy, a crash); the inbox alone stays up
    stack.stop()
    alone = InboxServer(stack.inbox_env, tmp_path, port=stack.inbox_port)
    alone.start()
    reply = staff.act(
        f"/handoffs/{handoff.id}/reply", text="Hello, I'm Lee. What is your question?"
    )
    assert reply.location == f"/handoffs/{handoff.id}?notice=reply_pending"
    page = staff.get(f"/handoffs/{handoff.id}").text
    assert "The earlier conversation could not be loaded" in page
    assert "Not delivered yet" in page
    assert len(store.undelivered_staff_messages(person)) == 1

    # now the inbox restarts too, and everything comes back
    alone.stop()
    stack.start()

    wait_for(lambda: not store.undelivered_staff_messages(person), timeout=60, what="delivery")
    events = tracker(stack, person)["events"]
    assert bot_texts(events)[-1] == "Hello, I'm Lee. What is your question?"
    assert store.get_handoff(handoff.id).status == "claimed"

    mine = staff.get("/queue?tab=mine")  # the same session, after the restart
    assert mine.status == 200 and handoff.id in mine.text
    page = staff.get(f"/handoffs/{handoff.id}").text
    assert "can I talk to a real person please" in page  # from the restarted assistant
    assert "I had aHSCT last year and have a question" in page
    assert re.search(r'data-delivered="yes">Delivered<', page)

    # the conversation goes on, and ends, as if nothing happened
    assert say(stack, person, "Will it come back?") == []
    assert [m["text"] for m in store.messages(handoff.id)][-1] == "Will it come back?"
    assert staff.act(f"/handoffs/{handoff.id}/close").location == "/queue?notice=closed"
    events = tracker(stack, person)["events"]
    assert slot_value(events, "handoff_active") is False
    assert "evidence_answer" in custom_types(
        say(stack, person, "what are the side effects of hsct")
    )
