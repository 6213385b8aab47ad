"""What identifies a record's subject: the spellings of its details (export redacts them) and, as digests,
what the index holds so that `isp verify` can say whether a text holds a subject's
details (`isp verify` hashes each stretch of a free text of a length it holds) without holding them."""

from __future__ import annotations

import hashlib
from datetime import date

from isp_tui.record.model import Record


def identifying(record: Record) -> list[str]:
    """What identifies the subject, as it could be written in free text: name and reference (4 characters
    or more), date of birth in the usual spellings; casefolded."""
    out = []
    for value in (record.get("subject.name"), record.get("subject.reference")):
        if isinstance(value, str) and len(value.strip()) >= 4:
            out.append(value.strip().casefold())
    born = record.get("subject.date_of_birth")
    if isinstance(born, date):
        out += [spelling.casefold() for spelling in birth_date_spellings(born)]
    return out


def birth_date_spellings(born: date) -> list[str]:
    """A date of birth as it is usually written: 2015-05-01, 01/05/2015, 01.05.2015, 1 May 2015, 01 May 2015."""
    return list(dict.fromkeys([born.isoformat(), f"{born:%d/%m/%Y}", f"{born:%d.%m.%Y}", f"{born.day} {born:%B %Y}",
                               f"{born:%d %B %Y}"]))


def digest(text: str) -> str:
    """A short keyed-by-purpose digest of a casefolded value: its length, then 16 hex digits of BLAKE2b."""
    return f"{len(text)}:{hashlib.blake2b(text.encode(), digest_size=8, person=b'isp-identify').hexdigest()}"


def identifying_digests(record: Record) -> list[str]:
    """identifying(record) as digests."""
    return [digest(value) for value in identifying(record)]
