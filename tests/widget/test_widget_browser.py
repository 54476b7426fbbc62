"""The widget on the demo page, in headless Chromium, talking to the real assistant."""

import re
from typing import Any, Dict, List

import pytest
import yaml
from playwright.sync_api import Page, expect

from devtools.model import ROOT
from tests.integration.conftest import free_port, tracker

pytestmark = [pytest.mark.server, pytest.mark.browser]

QUESTION = "what are the side effects of hsct"
SHADOW_ACTIVE = """() => {
  const active = document.getElementById("ms-assistant-widget").shadowRoot.activeElement;
  return active ? active.className : null;
}"""


def evidence_yaml(name: str) -> Dict[str, Any]:
    with open(ROOT / "evidence" / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Ask a question").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def wait_until_online(page: Page) -> None:
    expect(page.locator(".root")).to_have_attribute("data-connection", "online")


def ask(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Your question")
    box.fill(text)
    box.press("Enter")


def session_id(page: Page) -> str:
    return page.evaluate("() => localStorage.getItem('ms-assistant-widget:session-id')")


def test_a_question_gets_a_cited_answer_and_the_specialist_deferral(session):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    ask(page, QUESTION)

    expect(page.locator(".message-deferral")).to_have_count(1)
    answer = page.locator(".message-evidence").first
    expect(answer).to_have_attribute("data-topic", "side_effects")
    expect(page.locator(".message-user").last).to_contain_text(QUESTION)

    sources = answer.locator("details.sources")
    summary = sources.locator("summary")
    expect(summary).to_have_text(re.compile(r"^Sources \(\d+\)$"))
    expect(sources.locator("li").first).to_be_hidden()  # closed until tapped
    summary.click()
    expect(sources).to_have_attribute("open", "")
    items = sources.locator("li")
    expect(items.first).to_be_visible()
    known_titles = {source["title"] for source in evidence_yaml("sources.yml")["sources"]}
    shown = [item.inner_text() for item in items.all()]
    assert shown and all(any(title in text for title in known_titles) for text in shown), shown
    links = sources.locator("a")
    assert links.count() >= 1
    for link in links.all():
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("href").startswith(("https://", "http://"))

    deferral = page.locator(".message-deferral")
    expect(deferral.locator(".callout-label")).to_have_text("Talk to your MS specialist")
    background = deferral.locator(".bubble").evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator(".message-bot:not(.message-deferral) .bubble").first
    assert background != plain.evaluate("e => getComputedStyle(e).backgroundColor")
    expect(answer.get_by_role("button", name="Yes, helpful")).to_be_visible()
    # the newest answer was announced to screen readers
    expect(page.locator("[aria-live=polite]").last).to_contain_text("medical advice")


def test_a_quick_reply_gets_that_topics_answer(session):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    ask(page, QUESTION)
    expect(page.locator(".message-deferral")).to_have_count(1)

    topics = evidence_yaml("topics.yml")["topics"]
    by_title = {topic["title"]: topic for topic in topics}
    related = page.locator(".message-bot:has(.quick-reply)").last  # the answer's related topics
    buttons = [b for b in related.locator(".quick-reply").all() if b.inner_text() in by_title]
    assert buttons, "the related-topics message has topic buttons"
    title = buttons[0].inner_text()
    buttons[0].click()

    expect(page.locator(".message-user").last).to_have_text(re.compile(re.escape(title)))
    expect(page.locator(".message-deferral")).to_have_count(2)
    expect(page.locator(".message-evidence").last).to_have_attribute(
        "data-topic", by_title[title]["id"]
    )


def test_a_reload_and_a_second_tab_continue_the_conversation(session):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    page.locator(".quick-reply", has_text="Cost").first.click()
    expect(page.locator(".message-deferral")).to_have_count(1)

    page.reload()
    panel = page.get_by_role("dialog")
    if not panel.is_visible():  # the panel reopens by itself within the same tab
        open_chat(page)
    expect(page.locator(".message-deferral")).to_have_count(1)
    expect(page.locator(".message-user .user-text")).to_have_text(["Cost"])
    expect(page.locator(".message-evidence")).to_have_attribute("data-topic", "cost_insurance")
    expect(page.locator(".message-evidence details.sources")).to_have_count(1)

    second = session.new_page()
    second.goto(session.demo_url())
    open_chat(second)
    expect(second.locator(".message-deferral")).to_have_count(1)
    expect(second.locator(".message-user .user-text")).to_have_text(["Cost"])
    assert session_id(second) == session_id(page)


def test_markup_in_a_message_is_shown_as_text_and_never_runs(session):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    payload = "<img src=x onerror=alert(1)>"
    ask(page, payload)

    expect(page.locator(".message-user .user-text")).to_have_text([payload])
    expect(page.locator(".message-user + .message-bot")).to_be_visible()  # the assistant replied
    assert page.locator("#ms-assistant-widget img").count() == 0
    page.reload()
    if not page.get_by_role("dialog").is_visible():
        open_chat(page)
    expect(page.locator(".message-user .user-text")).to_have_text([payload])  # from history
    assert page.locator("#ms-assistant-widget img").count() == 0
    assert session.dialogs == []


def test_keyboard_only(session):
    page = session.new_page()
    page.goto(session.demo_url())
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(SHADOW_ACTIVE) == "launcher":
            break
    assert page.evaluate(SHADOW_ACTIVE) == "launcher", "Tab reaches the launcher"
    outline = page.locator(".launcher").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid", "the focused launcher shows a focus ring"

    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate(SHADOW_ACTIVE) == "input"
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(".message-deferral")).to_have_count(1)
    assert page.evaluate(SHADOW_ACTIVE) == "input", "focus stays in the input after sending"

    for _ in range(40):  # backwards from the input to the answer's Sources
        page.keyboard.press("Shift+Tab")
        if page.evaluate(SHADOW_ACTIVE) is None:
            break
        focused_summary = page.evaluate(
            """() => document.getElementById("ms-assistant-widget").shadowRoot
                 .activeElement.matches(".sources summary")"""
        )
        if focused_summary:
            break
    page.keyboard.press("Enter")
    expect(page.locator(".message-evidence details.sources")).to_have_attribute("open", "")

    for _ in range(40):  # on to a quick reply, which Enter sends
        page.keyboard.press("Tab")
        if page.evaluate(SHADOW_ACTIVE) == "quick-reply":
            break
    assert page.evaluate(SHADOW_ACTIVE) == "quick-reply"
    page.keyboard.press("Enter")
    expect(page.locator(".message-user")).to_have_count(2)

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert page.evaluate(SHADOW_ACTIVE) == "launcher", "focus returns to the launcher"


def test_offline_when_the_assistant_cannot_be_reached(open_session):
    session = open_session(reduced_motion="reduce")
    page = session.new_page()
    page.goto(session.demo_url(server=f"http://localhost:{free_port()}"))  # nobody listens
    open_chat(page)
    status = page.get_by_role("status").filter(has_text="Offline")
    expect(status).to_have_text(re.compile("Offline — reconnecting"))
    ask(page, "is anyone there?")
    pending = page.locator(".message-pending")
    expect(pending).to_contain_text("is anyone there?")
    expect(pending).to_contain_text("Waiting to send")
    expect(status).to_contain_text("will be sent")
    assert page.locator(".typing").count() == 0
    # reduced motion: the typing dots do not bounce
    animation = page.evaluate(
        """() => {
            const root = document.getElementById("ms-assistant-widget").shadowRoot;
            const log = root.querySelector(".log");
            const dot = document.createElement("span");
            const dots = document.createElement("span");
            dots.className = "typing-dots";
            dots.append(dot);
            log.append(dots);
            const name = getComputedStyle(dot).animationName;
            dots.remove();
            return name;
        }"""
    )
    assert animation == "none"


def test_a_message_typed_offline_is_sent_when_the_connection_is_back(session):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    wait_until_online(page)

    session.context.set_offline(True)
    expect(page.locator(".connection")).to_contain_text("Offline — reconnecting")
    ask(page, "how much does hsct cost")
    expect(page.locator(".message-pending")).to_contain_text("Waiting to send")

    session.context.set_offline(False)
    expect(page.locator(".message-pending")).to_have_count(0)
    expect(page.locator(".connection")).to_have_text("")
    expect(page.locator(".message-deferral")).to_have_count(1)
    expect(page.locator(".message-evidence")).to_have_attribute("data-topic", "cost_insurance")
    expect(page.locator(".message-user .user-text")).to_have_text(["how much does hsct cost"])


def bot_events_after(events: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    index = max(i for i, e in enumerate(events) if e["event"] == "user" and e.get("text") == text)
    return events[index + 1 :]


def test_feedback_and_talk_to_a_person_are_stored_with_the_conversation(session, widget_stack):
    page = session.new_page()
    page.goto(session.demo_url())
    open_chat(page)
    ask(page, QUESTION)
    expect(page.locator(".message-deferral")).to_have_count(1)

    page.locator(".message-evidence").get_by_role("button", name="No, not helpful").click()
    expect(page.locator(".message-user").last).to_have_text(re.compile("Not helpful"))
    expect(page.locator(".feedback-down")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".message-bot", has_text="sorry that wasn't helpful")).to_have_count(1)

    page.locator(".talk-to-person").click()  # the footer control, always there
    expect(page.locator(".message-user")).to_have_count(3)
    expect(page.locator(".message-bot", has_text="Is that OK?")).to_have_count(1)

    events = tracker(widget_stack, session_id(page))["events"]
    answer = next(
        e
        for e in events
        if e["event"] == "bot"
        and (e.get("data") or {}).get("custom")
        and e["data"]["custom"].get("type") == "evidence_answer"
    )
    feedback_text = '/give_feedback{"feedback_value":"down"}'
    feedback = next(e for e in events if e["event"] == "user" and e.get("text") == feedback_text)
    assert feedback["metadata"]["feedback_on"] == answer["data"]["custom"]["evidence_ids"]
    assert feedback["metadata"]["display"] == "👎 Not helpful"
    replies = [
        (e.get("metadata") or {}).get("utter_action")
        for e in bot_events_after(events, feedback_text)
        if e["event"] == "bot"
    ]
    assert "utter_feedback_negative" in replies
    human = next(e for e in events if e["event"] == "user" and e.get("text") == "/request_human")
    assert human["metadata"]["display"] == "Talk to a person"
    assert human["parse_data"]["intent"]["name"] == "request_human"
    assert any(e["event"] == "bot" for e in bot_events_after(events, "/request_human"))


def test_screenshots_on_a_320px_phone_and_a_desktop(mobile_session, session, screenshots):
    for current, name in ((mobile_session, "widget-320px.png"), (session, "widget-desktop.png")):
        page = current.new_page()
        page.goto(current.demo_url())
        open_chat(page)
        ask(page, QUESTION)
        expect(page.locator(".message-deferral")).to_have_count(1)
        summary = page.locator(".message-evidence .sources summary")
        summary.click()
        expect(page.locator(".message-evidence .sources li").first).to_be_visible()
        summary.scroll_into_view_if_needed()
        box = page.get_by_role("dialog").bounding_box()
        viewport = page.viewport_size
        if viewport["width"] == 320:  # full screen, nothing wider than the phone
            assert box == {"x": 0, "y": 0, "width": 320, "height": viewport["height"]}
            overflow = page.locator(".log").evaluate("e => e.scrollWidth - e.clientWidth")
            assert overflow == 0
        else:  # a panel at the bottom right, over the page
            assert box["width"] < viewport["width"] / 2
            assert box["x"] + box["width"] > viewport["width"] - 40
        expect(page.get_by_role("textbox", name="Your question")).to_be_in_viewport()
        page.screenshot(path=str(screenshots / name))
        assert (screenshots / name).stat().st_size > 10_000


def test_the_demo_page_takes_only_a_local_server_from_its_address(session):
    page = session.new_page()
    page.goto(f"http://localhost:{session.stack.web_port}/?server=https://attacker.example")
    assert page.evaluate("() => window.MSAssistantConfig") is None
    assert page.locator("script[src='/dist/ms-assistant-widget.js']").count() == 1
