"""Dates the protocols set: responses within 15 working days (000 13.2) and corrections passed on
within 14 days (000 12.3). Working days skip weekends and England and Wales bank holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

RESPONSE_WORKING_DAYS = 15
CORRECTION_DAYS = 14


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # imported late: nothing heavy before the first screen

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end is not after start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def response_due(received: date) -> date:
    return add_working_days(received, RESPONSE_WORKING_DAYS)


def correction_due(found: date) -> date:
    return found + timedelta(days=CORRECTION_DAYS)


def day_of(text: str | None) -> date | None:
    """An ISO date as the index keeps it ("" or None: no date)."""
    return date.fromisoformat(text) if text else None


def now() -> datetime:
    """The current time in UTC, to the second: what records and commits carry."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def today() -> date:
    return now().date()
