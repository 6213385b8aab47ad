"""Personal data where it must never be: in commit messages and paths (the `personal-data` check).

What identifies a subject is known by digests only (isp_tui.record.identify: the name and
reference, the date of birth in its usual spellings), so free text can be searched for a subject's
details without the details being held here or quoted back.

- `Identifying`: the digests of every subject's details, and `find(text)`: the record whose details a
  text holds (pure);
- `personal_data_in(text, identifying, committed)`: why a free text holds personal data, or "" (pure);
- `sensitive_values(store, files, more)`: the digests of the records at the head (and earlier blobs).
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from isp_tui.audit.gitlog import read_blobs
from isp_tui.errors import InputError
from isp_tui.record.identify import digest, identifying_digests, written_date, written_dates
from isp_tui.record.ids import RECORD_PATH
from isp_tui.record.model import Record
from isp_tui.store.repo import Store



class Identifying:
    """Digests of what identifies each subject (record.identify.identifying_digests), to find in free text."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}  # digest -> the record it identifies (the first, in path order)
        self.lengths: set[int] = set()

    def add(self, digests: Iterable[str], record_id: str) -> None:
        for value in digests:
            if value not in self.digests:
                self.digests[value] = record_id
                self.lengths.add(int(value.split(":", 1)[0]))

    def add_record(self, record: Record) -> None:
        self.add(identifying_digests(record), record.id)

    def find(self, text: str) -> str | None:
        """The record whose subject's details the (casefolded) text holds, starting at a word's start; a date
        of birth in any of the spellings record.identify reads."""
        for _, day in written_dates(text):
            found = self.digests.get(digest(day.isoformat()))
            if found:
                return found
        lengths = sorted(self.lengths)
        for start in range(len(text)):
            if start and text[start - 1].isalnum():
                continue
            for length in lengths:
                if start + length > len(text):
                    break
                found = self.digests.get(digest(text[start:start + length]))
                if found:
                    return found
        return None


def long_ago(text: str, committed: date) -> bool:
    """A date well before the commit (a date of birth, say), not a sync's or a log's own time stamp."""
    when = written_date(text)
    return when is not None and (committed - when).days >= 365


def personal_data_in(text: str, identifying: Identifying, committed: date) -> tuple[str, str | None]:
    """Whether free text (a commit message not in the store's shape, or a path) holds personal data:
    (what it holds, the record whose subject it identifies), or ("", None). Never quotes the data back."""
    record_id = identifying.find(text.casefold())
    if record_id:
        return f"a subject's identifying details (record {record_id})", record_id
    if any((committed - day).days >= 365 for _, day in written_dates(text)):
        return "a date a year or more before the commit (a date of birth?)", None
    return "", None


def sensitive_values(store: Store, files: dict[str, str], more: Iterable[str] = (), *,
                     full: bool = False) -> Identifying:
    """What identifies a person in the records at the head, and in the `more` blobs (earlier revisions).

    The default run takes the head's from the derived index (brought up to date first), which keeps digests
    of them beside each row; --full reads every record file itself."""
    from isp_tui.index import Index

    found = Identifying()
    if not full:
        index = Index(store)
        index.refresh()
        for id_, digests in index.reported().execute("SELECT id, identifying FROM reported ORDER BY path"):
            found.add(digests.split(), id_)
        index.close()
    wanted = [blob for path, blob in files.items() if full and RECORD_PATH.match(path)] + list(more)
    blobs = read_blobs(store, wanted)
    for blob in dict.fromkeys(wanted):
        try:
            record = Record.from_toml(blobs.get(blob, b""), blob)
        except InputError:
            continue
        found.add_record(record)
    return found
