"""The derived index's SQLite file: its tables, one Row a record, and opening it (or throwing it away).

The rows live in `.git/isp/index.sqlite`, beside the commit they describe. Nothing is ever read from
it that the repository could not give again: a missing, corrupt or foreign file is discarded and
rebuilt (isp_tui.index.build)."""

from __future__ import annotations

import json
import os
import sqlite3
from urllib.parse import quote
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from isp_tui.record.identify import identifying_digests
from isp_tui.record import Record

SCHEMA = 10  # bump when a table changes: an older file is rebuilt, never migrated
FILE = "index.sqlite"


@dataclass(frozen=True, slots=True)  # slots: 100k rows in memory at a third less
class Row:
    id: str
    created: datetime
    status: str
    outcome: str  # the engine's
    decision: str  # the practitioner's recorded decision ("" while a draft has none)
    recipient: str
    requester_agency: str
    ruleset: str
    decided_by: str
    response_due: date | None
    responded: date | None
    review_on: date | None
    retain_until: date | None
    amendments: int
    search_text: str  # what a search matches: id, agencies, subject reference and name, outcome

    @classmethod
    def of(cls, record: Record) -> Row:
        return row_from(stored_row(record))


COLUMNS = ("id", "created", "status", "outcome", "decision", "recipient", "requester_agency", "ruleset",
           "decided_by", "response_due", "responded", "review_on", "retain_until", "amendments", "search_text")
SELECT = ", ".join(COLUMNS)


def iso(value: object) -> object:
    """Dates and moments as ISO text (they sort as dates in SQLite); anything else as it is."""
    return value.isoformat() if isinstance(value, date) else value  # a datetime is a date too


def row_values(row: Row) -> tuple:
    """A Row as the `rows` table holds it."""
    return tuple(iso(getattr(row, name)) for name in COLUMNS)


_EMPTY: dict = {}


def stored_row(record: Record) -> tuple:
    """A record's row as the `rows` table holds it (COLUMNS; dates as ISO text), read straight from its tables: a
    new machine makes 100,000. `search_text` is what a search matches: the id, agencies, subject reference and
    name, outcome, decision, state and who decided."""
    data = record.data
    recipient, request = data.get("recipient", _EMPTY), data.get("request", _EMPTY)
    subject, retention = data.get("subject", _EMPTY), data.get("retention", _EMPTY)
    engine, recorded = data.get("outcome", _EMPTY).get("engine"), data.get("decision", _EMPTY).get("recorded")
    status, by = data.get("status", "draft"), data.get("decided", _EMPTY).get("by")
    text = " ".join(str(v) for v in (data["id"], recipient.get("agency"), request.get("agency"),
                                      subject.get("reference"), subject.get("name"), engine, recorded, status, by) if v)
    return (data["id"], iso(data.get("created")), status, engine or "", recorded or "", recipient.get("agency") or "",
            request.get("agency") or "", data.get("ruleset", _EMPTY).get("id") or "", by or "",
            iso(request.get("response_due")), iso(request.get("responded")), iso(retention.get("review_on")),
            iso(retention.get("retain_until")), len(data.get("amendments", ())), text.casefold())


def row_from(values: tuple) -> Row:
    """A Row from the `rows` table's SELECT columns."""
    (id_, created, status, outcome, decision, recipient, agency, ruleset, by, response_due, responded, review_on,
     retain_until, amendments, text) = values
    day = date.fromisoformat
    return Row(id_, datetime.fromisoformat(created), status, outcome, decision, recipient, agency, ruleset, by,
               response_due and day(response_due), responded and day(responded), review_on and day(review_on),
               retain_until and day(retain_until), amendments, text)


# What the auditors' reports read (audit.reports), one column each, kept beside each row: a report at
# 100,000 records is a few queries here and parses no record file. Dates are ISO text (they sort as dates).
# `identifying` is for `isp verify`, which looks for a subject's details in free text: digests of them,
# never the details themselves (see identify.identifying_digests).
REPORTED = ("id", "status", "engine", "recorded", "created", "decided", "agency", "bases", "consent",
            "why_not_sought", "explanation", "reasons", "has_reasons", "received", "response_due", "responded",
            "request_agency", "review_on", "retain_until", "corrections", "identifying")
REPORTED_DDL = f"CREATE TABLE reported (path TEXT PRIMARY KEY, {', '.join(REPORTED)}) WITHOUT ROWID"
INSERT_REPORTED = f"INSERT OR REPLACE INTO reported VALUES (?, {', '.join('?' * len(REPORTED))})"
INSERT_ROW = f"INSERT OR REPLACE INTO rows VALUES ({', '.join('?' * (len(COLUMNS) + 2))})"
INSERT_PROBLEM = "INSERT OR REPLACE INTO problems VALUES (?, ?, ?)"
DDL = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (path TEXT PRIMARY KEY, blob TEXT NOT NULL, {", ".join(f"{c} {'INTEGER' if c == 'amendments' else 'TEXT'}" for c in COLUMNS)}) WITHOUT ROWID;
CREATE INDEX rows_id ON rows (id);
CREATE INDEX rows_status ON rows (status);
CREATE INDEX rows_created ON rows (created);
CREATE TABLE problems (path TEXT PRIMARY KEY, blob TEXT NOT NULL, message TEXT NOT NULL);
{REPORTED_DDL};
"""


def reported_values(record: Record) -> tuple:
    """A record's REPORTED columns. `decided` is the day of decided.at; `responded` is when the request
    was answered: request.responded, else the day shared, else the day decided (000 13.2). Read straight from
    the record's tables, as stored_row is; a draft's lawful basis "unsure" names no basis."""
    data = record.data
    request, retention, when = data.get("request", _EMPTY), data.get("retention", _EMPTY), data.get("when", _EMPTY)
    at = data.get("decided", _EMPTY).get("at")
    decided = at.date() if isinstance(at, datetime) else None
    responded = request.get("responded") or data.get("sharing", _EMPTY).get("shared_on") or decided
    reasons = data.get("decision", _EMPTY).get("reasons") or ""
    corrections = data.get("corrections")
    return (data["id"], data.get("status", "draft"), data.get("outcome", _EMPTY).get("engine") or "",
            data.get("decision", _EMPTY).get("recorded") or "", iso(data.get("created")), iso(decided),
            data.get("recipient", _EMPTY).get("agency") or "",
            "\n".join(bases) if isinstance(bases := when.get("lawful_basis"), list) else "",
            when.get("consent") or "", when.get("consent_not_sought_reason") or "",
            data.get("consent", _EMPTY).get("explanation") or "", reasons, int(bool(reasons.strip())),
            iso(request.get("received")), iso(request.get("response_due")), iso(responded),
            request.get("agency") or "", iso(retention.get("review_on")), iso(retention.get("retain_until")),
            json.dumps(corrections, default=iso, ensure_ascii=False) if corrections else None,
            " ".join(identifying_digests(record)))


def reported_db(records: Iterable[Record]) -> sqlite3.Connection:
    """The REPORTED table of these records, in memory: reports on records that are not (all) committed."""
    db = sqlite3.connect(":memory:")
    db.execute(REPORTED_DDL)
    db.executemany(INSERT_REPORTED, ((record.path, *reported_values(record)) for record in records))
    return db


def discard(path: Path) -> None:
    """Throw the file away (derived data only), with SQLite's write-ahead log beside it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def connect(path: Path, *, memory: bool = False) -> sqlite3.Connection:
    """Open the index file, creating its tables; a corrupt file or one of another SCHEMA is discarded and
    made again (a second failure is raised). A symbolic link in its place (or its log's) is never followed:
    it is removed and the index made again. `memory`: an index in memory (a full or read-only disk)."""
    if not memory:
        path.parent.mkdir(exist_ok=True, mode=0o700)
        for suffix in ("", "-wal", "-shm", "-journal"):
            link = Path(f"{path}{suffix}")
            if link.is_symlink() or (link.exists() and not link.is_file()):
                discard(path)  # derived data: made again here, never written through a link into another file
                Path(f"{path}-journal").unlink(missing_ok=True)
                break
    for attempt in range(2):
        db = None
        if memory:
            db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:  # nofollow: SQLite refuses to open the file through a symbolic link
            db = sqlite3.connect(f"file:{quote(str(path))}?nofollow=1", uri=True, timeout=30, isolation_level=None,
                                 check_same_thread=False)
        try:
            if not memory:
                os.chmod(path, 0o600, follow_symlinks=False)
            if not memory:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA secure_delete=ON")  # a removed row (a destroyed record's) is overwritten
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                db.execute("BEGIN IMMEDIATE")  # another process may be creating it at this moment
                if not db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                    for statement in DDL.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
                db.execute("COMMIT")
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if not version or version[0] != str(SCHEMA):
                raise sqlite3.DatabaseError("an index of another version")
            db.execute("SELECT count(*) FROM rows").fetchone()
            return db
        except sqlite3.DatabaseError:
            if attempt:
                raise
            if db is not None:
                try:
                    db.close()
                except Exception:  # noqa: BLE001 - closing a broken file is best effort
                    pass
            discard(path)  # derived data only: a corrupt or foreign file is thrown away and rebuilt
    raise AssertionError("unreachable")


def meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row and row[0] else None


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
