"""Whether a sign-in attempt may check its password, and the check: the rate limit first, then a
free password-hashing slot, then Argon2.

Kept apart from the HTTP handler (views/auth.py) so that tests can send many attempts at once
and count how many reach the password check.
"""

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from sqlalchemy.engine import Engine

from handoff.models import utcnow
from inbox.accounts import StaffAccount, verify_password
from inbox.security import SignInLimiter

Run = Callable[..., Awaitable[Any]]  # app.ctx.run: a blocking call, off the event loop


@dataclass(frozen=True)
class SignInOutcome:
    account: Optional[StaffAccount] = None  # the right password for an enabled account
    checked_at: Optional[dt.datetime] = None  # when the password check began
    retry_after: Optional[int] = None  # paused by the rate limit: seconds to wait
    busy: bool = False  # no hashing slot came free in time: try again shortly


class SignInCheck:
    """At most `hashes` password checks at once. Each Argon2id check takes about 64 MiB and
    0.1-0.2 s of a core here (argon2-cffi's defaults, measured on the 2-core test machine), so
    a burst of attempts, even within the rate limits (many e-mails, many addresses), would
    otherwise queue without end and take the memory with it. An attempt waits `wait_seconds` at
    most for a slot, then is told to try again shortly, and does not count as a failure."""

    def __init__(
        self,
        engine: Engine,
        limiter: SignInLimiter,
        run: Run,
        hashes: int,
        wait_seconds: float,
        verify: Callable[[Engine, str, str], Optional[StaffAccount]] = verify_password,
    ) -> None:
        self.engine = engine
        self.limiter = limiter
        self.run = run
        self.wait_seconds = wait_seconds
        self.verify = verify
        self._slots = asyncio.Semaphore(hashes)

    async def attempt(self, email: str, password: str, address: str) -> SignInOutcome:
        attempt = await self.run(self.limiter.begin, email, address)
        if attempt.retry_after:
            return SignInOutcome(retry_after=attempt.retry_after)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_seconds)
        except asyncio.TimeoutError:
            await self.run(self.limiter.cancel, attempt)
            return SignInOutcome(busy=True)
        checked_at = utcnow()
        # the slot is freed when the hash is done, even if the client has gone (the request's
        # task is cancelled, the hashing thread is not)
        check = asyncio.ensure_future(self._check(email, password))
        check.add_done_callback(lambda _: self._slots.release())
        account = await asyncio.shield(check)
        await self.run(self.limiter.finish, attempt, account is not None)
        return SignInOutcome(account=account, checked_at=checked_at)

    async def _check(self, email: str, password: str) -> Optional[StaffAccount]:
        if not email:
            return None
        return await self.run(self.verify, self.engine, email, password)
