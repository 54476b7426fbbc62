"""The curators' "Try a question" page (/curation/evaluate): the topic, the ranked items and the
answer the assistant would give, typed and as phone text; refused to staff who are not curators;
a message, not a 500, for an empty or too long question and for an assistant that is down.

evaluate_parses.json holds what the trained model's `/model/parse` returned for two questions
and their phone text (captured with `devtools.eval_real.parse_all`, `text_tokens` left out).
The last test asks the real assistant.
"""

import json
import re
import urllib.parse
from html import unescape
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from actions.evidence_store import get_store
from actions.rendering import item_button
from channels.phone_text import spoken_button, voice_channel_text
from inbox.evaluation import SHOWN_ITEMS, evaluate
from tests.databases import database_url
from tests.inbox.assistant import assistant_with_inbox
from tests.inbox.conftest import Client

pytestmark = pytest.mark.server

PARSES: Dict[str, Dict[str, Any]] = json.loads(
    (Path(__file__).parent / "evaluate_parses.json").read_text(encoding="utf-8")
)
SIDE_EFFECTS = "What are the side effects of HSCT?"
TWO_QUESTIONS = "How long is the hospital stay and how much does it cost?"
PAGE = "/curation/evaluate"


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> Iterator[str]:
    """SQLite only: the page reads no handoff data, only the session (tested on both elsewhere)."""
    with database_url("sqlite", tmp_path_factory.mktemp("evaluate")) as url:
        yield url


@pytest.fixture(scope="module", autouse=True)
def captured_parses(fake_rasa) -> None:
    """conftest's fake assistant answers `/model/parse` with the captured parses."""
    fake_rasa.parses = PARSES


def columns(page: str) -> Dict[str, str]:
    """The page's "Typed" and "As phone text" columns, as text."""
    typed, _, phone = page.partition('data-variant="phone"')
    typed = typed.partition('data-variant="typed"')[2]
    return {"typed": unescape(typed), "phone": unescape(phone)}


def ranked_ids(column: str) -> List[str]:
    return re.findall(r'<tr data-item="([^"]+)"', column)


# --- the page through the inbox -------------------------------------------------------------------
def test_staff_who_are_not_curators_are_refused(signed_in, fake_rasa):
    nurse, _ = signed_in("Nurse Lee")
    assert 'href="/curation/evaluate"' not in nurse.get("/queue").text
    page = nurse.get(PAGE + "?q=" + urllib.parse.quote(SIDE_EFFECTS))
    assert page.status == 403 and "Only a curator" in page.text
    assert nurse.act(PAGE, question=SIDE_EFFECTS).status == 403
    assert fake_rasa.asked == []  # refused before anything was asked


def test_curators_and_admins_get_the_form_with_the_channels_limit(signed_in):
    for role in ("curator", "admin"):
        client, _ = signed_in("Cory Curator", role=role)
        page = client.get(PAGE)
        assert page.status == 200, role
        assert 'maxlength="4000"' in page.text and 'name="csrf_token"' in page.text
        assert 'data-variant="typed"' not in page.text  # nothing asked yet
        assert "<script>" not in page.text and 'style="' not in page.text  # CSP: no inline code


def test_a_curator_sees_the_topic_ranking_and_answer_typed_and_as_phone_text(signed_in, fake_rasa):
    curator, _ = signed_in("Cory Curator", role="curator")
    page = curator.get(PAGE + "?q=" + urllib.parse.quote(SIDE_EFFECTS))
    assert page.status == 200
    phone_text = voice_channel_text(SIDE_EFFECTS)
    assert sorted(fake_rasa.asked[-2:]) == sorted([SIDE_EFFECTS, phone_text])  # asked at once
    store = get_store()
    first = store.item("side_effects.short_and_long_term")
    for variant, column in columns(page.text).items():
        assert "ask_side_effects" in column, variant
        assert "Topic: <strong>side_effects</strong>" in column, variant
        ids = ranked_ids(column)
        assert ids[0] == first.id and len(ids) == SHOWN_ITEMS, variant
        assert first.title in column and 'data-decision="answer"' in column
        assert re.search(
            r'data-item="side_effects.short_and_long_term" class="evaluate-chosen"', column
        )
        assert "Sources:" in column
    typed, phone = columns(page.text)["typed"], columns(page.text)["phone"]
    assert f'<dd class="evaluate-text">{SIDE_EFFECTS}</dd>' in typed
    assert f'<dd class="evaluate-text">{phone_text}</dd>' in phone
    assert first.answer[:60] in typed and first.spoken[:60] in phone  # written vs spoken answer
    assert first.spoken[:60] not in typed


def test_the_form_posts_with_its_token_and_shows_each_question(signed_in, fake_rasa):
    curator, _ = signed_in("Cory Curator", role="curator")
    assert curator.post(PAGE, {"question": TWO_QUESTIONS}).status == 403  # no CSRF token
    page = curator.act(PAGE, question=TWO_QUESTIONS)
    assert page.status == 200
    typed, phone = columns(page.text)["typed"], columns(page.text)["phone"]
    assert "Question 1: How long is the hospital stay" in typed
    assert "Question 2: how much does it cost?" in typed
    # typed: the cost is answered, the stay gets a "did you mean" button
    assert 'data-decision="answer"' in typed
    assert 'data-action="clarify"' in typed and 'data-action="answer"' in typed
    button = get_store().item("procedure_steps.how_long")
    assert f'<span class="evaluate-button">{button.title}</span>' in typed
    # as phone text neither is answered: one "did you mean", spoken titles
    assert 'data-decision="clarify"' in phone and 'data-action="answer"' not in phone
    spoken = spoken_button(item_button(get_store(), button.id))
    assert f'<span class="evaluate-button">{spoken}</span>' in phone
    assert "only the first question" in phone
    assert TWO_QUESTIONS in page.text  # the question stays in the form


@pytest.mark.parametrize(
    "question, problem",
    [("", "empty"), ("   \n ", "empty"), ("why " * 1001, "too_long")],
)
def test_an_empty_or_too_long_question_gets_a_message(signed_in, fake_rasa, question, problem):
    curator, _ = signed_in("Cory Curator", role="curator")
    asked = len(fake_rasa.asked)
    page = curator.act(PAGE, question=question)
    assert page.status == 400
    assert f'data-problem="{problem}"' in page.text and 'role="alert"' in page.text
    assert len(fake_rasa.asked) == asked  # the assistant was not asked


def test_an_assistant_that_is_down_gets_a_message_not_a_500(signed_in, fake_rasa):
    curator, _ = signed_in("Cory Curator", role="curator")
    fake_rasa.failing = True
    page = curator.act(PAGE, question=SIDE_EFFECTS)
    assert page.status == 503 and 'data-problem="assistant_down"' in page.text
    assert "could not be reached" in page.text and fake_rasa.token not in page.text

    fake_rasa.failing = False
    fake_rasa.stop()  # refuses connections
    try:
        page = curator.get(PAGE + "?q=hello")
        assert page.status == 503 and 'data-problem="assistant_down"' in page.text
    finally:
        fake_rasa.start()
    assert curator.get(PAGE + "?q=hello").status == 200


def test_a_wrong_token_says_so(signed_in, fake_rasa):
    curator, _ = signed_in("Cory Curator", role="curator")
    token, fake_rasa.token = fake_rasa.token, "another-token"
    try:
        page = curator.get(PAGE + "?q=hello")
    finally:
        fake_rasa.token = token
    assert page.status == 503 and 'data-problem="assistant_refused"' in page.text


# --- the decision, without a server ---------------------------------------------------------------
def test_the_captured_phone_texts_are_what_the_phone_channel_makes_of_the_questions():
    for typed in (SIDE_EFFECTS, TWO_QUESTIONS):
        assert voice_channel_text(typed) in PARSES


def test_intents_with_their_own_reply_are_not_planned_but_still_ranked():
    store = get_store()
    greeting = {**PARSES[SIDE_EFFECTS], "intent": {"name": "greet", "confidence": 0.9}}
    result = evaluate(store, greeting)
    assert result.decision == "other" and result.questions[0].action == ""
    assert [r.id for r in result.questions[0].ranking][:1] == ["side_effects.short_and_long_term"]
    assert not any(r.chosen for r in result.questions[0].ranking)
    emergency = {**greeting, "intent": {"name": "emergency", "confidence": 0.9}}
    assert evaluate(store, emergency).decision == "emergency"


def test_a_button_payload_is_answered_with_the_item_it_names():
    store = get_store()
    payload = {
        "text": '/ask_procedure_steps{"evidence_item": "procedure_steps.how_long"}',
        "intent": {"name": "ask_procedure_steps", "confidence": 1.0},
        "entities": [{"entity": "evidence_item", "value": "procedure_steps.how_long"}],
    }
    result = evaluate(store, payload, spoken=True)
    assert result.decision == "answer"
    assert result.questions[0].reply.item_ids == ["procedure_steps.how_long"]
    assert result.questions[0].reply.text == store.item("procedure_steps.how_long").spoken


# --- through the real assistant -------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory, db_url):
    stack = assistant_with_inbox(tmp_path_factory.mktemp("evaluate-real"), db_url)
    stack.start()
    yield stack
    stack.stop()


def test_the_real_assistant_ranks_and_answers(real_assistant, make_staff, clear_attempts):
    _, email = make_staff("Cory Curator", role="curator")
    curator = Client(real_assistant.inbox_url)
    assert curator.sign_in(email).status == 303
    page = curator.get(PAGE + "?q=" + urllib.parse.quote(SIDE_EFFECTS))
    assert page.status == 200
    for variant, column in columns(page.text).items():
        assert ranked_ids(column)[0] == "side_effects.short_and_long_term", variant
        assert 'data-decision="answer"' in column, variant
    assert voice_channel_text(SIDE_EFFECTS) in columns(page.text)["phone"]
