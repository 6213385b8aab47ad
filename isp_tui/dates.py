"""Dates the protocols set: responses within 15 working days (000 13.2) and corrections passed on
within 14 days (000 12.3). Working days skip weekends and England and Wales bank holidays.

Also the one home of how a date is written in free text (`written_dates`, `replace_date`): the spellings a
redacted copy removes and the personal-data check looks for."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterator

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


def now() -> datetime:
    """The current time in UTC, to the second: what records and commits carry."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def today() -> date:
    return now().date()


# ---------------------------------------------------------------------------------------------
# Dates as people write them: the one home of the spellings a date of birth is found in, for the redacted
# copy (isp_tui.export.redact) and the personal-data check (isp_tui.audit.personal, isp_tui.index.identify).
# UK and ISO forms: 9/3/2014, 09/03/2014, 09-03-2014, 9.3.2014, 9/3/14, 2014-3-9, 2014-03-09, 2014/03/09,
# 9 March 2014, 9th March 2014, 9 Mar 2014, 9th of March, 2014, March 9, 2014, Mar 9th 2014; any case.

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
_MONTH = (r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ORD = r"(?:st|nd|rd|th)?"
WRITTEN_DATE = re.compile(
    r"(?<![\w])(?:"
    r"(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"  # 2014-03-09
    r"|(?P<nd>\d{1,2})(?P<nsep>[-/.])(?P<nm>\d{1,2})(?P=nsep)(?P<ny>\d{4}|\d{2})"  # 09/03/2014, 9.3.14
    rf"|(?P<td>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH.format('tm')},?\s+(?P<ty>\d{{4}})"  # 9th March 2014
    rf"|{_MONTH.format('um')}\s+(?P<ud>\d{{1,2}}){_ORD},?\s+(?P<uy>\d{{4}})"  # March 9, 2014
    r")(?![\w])", re.IGNORECASE)


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return next(n for n, full in enumerate(MONTH_NAMES, 1) if full.startswith(name[:3]))


def _date_of(match: re.Match[str]) -> date | None:
    g = match.groupdict()
    try:
        if g["iy"]:
            return date(int(g["iy"]), int(g["im"]), int(g["id"]))
        if g["ny"]:
            year = int(g["ny"])
            if len(g["ny"]) == 2:  # as strptime's %y reads it: 69-99 are 1900s, 00-68 2000s
                year += 1900 if year >= 69 else 2000
            return date(year, int(g["nm"]), int(g["nd"]))
        if g["ty"]:
            return date(int(g["ty"]), _month(g["tm"]), int(g["td"]))
        return date(int(g["uy"]), _month(g["um"]), int(g["ud"]))
    except ValueError:  # 31/02/2016 is no date
        return None


def written_dates(text: str) -> Iterator[tuple[re.Match[str], date]]:
    """Every date written in `text` in one of the spellings above: (where it is, the date)."""
    for match in WRITTEN_DATE.finditer(text):
        day = _date_of(match)
        if day is not None:
            yield match, day


def written_date(text: str) -> date | None:
    """The date `text` is, written in one of the spellings above (the whole text), or None."""
    match = WRITTEN_DATE.fullmatch(text.strip())
    return _date_of(match) if match else None


def replace_date(text: str, day: date, replacement: str) -> str:
    """`text` with every spelling of `day` replaced (a two-digit year matches its last two digits)."""
    def swap(match: re.Match[str]) -> str:
        found = _date_of(match)
        same = found is not None and (found == day or (len(match["ny"] or "") == 2 and (found.month, found.day,
                                                       found.year % 100) == (day.month, day.day, day.year % 100)))
        return replacement if same else match.group()

    return WRITTEN_DATE.sub(swap, text)
