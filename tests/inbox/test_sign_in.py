"""Many sign-in attempts at once, against real SQLite and PostgreSQL databases: at most the limit
reach the password check, the owner elsewhere still gets in, and hashes run a few at a time."""

import asyncio
import datetime as dt
import functools
import threading
import time
from typing import Any, Callable, List, Optional

import pytest
from sqlalchemy import func, select

from inbox.accounts import StaffAccount, create_account, verify_password
from inbox.schema import sign_in_attempts
from inbox.security import SignInLimiter
from inbox.sign_in import SignInCheck, SignInOutcome
from tests.databases import DATABASES, handoff_store

PASSWORD = "the owner's long password"
OWNER = "lee@clinic.example"
ATTACKER, OWNERS_DESK = "203.0.113.7", "10.1.2.3"
BURST = 150


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        create_account(store.engine, OWNER, "Nurse Lee", PASSWORD)
        yield store


class CountingCheck:
    """verify_password, counting how many calls reach it and how many run at once."""

    def __init__(self, hold: Optional[threading.Event] = None) -> None:
        self.calls = self.running = self.most_at_once = 0
        self.hold = hold
        self._lock = threading.Lock()

    def __call__(self, engine: Any, email: str, password: str) -> Optional[StaffAccount]:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.hold is not None:
                self.hold.wait(30)
            return verify_password(engine, email, password)
        finally:
            with self._lock:
                self.running -= 1


async def run(function: Callable[..., Any], *args: Any) -> Any:
    """What app.ctx.run does: the blocking call in the default thread pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(function, *args))


def checker(store, verify: CountingCheck, hashes: int = 4, wait: float = 30.0) -> SignInCheck:
    limiter = SignInLimiter(
        store.engine, per_account=5, per_address=20, window=dt.timedelta(minutes=15)
    )
    return SignInCheck(store.engine, limiter, run, hashes=hashes, wait_seconds=wait, verify=verify)


async def burst(check: SignInCheck, attempts: List[tuple]) -> List[SignInOutcome]:
    return await asyncio.gather(*(check.attempt(*attempt) for attempt in attempts))


def test_of_150_wrong_passwords_at_once_at_most_5_reach_the_password_check(store):
    verify = CountingCheck()
    check = checker(store, verify)
    outcomes = asyncio.run(burst(check, [(OWNER, f"guess {n}", ATTACKER) for n in range(BURST)]))

    assert verify.calls <= 5
    checked = [o for o in outcomes if o.retry_after is None]
    assert len(checked) == verify.calls and all(o.account is None for o in checked)
    assert all(o.retry_after and o.retry_after > 14 * 60 for o in outcomes if o not in checked)
    with store.engine.connect() as connection:  # only the checked attempts are counted
        counted = connection.execute(
            select(func.count()).select_from(sign_in_attempts)
        ).scalar_one()
    assert counted == 2 * verify.calls  # per e-mail and address, and per address
    # (attempts that saw too many others in flight were refused too:) one at a time, the 6th is
    while verify.calls < 5:
        [guess] = asyncio.run(burst(check, [(OWNER, "one more guess", ATTACKER)]))
        assert guess.retry_after is None and guess.account is None
    [attacker] = asyncio.run(burst(check, [(OWNER, PASSWORD, ATTACKER)]))
    assert attacker.retry_after is not None and attacker.account is None
    assert verify.calls == 5

    # the owner, at their own desk, signs in while the attacker is paused
    [owner] = asyncio.run(burst(check, [(OWNER, PASSWORD, OWNERS_DESK)]))
    assert owner.account is not None and owner.account.email == OWNER


def test_guesses_across_many_e_mails_from_one_address_stop_at_20(store):
    verify = CountingCheck()
    check = checker(store, verify)
    guesses = [(f"guess{n}@clinic.example", "password", ATTACKER) for n in range(60)]
    asyncio.run(burst(check, guesses))
    assert verify.calls <= 20


def test_password_checks_run_a_few_at_a_time_and_the_rest_are_told_to_retry(store):
    hold = threading.Event()
    verify = CountingCheck(hold)
    check = checker(store, verify, hashes=2, wait=0.3)

    async def scenario() -> List[SignInOutcome]:
        first = [
            asyncio.ensure_future(check.attempt(OWNER, "wrong", f"10.0.0.{n}")) for n in (1, 2)
        ]
        while verify.running < 2:  # both slots taken
            await asyncio.sleep(0.01)
        started = time.monotonic()
        [third] = await burst(check, [(OWNER, PASSWORD, "10.0.0.3")])
        assert time.monotonic() - started < 5  # answered, not left hanging
        hold.set()
        return [third, *await asyncio.gather(*first)]

    third, *first = asyncio.run(scenario())
    assert third.busy and third.account is None and third.retry_after is None
    assert verify.calls == 2 and verify.most_at_once == 2
    assert all(not o.busy for o in first)
    # the attempt that never reached the check is not counted as a failure
    limiter = check.limiter
    with store.engine.connect() as connection:
        keys = set(connection.execute(select(sign_in_attempts.c.key)).scalars())
    assert not set(limiter.keys(OWNER, "10.0.0.3")) & keys

    # with time to wait, 10 attempts from 10 addresses all get checked, 2 at a time
    verify = CountingCheck()
    check = checker(store, verify, hashes=2, wait=60)
    outcomes = asyncio.run(burst(check, [(OWNER, "wrong", f"10.0.1.{n}") for n in range(10)]))
    assert verify.calls == 10 and verify.most_at_once == 2
    assert not any(o.busy for o in outcomes)
