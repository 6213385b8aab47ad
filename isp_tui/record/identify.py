"""What identifies a record's subject: its details and, as digests, what the index holds so that `isp verify`
can say whether a text holds a subject's details (`isp verify` hashes each stretch of a free text of a
length it holds) without holding them; and how a date is written in free text (`written_dates`,
`replace_date`: the one home of the date-of-birth spellings, which export redacts and verify finds)."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Iterator

from isp_tui.record.model import Record


def identifying(record: Record) -> list[str]:
    """What identifies the subject, as it could be written in free text: name and reference (4 characters
    or more), date of birth as an ISO date; casefolded."""
    out = []
    for value in (record.get("subject.name"), record.get("subject.reference")):
        if isinstance(value, str) and len(value.strip()) >= 4:
            out.append(value.strip().casefold())
    born = record.get("subject.date_of_birth")
    if isinstance(born, date):
        # one spelling: Identifying.find reads every other spelling (written_dates, below) into this one
        out.append(born.isoformat())
    return out


_HASH = hashlib.blake2b(digest_size=8, person=b"isp-identify")  # each digest starts from a copy of it


def digest(text: str) -> str:
    """A short keyed-by-purpose digest of a casefolded value: its length, then 16 hex digits of BLAKE2b."""
    h = _HASH.copy()
    h.update(text.encode())
    return f"{len(text)}:{h.hexdigest()}"


def identifying_digests(record: Record) -> list[str]:
    """identifying(record) as digests."""
    return [digest(value) for value in identifying(record)]


# ---------------------------------------------------------------------------------------------
# Dates as people write them: the one home of the spellings a date of birth is found in, for the redacted
# copy (isp_tui.export.redact) and the personal-data check (isp_tui.audit.personal and identifying above).
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
