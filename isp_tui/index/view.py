"""`Index(store)`: the derived index of one records repository, as listing, search and what is due read it.

`rows()` gives one Row a record (of the committed records, in path order: oldest first); `count()` and
`page()` give the browse table what it shows without building every row; `due(today)` says what needs
doing. A broken record file is a Problem (`index.problems`), not an error."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

from isp_tui.errors import InputError
from isp_tui.index import build
from isp_tui.index.db import FILE, SELECT, Row, connect, discard, meta, row_from
from isp_tui.index.due import DUE_SOON_DAYS, Due, due_in, past_review_in
from isp_tui.index.search import Search
from isp_tui.gitlayer.plumbing import blobs
from isp_tui.record.model import SUMMARY, Record
from isp_tui.store import Problem, Store


def printable_error(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__


class Index:
    """Rows for every committed record in the repository, from a derived SQLite index."""

    def __init__(self, store: Store):
        self.store = store
        self.problems: list[Problem] = []
        self.commit: str | None = None  # the commit the rows describe
        self.changed = 0  # record files read by the last refresh
        self.search = Search()
        self._db: sqlite3.Connection | None = None

    # -- keeping it up to date -------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.store.work / FILE

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = connect(self.path)
        return self._db

    def refresh(self, progress: Callable[[int, int], None] | None = None, reuse: build.Reuse | None = None,
                at: str | None = None) -> None:
        """Bring the rows up to date with the branch: a diff from the indexed commit, or a rebuild.

        `progress(done, total)` is called as record files are read (a rebuild at 100,000 records
        takes a while: show it). `reuse` gives each file read to another check too (build.update). `at`: a
        commit to describe instead of the branch's head (a new machine reads the server's commit while its
        first sync is still writing the files)."""
        try:
            self._refresh(progress, reuse, at)
        except (sqlite3.OperationalError, OSError) as exc:  # a full or read-only disk: read into memory instead
            self.close()
            self._db = connect(self.path, memory=True)
            self.store.messages.append(f"note: the derived index could not be written here ({printable_error(exc)}); "
                                       "read from the records themselves this time")
            self._refresh(progress, reuse, at)
        except sqlite3.DatabaseError:
            self.close()
            discard(self.path)
            self._refresh(progress, reuse, at)

    def _refresh(self, progress: Callable[[int, int], None] | None, reuse: build.Reuse | None = None,
                 at: str | None = None) -> None:
        head = at or self.store.head()
        db = self._connect()
        self.changed = build.update(db, self.store, head, progress, reuse)
        self.commit = head
        self.problems = [Problem(p, m) for p, m in db.execute("SELECT path, message FROM problems ORDER BY path")]
        if head:
            build.maintain_commit_graph(db, self.store, head)

    def indexed(self) -> str | None:
        """The commit the stored rows describe (None: none yet), without bringing them up to date."""
        try:
            return meta(self._connect(), "commit") or None
        except sqlite3.DatabaseError:
            return None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- reading ---------------------------------------------------------------------------------

    def _ready(self) -> sqlite3.Connection:
        if self.commit is None and self._db is None:
            self.refresh()
        return self._connect()

    def prepare(self) -> None:
        """Make searching ready (the browse table calls this on open, or in a worker just after)."""
        self.search.load(self._ready(), self.commit)

    def _matching(self, query: str, status: str | None, outcome: str | None) -> list[int]:
        return self.search.matching(self._ready(), self.commit, query, status, outcome)

    def _fetch(self, positions: list[int]) -> list[Row]:
        """The rows at these positions, in that order."""
        db, out = self._ready(), []
        for n in range(0, len(positions), 500):
            ids = self.search.ids(positions[n:n + 500])
            found = {values[0]: row_from(values) for values in db.execute(
                f"SELECT {SELECT} FROM rows WHERE id IN ({', '.join('?' * len(ids))})", ids)}
            out += [found[i] for i in ids if i in found]
        return out

    def summaries(self) -> Iterator[dict]:
        """Every row as `isp list --json` prints it (dates as ISO text), oldest first, without building Rows."""
        cursor = self._ready().execute(f"SELECT {', '.join(SUMMARY)} FROM rows ORDER BY path")
        for values in cursor:  # the index keeps "" where a record has no value: a summary says None
            yield {key: None if value == "" else value for key, value in zip(SUMMARY, values)}

    def rows(self, query: str = "", *, status: str | None = None, outcome: str | None = None) -> list[Row]:
        """Every matching row, oldest first. For a table on screen prefer count() and page()."""
        if not query.strip() and status is None and outcome is None:
            return [row_from(values) for values in self._ready().execute(f"SELECT {SELECT} FROM rows ORDER BY path")]
        return self._fetch(self._matching(query, status, outcome))

    def count(self, query: str = "", *, status: str | None = None, outcome: str | None = None) -> int:
        if not query.strip() and status is None and outcome is None:
            return self._ready().execute("SELECT count(*) FROM rows").fetchone()[0]
        return len(self._matching(query, status, outcome))

    def page(self, query: str = "", *, offset: int = 0, limit: int = 100, status: str | None = None,
             outcome: str | None = None, newest_first: bool = True) -> list[Row]:
        """One screenful of matching rows: the browse table asks for the rows it shows."""
        if not query.strip() and status is None and outcome is None:
            order = "DESC" if newest_first else "ASC"
            return [row_from(values) for values in self._ready().execute(
                f"SELECT {SELECT} FROM rows ORDER BY path {order} LIMIT ? OFFSET ?", (limit, offset))]
        found = self._matching(query, status, outcome)
        if newest_first:
            found = found[::-1]
        return self._fetch(found[offset:offset + limit])

    def reported(self) -> sqlite3.Connection:
        """The database holding the REPORTED table of every committed record (what audit.reports queries)."""
        return self._ready()

    def records(self, ids: Iterable[str]) -> list[Record]:
        """Whole records, as committed at the indexed commit, read from git (for the few a report lists
        in full). A record the index holds no row for, or that no longer reads, is left out."""
        db, wanted = self._ready(), []
        for record_id in ids:
            found = db.execute("SELECT path, blob FROM rows WHERE id=?", (record_id,)).fetchone()
            if found:
                wanted.append(found)
        out = []
        for (path, _), raw in zip(wanted, blobs(self.store.root, [blob for _, blob in wanted])):
            try:
                out.append(Record.from_toml(raw or b"", path))
            except InputError:
                continue
        return out

    def last_decided_by(self, decided_by: str) -> Record | None:
        """The newest record `decided_by` ("Name <email>") saved, draft or final, as committed (None if none)."""
        found = self._ready().execute("SELECT id FROM rows WHERE decided_by=? ORDER BY created DESC LIMIT 1",
                                      (decided_by,)).fetchone()
        return next(iter(self.records([found[0]])), None) if found else None

    def references(self, ids: Iterable[str]) -> dict[str, str]:
        """Each record's subject reference, read from its committed file (personal data is not kept in the
        index's own columns in plain), remembered by blob so a page shown again reads nothing."""
        from isp_tui.tomlfile import parse_toml

        cache: dict[str, str] = self.__dict__.setdefault("_references", {})
        db, wanted = self._ready(), []
        for record_id in ids:
            found = db.execute("SELECT id, blob FROM rows WHERE id=?", (record_id,)).fetchone()
            if found:
                wanted.append(found)
        missing = [(record_id, blob) for record_id, blob in wanted if blob not in cache]
        for (_, blob), raw in zip(missing, blobs(self.store.root, [blob for _, blob in missing])):
            try:
                subject = parse_toml(raw or b"", blob).get("subject", {})
                value = subject.get("reference") if isinstance(subject, dict) else None
            except InputError:  # not UTF-8, not TOML: no reference to show
                value = None
            cache[blob] = value if isinstance(value, str) else ""
        return {record_id: cache[blob] for record_id, blob in wanted}

    def get(self, record_id: str) -> Row | None:
        values = self._ready().execute(f"SELECT {SELECT} FROM rows WHERE id=?", (record_id,)).fetchone()
        return row_from(values) if values else None

    def due(self, today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
        """What needs doing soon or is overdue, soonest first (due.due_state's rule, in SQL)."""
        return due_in(self._ready(), today, within=within)

    def past_review(self, today: date) -> list[Due]:
        """Final records whose retention or review date is due or overdue (what `retention list` shows)."""
        return past_review_in(self._ready(), today)
