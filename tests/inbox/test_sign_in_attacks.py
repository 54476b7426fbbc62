"""Attacks on signing in, over HTTP against a real inbox: a burst of guesses at one account, the
owner signing in from elsewhere meanwhile, and more password checks than the inbox runs at once.

This inbox trusts one proxy (INBOX_PROXIES_COUNT=1), so each request says its client address in
X-Forwarded-For, and it checks one password at a time, waiting at most 50 ms for its turn.
"""

import http.client
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterator, List

import pytest

from tests.inbox.conftest import PASSWORD, SESSION_COOKIE, Client, InboxServer, inbox_env

pytestmark = pytest.mark.server

BURST = 150
ATTACKER, OWNERS_DESK = "203.0.113.7", "198.51.100.20"


@pytest.fixture(scope="module")
def proxied_inbox(db_url, fake_rasa, tmp_path_factory) -> Iterator[InboxServer]:
    env = inbox_env(
        db_url,
        fake_rasa.url,
        fake_rasa.token,
        INBOX_PROXIES_COUNT="1",
        INBOX_SIGN_IN_MAX_CONCURRENT_HASHES="1",
        INBOX_SIGN_IN_HASH_WAIT_SECONDS="0.05",
    )
    server = InboxServer(env, tmp_path_factory.mktemp("attack-logs"))
    server.start()
    yield server
    server.stop()


class SignInForm:
    """One sign-in form (its cookie and token), posted many times at once as a script would."""

    def __init__(self, url: str) -> None:
        self.client = Client(url)
        page = self.client.get("/sign-in")
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        self.cookie = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())

    def post(self, email: str, password: str, address: str) -> http.client.HTTPResponse:
        form = {"csrf_token": self.token, "email": email, "password": password}
        connection = http.client.HTTPConnection(self.client.host, self.client.port, timeout=60)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": self.cookie,
            "X-Forwarded-For": address,
        }
        try:
            connection.request("POST", "/sign-in", urllib.parse.urlencode(form), headers)
            response = connection.getresponse()
            response.text = response.read().decode()  # type: ignore[attr-defined]
            return response
        finally:
            connection.close()

    def burst(self, attempts: List[Dict[str, str]]) -> List[http.client.HTTPResponse]:
        with ThreadPoolExecutor(max_workers=50) as pool:
            return list(pool.map(lambda attempt: self.post(**attempt), attempts))


def audit_actions(store, staff_id):
    return [e["action"] for e in store.audit_entries(5000) if e["staff_id"] == staff_id]


def test_a_burst_of_150_guesses_reaches_the_password_check_at_most_5_times_and_the_owner_gets_in(
    proxied_inbox, make_staff, store, clear_attempts
):
    staff_id, email = make_staff("Nurse Lee")
    form = SignInForm(proxied_inbox.url)
    guesses = [dict(email=email, password=f"guess {n}", address=ATTACKER) for n in range(BURST)]
    statuses = [response.status for response in form.burst(guesses)]

    assert set(statuses) <= {401, 429, 503}  # wrong, paused, or try again shortly
    checked = statuses.count(401)  # a 401 is an attempt whose password was checked
    assert checked <= 5
    assert audit_actions(store, staff_id).count("sign_in_failed") == checked
    # (a 503 was not checked and does not count:) guessing on, one at a time, the 6th is paused
    while checked < 5:
        assert form.post(email, "one more guess", ATTACKER).status == 401
        checked += 1
    assert form.post(email, PASSWORD, ATTACKER).status == 429  # even with the right password

    # meanwhile the owner signs in at their own desk, with the attack still going on
    owner = Client(proxied_inbox.url)
    attack = ThreadPoolExecutor(max_workers=10)
    more = [attack.submit(form.post, email, "guess again", ATTACKER) for _ in range(30)]
    response = owner.sign_in(email, headers={"X-Forwarded-For": OWNERS_DESK})
    assert (response.status, response.location) == (303, "/queue")
    assert SESSION_COOKIE in owner.cookies
    assert owner.get("/api/session").json()["staff_id"] == staff_id
    assert {future.result().status for future in more} == {429}
    attack.shutdown()


def test_more_password_checks_than_the_inbox_runs_at_once_are_told_to_try_again(
    proxied_inbox, clear_attempts
):
    form = SignInForm(proxied_inbox.url)
    # different e-mails from different addresses: the rate limits let every one through
    attempts = [
        dict(email=f"someone{n}@clinic.example", password="a guess", address=f"10.9.0.{n}")
        for n in range(20)
    ]
    responses = form.burst(attempts)
    assert {response.status for response in responses} <= {401, 503}
    busy = [response for response in responses if response.status == 503]
    assert busy, "one password check at a time: most of 20 at once wait too long"
    for response in busy:
        assert int(response.getheader("Retry-After")) > 0
        assert "busy signing other people in" in response.text  # type: ignore[attr-defined]
