"""Searching the index's rows as a person types: every word in a row's search text, plus filters."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

ID_LENGTH = 26  # a ULID: each search text starts with the record's id, casefolded


@dataclass
class Columns:
    """What a filter reads, held in memory in path order: a keystroke scans this list in a few
    milliseconds, where SQLite would read every row from disk."""

    commit: str | None
    texts: list[str]  # search_text in path order
    kinds: list[tuple[str, str, str]] | None = None  # status, outcome, decision: loaded when first filtered on


class Search:
    """The loaded columns for one indexed commit, and the last search (to narrow the next as typing goes on)."""

    def __init__(self) -> None:
        self.columns: Columns | None = None
        self.last: tuple[str | None, str, list[int]] | None = None  # commit, words, positions found

    def load(self, db: sqlite3.Connection, commit: str | None) -> Columns:
        """The columns for `commit`, reloaded when the rows changed."""
        if self.columns is None or self.columns.commit != commit:
            texts = [text for (text,) in db.execute("SELECT search_text FROM rows ORDER BY path")]
            self.columns = Columns(commit, texts)
        return self.columns

    def matching(self, db: sqlite3.Connection, commit: str | None, query: str, status: str | None,
                 outcome: str | None) -> list[int]:
        """Positions (in path order) of the rows matching the query's words and the filters."""
        cols = self.load(db, commit)
        words = query.casefold().split()
        key = "\0".join(words)
        texts = cols.texts
        last = self.last if self.last is not None and self.last[0] == cols.commit else None
        if last and words and last[1] == key:
            found = last[2]  # the same words again (count, then page): the last answer stands
        else:
            # typing on: when the new words contain the old, only the last matches can match
            if last and last[1] and all(any(old in word for word in words) for old in last[1].split("\0")):
                candidates: range | list[int] = last[2]
            else:
                candidates = range(len(texts))
            found = None
            for word in words:
                if found is None and isinstance(candidates, range):
                    found = [n for n, text in enumerate(texts) if word in text]
                else:
                    found = [n for n in (candidates if found is None else found) if word in texts[n]]
            if found is None:
                found = list(candidates)
            if words:
                self.last = (cols.commit, key, found)
        if status is not None or outcome is not None:
            if cols.kinds is None:
                cols.kinds = db.execute("SELECT status, outcome, decision FROM rows ORDER BY path").fetchall()
            kinds = cols.kinds
            found = [n for n in found if (status is None or kinds[n][0] == status)
                     and (outcome is None or outcome in (kinds[n][1], kinds[n][2]))]
        return found

    def ids(self, positions: list[int]) -> list[str]:
        """The record ids at these positions (of the loaded columns)."""
        texts = self.columns.texts if self.columns else []
        return [texts[p][:ID_LENGTH].upper() for p in positions]
