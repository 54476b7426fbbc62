"""Conversation ids are credentials: signed web chat sessions, long REST sender ids."""

import secrets
import uuid

import pytest

from channels.conversation_ids import (
    WEBCHAT_PREFIX,
    looks_guessable,
    new_session_id,
    sender_id_problem,
    session_token,
    token_matches,
)
from channels.voice import conversation_id as call_conversation_id

SECRET = "s" * 16 + "e" * 16 + "c" * 16


def test_session_ids_are_long_random_and_unique():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 32 and i.startswith(WEBCHAT_PREFIX) for i in ids)


def test_only_the_token_made_for_an_id_opens_it():
    session_id = new_session_id()
    token = session_token(session_id, SECRET)
    assert token_matches(session_id, token, SECRET)
    assert not token_matches(new_session_id(), token, SECRET)
    assert not token_matches(session_id, token, "another secret " * 3)
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert not token_matches(session_id, altered, SECRET)
    for odd in (None, "", 12, ["x"]):
        assert not token_matches(session_id, odd, SECRET)
        assert not token_matches(odd, token, SECRET)


@pytest.mark.parametrize(
    "sender",
    [
        "me",
        "1",
        "user",
        "a" * 23,
        "has space" * 4,
        "x" * 129,
        # long enough, but not random: few characters, or a short pattern repeated
        "a" * 24,
        "Q2x9-" * 6,
        "ab12cd34ef56" * 2,
        "Q2x9-Q2x9-Q2x9-Q2x9-Q2x9",  # the pattern need not fit a whole number of times
    ],
)
def test_production_refuses_short_or_guessable_sender_ids(sender):
    assert sender_id_problem(sender, production=True)


@pytest.mark.parametrize(
    "sender", ["h7Kq2ZbX9vLm4TcW8rNp3sYd", "0b7e6c1f-3d2a-4c59-9f84-1e6a2d7b5c30"]
)
def test_production_accepts_a_long_random_sender_id(sender):
    assert sender_id_problem(sender, production=True) is None


def test_what_clients_generate_is_never_taken_for_a_guessable_id():
    generated = [secrets.token_urlsafe(18) for _ in range(1000)]
    generated += [uuid.uuid4().hex for _ in range(1000)]
    assert [sender for sender in generated if looks_guessable(sender)] == []


@pytest.mark.parametrize("production", [True, False])
def test_rest_may_not_name_a_web_chat_or_phone_conversation(production):
    """REST checks no token: a copied web chat id or a call's id would let anyone post there."""
    web_chat = new_session_id()
    call = call_conversation_id("CA" + "0f" * 16, b"a voice sender key of 32 bytes!!")
    for sender in (web_chat, call, web_chat.upper(), call.capitalize()):
        problem = sender_id_problem(sender, production=production)
        assert problem and "another channel" in problem, sender


@pytest.mark.parametrize("sender", [None, "", 5, "a/b", "two words"])
def test_any_mode_refuses_a_missing_or_malformed_sender_id(sender):
    assert sender_id_problem(sender, production=False)


def test_development_accepts_a_short_readable_sender_id():
    assert sender_id_problem("me", production=False) is None
