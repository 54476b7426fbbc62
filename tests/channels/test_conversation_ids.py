"""Conversation ids are credentials: signed web chat sessions, long REST sender ids."""

import pytest

from channels.conversation_ids import (
    new_session_id,
    sender_id_problem,
    session_token,
    token_matches,
)

SECRET = "s" * 16 + "e" * 16 + "c" * 16


def test_session_ids_are_long_random_and_unique():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 32 for i in ids)


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


@pytest.mark.parametrize("sender", ["me", "1", "user", "a" * 23, "has space" * 4, "x" * 129])
def test_production_refuses_short_or_guessable_sender_ids(sender):
    assert sender_id_problem(sender, production=True)


def test_production_accepts_a_long_random_sender_id():
    assert sender_id_problem(new_session_id(), production=True) is None


@pytest.mark.parametrize("sender", [None, "", 5, "a/b", "two words"])
def test_any_mode_refuses_a_missing_or_malformed_sender_id(sender):
    assert sender_id_problem(sender, production=False)


def test_development_accepts_a_short_readable_sender_id():
    assert sender_id_problem("me", production=False) is None
