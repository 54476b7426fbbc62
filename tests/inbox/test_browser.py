"""The staff inbox in a real headless Chromium, against the real assistant; and the whole loop:
a person in the web widget asks for a human, staff answer in the inbox, and back again.

One assistant (action server, Rasa server, the demo page and the inbox) per database. Needs
Debian's Chromium (`apt-get install -y chromium`) and the built widget (widget/dist/).
"""

import re
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.static_site import demo_available
from inbox.accounts import create_account
from tests.browsers import SCREENSHOTS, TIMEOUT_MS, chromium
from tests.inbox.assistant import assistant_with_inbox, bot_texts, custom_types, slot_value
from tests.inbox.conftest import PASSWORD
from tests.integration.conftest import say, tracker

pytestmark = [pytest.mark.server, pytest.mark.browser]

expect.set_options(timeout=TIMEOUT_MS)
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}  # an iPad Air, upright


@pytest.fixture(scope="module")
def stack(db_url, tmp_path_factory):
    if not demo_available():
        pytest.fail("widget/dist/ is not built: cd widget && npm ci && npm run build")
    stack = assistant_with_inbox(tmp_path_factory.mktemp("browser"), db_url, web=True)
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def pages(browser) -> Iterator:
    """New browser contexts (one per person); fails the test on any script error."""
    contexts, errors = [], []

    def open_page(**options) -> Page:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"script errors or blocked content: {errors}"


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def sign_in(page: Page, stack, email: str) -> None:
    page.goto(f"{stack.inbox_url}/queue")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.locator("body")).to_have_attribute("data-live-state", "open")


def tab_to(page: Page, name: str, limit: int = 40) -> None:
    """Moves the keyboard focus forward to the button or link with this accessible name."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.innerText || ''")
        if focused.strip().startswith(name):
            return
    pytest.fail(f"Tab never reached {name!r}")


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_sign_in_see_a_handoff_arrive_live_claim_reply_and_close(stack, store, pages):
    """On a tablet, with the keyboard: the inbox without the widget (the person uses REST)."""
    create_account(store.engine, "lee@clinic.example", "Nurse Lee", PASSWORD)
    staff = pages(viewport=TABLET, has_touch=True)
    sign_in(staff, stack, "lee@clinic.example")
    expect(staff.get_by_text("Nobody is waiting.")).to_be_visible()
    staff.evaluate("() => { window.stillTheSamePage = true; }")

    person = "browser-rest-person"
    say(stack, person, "I want to talk to a person")
    say(stack, person, "yes")
    handoff = store.active_handoff(person)
    card = staff.locator(f'#queue-list [data-id="{handoff.id}"]')
    expect(card).to_be_visible()  # arrived without a reload
    assert staff.evaluate("() => window.stillTheSamePage") is True
    expect(card).to_contain_text("Asked for a person")
    expect(card).to_contain_text("Web (REST)")
    expect(staff.locator(".toast")).to_contain_text("A person is waiting for staff")
    expect(staff.locator('[data-count="waiting"]')).to_have_text("1")
    assert no_horizontal_scroll(staff)

    tab_to(staff, "Claim")
    staff.keyboard.press("Enter")
    expect(staff).to_have_url(re.compile(rf"/handoffs/{handoff.id}\?notice=claimed"))
    expect(staff.get_by_role("status").filter(has_text="You are answering")).to_be_visible()
    expect(staff.get_by_text("I want to talk to a person")).to_be_visible()  # earlier conversation

    box = staff.get_by_label("Your reply to the person")
    box.focus()
    staff.keyboard.type("Hello, I'm Lee, an MS nurse.")
    staff.keyboard.press("Shift+Enter")  # a new line, not sending
    staff.keyboard.type("What would you like to ask?")
    assert "\n" in box.input_value()
    staff.keyboard.press("Enter")
    expect(box).to_have_value("")
    sent = staff.locator("#messages .msg-staff")
    expect(sent).to_have_count(1)
    expect(sent.locator(".delivery")).to_have_text("Delivered")
    assert bot_texts(tracker(stack, person)["events"])[-1] == (
        "Hello, I'm Lee, an MS nurse.\nWhat would you like to ask?"
    )

    assert say(stack, person, "Can I have aHSCT with SPMS?") == []
    expect(staff.locator("#messages .msg-person").last).to_have_text(
        re.compile("Can I have aHSCT with SPMS\\?")
    )
    assert no_horizontal_scroll(staff)

    staff.get_by_role("button", name="Close").click()
    expect(staff).to_have_url(re.compile(r"/queue\?notice=closed"))
    expect(staff.get_by_text("Conversation closed.")).to_be_visible()
    assert slot_value(tracker(stack, person)["events"], "handoff_active") is False


def test_the_whole_loop_with_the_web_widget(stack, store, pages, screenshots):
    create_account(store.engine, "kim@clinic.example", "Nurse Kim", PASSWORD)
    staff = pages(viewport=LAPTOP)
    sign_in(staff, stack, "kim@clinic.example")  # staff are on duty and signed in

    widget = pages(viewport={"width": 1280, "height": 900})
    widget.goto(f"http://localhost:{stack.web_port}/?server={stack.rasa_url}")
    widget.get_by_role("button", name="Ask a question").click()
    expect(widget.get_by_role("dialog")).to_be_visible()
    question = widget.get_by_role("textbox", name="Your question")
    question.fill("can I talk to a real person please")
    question.press("Enter")
    expect(widget.locator(".message-bot").last).to_contain_text("share this conversation")
    question.fill("yes")
    question.press("Enter")
    expect(widget.locator(".message-handoff")).to_contain_text("in the queue")

    session_id = widget.evaluate("() => localStorage.getItem('ms-assistant-widget:session-id')")
    handoff = store.active_handoff(session_id)
    assert handoff is not None and handoff.channel == "webchat"
    card = staff.locator(f'#queue-list [data-id="{handoff.id}"]')
    expect(card).to_contain_text("Web chat")
    expect(staff.locator(".toast")).to_be_visible()
    staff.screenshot(path=str(screenshots / "inbox-queue.png"))

    card.get_by_role("button", name=re.compile("^Claim")).click()
    expect(staff.locator("#handoff-status")).to_contain_text("Being answered (Nurse Kim)")
    expect(staff.locator(".transcript").first).to_contain_text("can I talk to a real person please")
    reply = staff.get_by_label("Your reply to the person")
    reply.fill("Hello, I'm Kim from the MS centre. How can I help?")
    reply.press("Enter")

    staff_message = widget.locator(".message-staff")
    expect(staff_message).to_contain_text("Hello, I'm Kim from the MS centre. How can I help?")
    expect(staff_message).to_contain_text("Nurse Kim")

    question.fill("Thank you! Would I need chemotherapy for aHSCT?")
    question.press("Enter")
    expect(staff.locator("#messages .msg-person").last).to_contain_text(
        "Would I need chemotherapy for aHSCT?"
    )
    expect(widget.locator(".message-evidence")).to_have_count(0)  # the bot stayed quiet
    staff.screenshot(path=str(screenshots / "inbox-conversation.png"), full_page=True)
    widget.screenshot(path=str(screenshots / "widget-handoff.png"))

    staff.get_by_role("button", name="Close").click()
    expect(staff).to_have_url(re.compile(r"/queue\?notice=closed"))
    expect(widget.locator(".message-handoff").last).to_contain_text("back with the automated")

    question.fill("what are the side effects of hsct")
    question.press("Enter")
    expect(widget.locator(".message-evidence")).to_have_count(1)
    for name in ("inbox-queue.png", "inbox-conversation.png", "widget-handoff.png"):
        assert (screenshots / name).stat().st_size > 10_000


def test_an_arrival_while_staff_look_elsewhere_shows_in_the_title_and_the_desktop(
    stack, store, pages
):
    create_account(store.engine, "ana@clinic.example", "Ana", PASSWORD)
    staff = pages(viewport=LAPTOP)
    # Headless Chromium always reports its pages as visible and focused: emulate a staff member
    # working in another window, and the Notification API with permission granted.
    staff.context.add_init_script(
        """
        window.away = false;
        window.shown = [];
        Object.defineProperty(document, "visibilityState", {
            get: () => (window.away ? "hidden" : "visible"),
        });
        document.hasFocus = () => !window.away;
        window.Notification = class {
            constructor(title, options) { window.shown.push(title); }
            static requestPermission() { return Promise.resolve("granted"); }
        };
        window.Notification.permission = "granted";
        """
    )
    sign_in(staff, stack, "ana@clinic.example")
    expect(staff.locator("#enable-notifications")).to_be_hidden()  # already allowed
    title = staff.title()
    staff.evaluate("() => { window.away = true; }")

    person = "browser-urgent-person"
    say(stack, person, "I want to talk to a person")
    say(stack, person, "yes")
    replies = say(stack, person, "I have chest pain")  # urgent: flagged in the queue
    assert "urgent_help" in custom_types(replies)  # the person still gets urgent help first
    staff.wait_for_function("() => window.shown.length > 0")
    shown: List[str] = staff.evaluate("() => window.shown")
    # (urgent or not depends on whether the chest pain came before the announcement)
    assert re.match(r"(A person is waiting for staff|URGENT: a person needs staff now): ", shown[0])
    expect(staff).to_have_title(re.compile(r"^\(1 new\) "))
    handoff = store.active_handoff(person)
    badge = staff.locator(f'[data-id="{handoff.id}"].item-urgent .badge-urgent')
    expect(badge).to_have_text("Urgent")  # it became urgent while waiting

    staff.evaluate("() => { window.away = false; window.dispatchEvent(new Event('focus')); }")
    expect(staff).to_have_title(title)


def test_a_thumbs_down_with_a_reason_reaches_the_curators_report_and_its_csv(
    stack, store, pages, screenshots
):
    """The curators' loop end to end: a person rates an answer down with a reason and a comment
    in the widget; a curator finds it in the report, without the contact details the comment
    held, and downloads it as CSV."""
    widget = pages(viewport={"width": 1280, "height": 900})
    widget.goto(f"http://localhost:{stack.web_port}/?server={stack.rasa_url}")
    widget.get_by_role("button", name="Ask a question").click()
    question = widget.get_by_role("textbox", name="Your question")
    question.fill("does the chemo in hsct make your hair fall out")
    question.press("Enter")
    expect(widget.locator(".message-deferral")).to_have_count(1)
    widget.locator(".message-evidence").get_by_role("button", name="No, not helpful").click()
    widget.get_by_role("radio", name="Wrong topic").check()
    widget.get_by_label("Anything to add? (optional)").fill(
        "I asked about hair loss, write to me at sam@example.org"
    )
    widget.get_by_role("button", name="Send").first.click()
    expect(widget.locator(".feedback-reason-status")).to_be_visible()
    # the reason's own reply (the thumbs-down's reply also starts "Thank you"): stored by now
    expect(widget.locator(".message-bot").last).to_contain_text("keep the answers up to date")

    create_account(store.engine, "cat@clinic.example", "Cat Curator", PASSWORD, role="curator")
    curator = pages(viewport=LAPTOP)
    sign_in(curator, stack, "cat@clinic.example")
    curator.get_by_role("link", name="What people ask").click()
    group = curator.locator(".curation-group", has_text="hair fall out")
    expect(group).to_contain_text("Wrong topic")
    expect(group).to_contain_text("[removed]")
    expect(curator.locator("main")).not_to_contain_text("sam@example.org")

    with curator.expect_download() as download:
        curator.get_by_role("link", name=re.compile("CSV")).first.click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert "does the chemo in hsct make your hair fall out" in body
    assert "Wrong topic" in body and "sam@example.org" not in body

    curator.goto(f"{stack.inbox_url}/curation/items")
    expect(curator.locator("main")).to_contain_text("Wrong topic")
