"""On-duty hours."""

import datetime as dt

import pytest

from handoff.availability import OnDutyHours
from handoff.settings import HandoffSettings

LONDON_MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)  # GMT in Nov


def test_weekday_office_hours():
    hours = OnDutyHours.parse("mon-fri 09:00-17:00", "Europe/London")
    assert hours.is_on_duty(LONDON_MONDAY_10AM)
    assert not hours.is_on_duty(LONDON_MONDAY_10AM.replace(hour=17))
    assert not hours.is_on_duty(LONDON_MONDAY_10AM - dt.timedelta(days=2))  # Saturday


def test_several_windows_wrapping_week_and_time_zone():
    hours = OnDutyHours.parse("fri-mon 20:00-24:00; wed 06:00-07:30", "America/New_York")
    sunday_9pm_new_york = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    assert hours.is_on_duty(sunday_9pm_new_york)
    wednesday_7am = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
    assert hours.is_on_duty(wednesday_7am)
    assert not hours.is_on_duty(wednesday_7am + dt.timedelta(hours=1))


def test_always_and_never():
    assert OnDutyHours.parse("always").is_on_duty(LONDON_MONDAY_10AM)
    assert not OnDutyHours.parse("never").is_on_duty(LONDON_MONDAY_10AM)


@pytest.mark.parametrize("spec", ["weekdays 9-5", "mon-fri 17:00-09:00", "xyz 09:00-10:00"])
def test_unreadable_hours_are_refused_with_a_clear_message(spec):
    with pytest.raises(ValueError, match="hours"):
        OnDutyHours.parse(spec)


def test_settings_refuse_bad_hours_and_zones():
    with pytest.raises(ValueError):
        HandoffSettings(hours="whenever")
    with pytest.raises(ValueError, match="time zone"):
        _ = HandoffSettings(timezone="Mars/Olympus").on_duty
    settings = HandoffSettings(hours="mon-fri 09:00-17:00", timezone="Europe/London")
    assert settings.hours_text == "mon-fri 09:00-17:00 (Europe/London time)"
