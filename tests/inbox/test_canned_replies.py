"""Saved replies: admins add, edit and delete them (audited); staff pick one in the reply box, which
inserts it at the cursor to edit before sending (a real browser), or copy it without the script."""

import re
from typing import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from inbox.canned_replies import MAX_BODY, list_replies
from inbox.schema import canned_replies
from tests.browsers import TIMEOUT_MS, chromium
from tests.inbox.conftest import PASSWORD, new_conversation_id, wait_for

pytestmark = pytest.mark.server

WELCOME = "Thank you for waiting. I am a nurse at the MS centre and I am reading your messages now."


@pytest.fixture(autouse=True)
def no_saved_replies(store) -> Iterator[None]:
    """Each test starts with none: the inbox seeds none itself."""
    with store.engine.begin() as connection:
        connection.execute(delete(canned_replies))
    yield


def _claimed_handoff(store, staff_id: int):
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    assert store.claim(handoff.id, staff_id)
    return handoff


def test_an_admin_adds_edits_and_deletes_saved_replies_and_each_change_is_audited(signed_in, store):
    admin, admin_id = signed_in("Ana Admin", role="admin")
    assert "No saved replies yet." in admin.get("/canned-replies").text

    added = admin.act("/canned-replies", title="Welcome", body=WELCOME)
    assert added.status == 303 and added.location == "/canned-replies?notice=canned_reply_added"
    [reply] = list_replies(store.engine)
    assert (reply.title, reply.body, reply.updated_by) == ("Welcome", WELCOME, admin_id)
    page = admin.get(added.location)
    assert "Saved reply added" in page.text and WELCOME in page.text

    edited = admin.act(f"/canned-replies/{reply.id}", title="Welcome back", body="Hello again.")
    assert edited.location == "/canned-replies?notice=canned_reply_saved"
    [changed] = list_replies(store.engine)
    assert (changed.id, changed.title, changed.body) == (reply.id, "Welcome back", "Hello again.")

    deleted = admin.act(f"/canned-replies/{reply.id}/delete")
    assert deleted.location == "/canned-replies?notice=canned_reply_deleted"
    assert list_replies(store.engine) == []
    assert admin.act(f"/canned-replies/{reply.id}/delete").status == 404
    assert admin.act(f"/canned-replies/{reply.id}", title="x", body="y").status == 404

    audited = [(e["staff_id"], e["action"], e["detail"]) for e in store.audit_entries()[:3]]
    assert audited == [
        (admin_id, "canned_reply_deleted", f"saved reply {reply.id}"),
        (admin_id, "canned_reply_edited", f"saved reply {reply.id}"),
        (admin_id, "canned_reply_added", f"saved reply {reply.id}"),
    ]
    assert "Added a saved reply" in admin.get("/audit").text


def test_a_reply_that_cannot_be_saved_comes_back_with_what_was_typed(signed_in, store):
    admin, _ = signed_in("Ana Admin", role="admin")
    no_title = admin.act("/canned-replies", title="  ", body="Kept text")
    assert no_title.status == 400
    assert "Give the saved reply a short title" in no_title.text and "Kept text" in no_title.text
    too_long = admin.act("/canned-replies", title="Long", body="x" * (MAX_BODY + 1))
    assert too_long.status == 400 and "That reply is too long" in too_long.text
    assert list_replies(store.engine) == []

    admin.act("/canned-replies", title="Hours", body="We are here on weekdays.")
    [reply] = list_replies(store.engine)
    emptied = admin.act(f"/canned-replies/{reply.id}", title="Hours", body="")
    assert emptied.status == 400 and "Write the text of the reply" in emptied.text
    assert list_replies(store.engine)[0].body == "We are here on weekdays."


def test_staff_cannot_manage_saved_replies(signed_in, store):
    admin, _ = signed_in("Ana Admin", role="admin")
    admin.act("/canned-replies", title="Welcome", body=WELCOME)
    [reply] = list_replies(store.engine)
    nurse, _ = signed_in("Nurse Lee")
    assert nurse.get("/canned-replies").status == 403
    assert nurse.act("/canned-replies", title="Mine", body="Sneaky").status == 403
    assert nurse.act(f"/canned-replies/{reply.id}", title="Changed", body="x").status == 403
    assert nurse.act(f"/canned-replies/{reply.id}/delete").status == 403
    assert [(r.title, r.body) for r in list_replies(store.engine)] == [("Welcome", WELCOME)]
    assert 'href="/canned-replies"' not in nurse.get("/queue").text


def test_staff_see_the_saved_replies_in_the_reply_box(signed_in, store):
    nurse, nurse_id = signed_in("Nurse Lee")
    handoff = _claimed_handoff(store, nurse_id)
    empty = nurse.get(f"/handoffs/{handoff.id}").text
    assert "No saved replies yet — an admin can add them." in empty
    assert 'id="canned-pick"' not in empty

    admin, _ = signed_in("Ana Admin", role="admin")
    admin.act("/canned-replies", title="Welcome", body=WELCOME)
    admin.act("/canned-replies", title="Call <999>", body="If it is urgent, call 999 now.")
    page = nurse.get(f"/handoffs/{handoff.id}").text
    titles = re.findall(r'<option value="\d+">([^<]*)</option>', page)
    assert titles == ["Call &lt;999&gt;", "Welcome"]  # by title, escaped
    # without the script, the texts are on the page to copy
    assert WELCOME in page and "If it is urgent, call 999 now." in page
    assert 'id="canned-pick-row" hidden' in page  # the picker needs the script: it shows it


@pytest.mark.browser
def test_staff_insert_a_saved_reply_at_the_cursor_edit_it_and_send_it(
    inbox, signed_in, make_staff, store
):
    admin, _ = signed_in("Ana Admin", role="admin")
    admin.act("/canned-replies", title="Welcome", body=WELCOME)
    nurse_id, email = make_staff("Nurse Kim")
    handoff = _claimed_handoff(store, nurse_id)
    with chromium() as browser:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{inbox.url}/handoffs/{handoff.id}")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(f"/handoffs/{handoff.id}$"))

        box = page.get_by_label("Your reply to the person")
        box.fill("Hello Sam. ")  # the cursor is left at the end
        page.get_by_label("Saved reply").select_option(label="Welcome")
        page.get_by_role("button", name="Insert into reply").click()
        expect(box).to_have_value("Hello Sam. " + WELCOME)
        expect(box).to_be_focused()
        box.press("End")
        box.type(" What would you like to ask?")  # staff edit it before sending
        page.get_by_role("button", name="Send").click()
        sent = "Hello Sam. " + WELCOME + " What would you like to ask?"
        expect(page.locator("#messages .msg-staff .msg-text")).to_have_text(sent)
        expect(box).to_have_value("")
        context.close()
    assert errors == []
    staff_texts = wait_for(
        lambda: [m["text"] for m in store.messages(handoff.id) if m["sender"] == "staff"],
        what="the reply in the database",
    )
    assert staff_texts == [sent]
