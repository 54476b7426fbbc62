"""On-duty hours: "mon-fri 09:00-17:00; sat 10:00-13:00" in a time zone."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import List, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RULE = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})\s*$"
)


def _time(text: str) -> dt.time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return dt.time.max
    return dt.time(hours, minutes)


@dataclass(frozen=True)
class OnDutyHours:
    windows: Tuple[Tuple[int, dt.time, dt.time], ...]  # (weekday, start, end)
    zone: dt.tzinfo

    @classmethod
    def parse(cls, spec: str, timezone: str = "UTC") -> "OnDutyHours":
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as missing:
            raise ValueError(f"unknown time zone '{timezone}'") from missing
        windows: List[Tuple[int, dt.time, dt.time]] = []
        for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
            if part in ("always", "24/7"):
                windows += [(day, dt.time.min, dt.time.max) for day in range(7)]
                continue
            if part == "never":
                continue
            match = _RULE.match(part)
            if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
                raise ValueError(
                    f"cannot read on-duty hours '{part}': use e.g. 'mon-fri 09:00-17:00'"
                )
            first = DAYS.index(match["first"])
            last = DAYS.index(match["last"] or match["first"])
            start, end = _time(match["start"]), _time(match["end"])
            if end <= start:
                raise ValueError(f"on-duty hours '{part}' end before they start")
            days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            windows += [(day, start, end) for day in days]
        return cls(tuple(windows), zone)

    def is_on_duty(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.zone)
        now = local.time()
        return any(
            day == local.weekday() and start <= now < end for day, start, end in self.windows
        )
