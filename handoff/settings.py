"""Handoff settings, read once from the environment (documented in .env.example)."""

from functools import lru_cache
from typing import Optional

from pydantic import BaseSettings, validator

from handoff.availability import OnDutyHours


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
    # Closed handoffs and handled callback requests older than this are deleted by retention.
    retention_days: int = 30

    class Config:
        env_prefix = "HANDOFF_"

    @validator("hours")
    def _hours_parse(cls, value: str) -> str:
        OnDutyHours.parse(value)  # raises ValueError with a clear message
        return value

    @property
    def hours_text(self) -> str:
        return self.hours_description or f"{self.hours} ({self.timezone} time)"

    @property
    def on_duty(self) -> OnDutyHours:
        return OnDutyHours.parse(self.hours, self.timezone)


@lru_cache(maxsize=1)
def get_settings(env_file: Optional[str] = None) -> HandoffSettings:
    return HandoffSettings(_env_file=env_file)
