"""Outside on-duty hours the assistant takes a callback request; staff see it in the inbox, with
the conversation that led to it, and mark it done."""

import re

import pytest

from inbox.accounts import create_account
from tests.inbox.assistant import assistant_with_inbox
from tests.inbox.conftest import PASSWORD, Client
from tests.integration.conftest import say

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def stack(db_url, tmp_path_factory):
    stack = assistant_with_inbox(tmp_path_factory.mktemp("callbacks"), db_url, hours="never")
    stack.start()
    yield stack
    stack.stop()


def test_a_callback_request_outside_hours_is_listed_and_marked_done(stack, store):
    staff_id = create_account(store.engine, "kim@clinic.example", "Nurse Kim", PASSWORD)
    staff = Client(stack.inbox_url)
    assert staff.sign_in("kim@clinic.example").status == 303  # signed in, but off duty

    person = "evening-person"
    say(stack, person, "I want to speak to a nurse")
    offer = say(stack, person, "yes")
    assert "no one from our staff is available" in offer[0]["text"]
    assert store.active_handoff(person) is None  # nobody is queued outside hours
    say(stack, person, "yes please")
    say(stack, person, "Sam Jones")
    say(stack, person, "sam@example.org")
    [request] = [c for c in store.list_callbacks() if c["conversation_id"] == person]

    queue = staff.get("/queue?tab=callbacks").text
    assert re.search(r'data-count="callbacks">\s*1\s*<', queue)
    card = re.search(rf'<li class="card item" data-id="{request["id"]}">(.*?)</li>', queue, re.S)[1]
    assert "Sam Jones" in card and "sam@example.org" in card and "Web (REST)" in card

    page = staff.get(f"/callbacks/{request['id']}").text
    assert "I want to speak to a nurse" in page  # the conversation, from the assistant
    assert "no one from our staff is available" in page

    done = staff.act(f"/callbacks/{request['id']}/done")
    assert (done.status, done.location) == (303, "/queue?tab=callbacks&notice=callback_done")
    handled = store.get_callback(request["id"])
    assert (handled["status"], handled["handled_by"]) == ("done", staff_id)
    assert "Sam Jones" not in staff.get("/queue?tab=callbacks").text
    again = staff.act(f"/callbacks/{request['id']}/done")
    assert again.location.endswith("notice=callback_done_already")
    actions = [e["action"] for e in store.audit_entries() if e["callback_id"] == request["id"]]
    assert actions == ["callback_done", "view_callback"]
