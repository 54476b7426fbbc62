"""Handoff settings, read once from the environment (documented in .env.example)."""

from functools import lru_cache
from typing import Optional

from pydantic import BaseSettings, validator

from handoff.availability import OnDutyHours
from handoff.limits import RequestLimits


class HandoffSettings(BaseSettings):
    # Where handoffs, messages and callback requests live: SQLite by default, PostgreSQL by URL.
    db_url: str = "sqlite:///var/handoff.db"
    # When staff are on duty, e.g. "mon-fri 09:00-17:00; sat 10:00-13:00", and in which zone.
    hours: str = "mon-fri 09:00-17:00"
    timezone: str = "Europe/London"
    # How the hours are said to people; defaults to the rule above with its time zone.
    hours_description: Optional[str] = None
    # A staff member counts as signed in if their inbox was seen this recently.
    presence_seconds: int = 120
    # Quoted wait when there is no recent history to estimate from.
    default_wait_minutes: int = 10
    # Retention deletes what is older than this: conversations (from the tracker store), ended
    # handoffs, handled callback requests, and sign-in addresses in the audit log (docs/inbox.md).
    retention_days: int = 30
    # The assistant's endpoints file (as given to `rasa run --endpoints`): retention prunes the
    # tracker store it names. endpoints.production.yml in production.
    endpoints: str = "endpoints.yml"
    # Caps on new handoffs and callback requests together (handoff/limits.py, docs/inbox.md):
    # nobody signs in to ask for staff, so without them a script floods the queue, the e-mails
    # and the webhook. Per conversation in 24 h: one request, a second (e.g. urgent) after staff
    # ended the first, and one to spare; a conversation that asks again while its handoff is
    # open is not counted. Per client address (a keyed hash the channels set; a caller's number
    # on the phone) in one hour: a household or a clinic's Wi-Fi shares one, and a script can
    # make a new conversation per request. Overall in one hour: several times the busiest hour
    # a small team sees, and more than it can answer; beyond it the queue only hides people.
    limit_per_conversation: int = 3
    limit_per_address: int = 5
    limit_overall: int = 60

    class Config:
        env_prefix = "HANDOFF_"

    @validator("hours")
    def _hours_parse(cls, value: str) -> str:
        OnDutyHours.parse(value)  # raises ValueError with a clear message
        return value

    @validator("limit_per_conversation", "limit_per_address", "limit_overall")
    def _limit_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1 (nobody could ask for staff)")
        return value

    @property
    def request_limits(self) -> RequestLimits:
        return RequestLimits(
            per_conversation=self.limit_per_conversation,
            per_address=self.limit_per_address,
            overall=self.limit_overall,
        )

    @property
    def hours_text(self) -> str:
        return self.hours_description or f"{self.hours} ({self.timezone} time)"

    @property
    def on_duty(self) -> OnDutyHours:
        return OnDutyHours.parse(self.hours, self.timezone)


@lru_cache(maxsize=1)
def get_settings(env_file: Optional[str] = None) -> HandoffSettings:
    return HandoffSettings(_env_file=env_file)
