"""The periods a curator can choose (the last 7, 30 or 90 days) and the steps a trend is counted
in: days for a week, weeks for longer (a 90-day row of days is too thin to read)."""

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, List, Optional

CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
DAILY_UP_TO_DAYS = 14


@dataclass(frozen=True)
class Step:
    start: dt.datetime
    end: dt.datetime
    label: str  # "23 Nov": the day, or the first day of the week


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    days: int

    @classmethod
    def last(
        cls, days: int, now: Optional[dt.datetime] = None, retention_days: Optional[int] = None
    ) -> "Period":
        """The last `days` days up to `now`; never further back than retention keeps
        conversations (older ones are deleted, so a longer period would only look empty)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        kept = min(days, retention_days) if retention_days else days
        return cls(now - dt.timedelta(days=kept), now, kept)

    def steps(self) -> List[Step]:
        width = dt.timedelta(days=1 if self.days <= DAILY_UP_TO_DAYS else 7)
        steps = []
        end = self.end
        while end > self.start:
            start = max(self.start, end - width)
            day = start.strftime("%-d %b")
            steps.append(Step(start, end, day))
            end = start
        return steps[::-1]

    def counts(self, moments: Iterable[dt.datetime]) -> List[int]:
        """How many of `moments` fall in each step (those outside the period in none)."""
        steps = self.steps()
        counts = [0] * len(steps)
        for moment in moments:
            for index, step in enumerate(steps):
                if step.start <= moment < step.end:
                    counts[index] += 1
                    break
        return counts


def chosen_days(value: Optional[str]) -> int:
    """The period asked for in the address (?days=7), the default for anything else."""
    try:
        days = int(value or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if days in CHOICES else DEFAULT_DAYS
