"""A derived view of the records for listing, search and what is due: never the source of truth.

The rows live in a SQLite file inside the records repository's git directory
(`.git/isp/index.sqlite`), next to the commit they describe. Opening it brings it up to date from
git's own diff between that commit and HEAD (`git diff-tree`), reading only the record files that
changed; a missing, corrupt or foreign file is simply rebuilt from the repository (`git ls-tree` and
`git cat-file --batch`). Nothing is ever read from the SQLite file that the repository could not
give again: deleting it loses nothing.

`Index(store).rows()` gives one `Row` a record (of the committed records, in path order: oldest
first); `count()` and `page()` give the browse table what it shows without building every row;
`due(rows, today)` says what needs doing. A broken record file is a Problem, not an error.

Opening the index also keeps git's commit-graph (with changed-path filters) up to date, in a
background git process, so that one record's history stays fast as the repository grows.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from isp_tui.errors import InputError
from isp_tui.record import MAX_FILE, Record
from isp_tui.store import Problem, Store, git_env

DUE_SOON_DAYS = 14
SCHEMA = 9  # bump when the table changes: an older file is rebuilt, never migrated
FILE = "index.sqlite"
GRAPH_EVERY = 50  # commits since the commit-graph was last written before it is written again
RECORD_DEPTH = 4  # YYYY/MM/DD/<id>.toml
ID_LENGTH = 26  # a ULID
PARALLEL_FROM = 4000  # record files to read before a rebuild uses worker processes
PARALLEL_CHUNK = 2000
MAX_WORKERS = 4


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
        text = " ".join(str(v) for v in (
            record.id, record.get("recipient.agency"), record.get("request.agency"), record.get("subject.reference"),
            record.get("subject.name"), record.engine_outcome, record.recorded, record.status,
            record.get("decided.by")) if v)
        return cls(
            id=record.id, created=record.get("created"), status=record.status, outcome=record.engine_outcome or "",
            decision=record.recorded or "", recipient=record.get("recipient.agency") or "",
            requester_agency=record.get("request.agency") or "", ruleset=record.get("ruleset.id") or "",
            decided_by=record.get("decided.by") or "", response_due=record.get("request.response_due"),
            responded=record.get("request.responded"), review_on=record.get("retention.review_on"),
            retain_until=record.get("retention.retain_until"), amendments=len(record.data.get("amendments", [])),
            search_text=text.casefold(),
        )

    def matches(self, query: str) -> bool:
        return all(word in self.search_text for word in query.casefold().split())

    def as_summary(self) -> dict:
        """The keys `isp list --json` prints."""
        return {"id": self.id, "created": self.created, "status": self.status, "outcome": self.outcome or None,
                "decision": self.decision or None, "recipient": self.recipient or None, "ruleset": self.ruleset or None,
                "response_due": self.response_due, "review_on": self.review_on, "amendments": self.amendments}


@dataclass(frozen=True)
class Due:
    kind: str  # "response" (000 13.2), "review" or "retention" (000 6.7.1; 002 Record), "draft"
    id: str
    on: date | None
    overdue: bool


# -- the table ---------------------------------------------------------------------------------------

COLUMNS = ("id", "created", "status", "outcome", "decision", "recipient", "requester_agency", "ruleset",
           "decided_by", "response_due", "responded", "review_on", "retain_until", "amendments", "search_text")
DATES = {"response_due", "responded", "review_on", "retain_until"}

SELECT = ", ".join(COLUMNS)


def _row_values(row: Row) -> tuple:
    out = []
    for name in COLUMNS:
        value = getattr(row, name)
        out.append(value.isoformat() if isinstance(value, (date, datetime)) else value)
    return tuple(out)


def _row(values: tuple) -> Row:
    (id_, created, status, outcome, decision, recipient, agency, ruleset, by, response_due, responded, review_on,
     retain_until, amendments, text) = values
    day = date.fromisoformat
    return Row(id_, datetime.fromisoformat(created), status, outcome, decision, recipient, agency, ruleset, by,
               response_due and day(response_due), responded and day(responded), review_on and day(review_on),
               retain_until and day(retain_until), amendments, text)


# What the auditors' reports read (audit.reports), one column each, kept beside each row: a report at
# 100,000 records is a few queries here and parses no record file. Dates are ISO text (they sort as dates).
# `identifying` is for `isp verify`, which looks for a subject's details in free text: digests of them,
# never the details themselves (see identifying_digests).
REPORTED = ("id", "status", "engine", "recorded", "created", "decided", "agency", "bases", "consent",
            "why_not_sought", "explanation", "reasons", "has_reasons", "received", "response_due", "responded",
            "request_agency", "review_on", "retain_until", "corrections", "identifying")
REPORTED_DDL = f"CREATE TABLE reported (path TEXT PRIMARY KEY, {', '.join(REPORTED)}) WITHOUT ROWID"
DDL = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (path TEXT PRIMARY KEY, blob TEXT NOT NULL, {", ".join(f"{c} {'INTEGER' if c == 'amendments' else 'TEXT'}" for c in COLUMNS)}) WITHOUT ROWID;
CREATE INDEX rows_id ON rows (id);
CREATE INDEX rows_status ON rows (status);
CREATE INDEX rows_created ON rows (created);
CREATE TABLE problems (path TEXT PRIMARY KEY, blob TEXT NOT NULL, message TEXT NOT NULL);
{REPORTED_DDL};
"""


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def reported_values(record: Record) -> tuple:
    """A record's REPORTED columns. `decided` is the day of decided.at; `responded` is when the request
    was answered: request.responded, else the day shared, else the day decided (000 13.2)."""
    import json

    at = record.get("decided.at")
    decided = at.date() if isinstance(at, datetime) else None
    responded = record.get("request.responded") or record.get("sharing.shared_on") or decided
    reasons = record.get("decision.reasons") or ""
    corrections = record.data.get("corrections")
    return (record.id, record.status, record.engine_outcome or "", record.recorded or "",
            _iso(record.get("created")), _iso(decided), record.get("recipient.agency") or "",
            "\n".join(record.get("when.lawful_basis") or []), record.get("when.consent") or "",
            record.get("when.consent_not_sought_reason") or "", record.get("consent.explanation") or "", reasons,
            int(bool(reasons.strip())), _iso(record.get("request.received")), _iso(record.get("request.response_due")),
            _iso(responded), record.get("request.agency") or "", _iso(record.get("retention.review_on")),
            _iso(record.get("retention.retain_until")),
            json.dumps(corrections, default=_iso, ensure_ascii=False) if corrections else None,
            " ".join(identifying_digests(record)))


def identifying(record: Record) -> list[str]:
    """What identifies the subject, as it could be written in free text: name and reference (4 characters
    or more), date of birth in the usual spellings; casefolded."""
    out = []
    for value in (record.get("subject.name"), record.get("subject.reference")):
        if isinstance(value, str) and len(value.strip()) >= 4:
            out.append(value.strip().casefold())
    born = record.get("subject.date_of_birth")
    if isinstance(born, date):
        out += [born.isoformat(), f"{born:%d/%m/%Y}", f"{born:%d.%m.%Y}", f"{born.day} {born:%B %Y}".casefold()]
    return out


def digest(text: str) -> str:
    """A short keyed-by-purpose digest of a casefolded value: its length, then 16 hex digits of BLAKE2b."""
    import hashlib

    return f"{len(text)}:{hashlib.blake2b(text.encode(), digest_size=8, person=b'isp-identify').hexdigest()}"


def identifying_digests(record: Record) -> list[str]:
    """identifying(record) as digests: the index can say whether a text holds a subject's details (hash each
    stretch of the text of a length it holds) without holding them."""
    return [digest(value) for value in identifying(record)]


def reported_db(records: Iterable[Record]) -> sqlite3.Connection:
    """The REPORTED table of these records, in memory: reports on records that are not (all) committed."""
    db = sqlite3.connect(":memory:")
    db.execute(REPORTED_DDL)
    db.executemany(f"INSERT OR REPLACE INTO reported VALUES (?, {', '.join('?' * len(REPORTED))})",
                   ((record.path, *reported_values(record)) for record in records))
    return db


def is_record_path(path: str) -> bool:
    parts = path.split("/")
    return (len(parts) == RECORD_DEPTH and parts[3].endswith(".toml") and all(
        len(p) == n and p.isdigit() for p, n in zip(parts[:3], (4, 2, 2))))


try:  # the compiled parser reads records about three times faster than tomllib (same code, same results)
    from tomli import loads as _loads
except ImportError:  # pragma: no cover - tomli is a dependency; tomllib gives the same answers, slower
    from tomllib import loads as _loads


def _record(path: str, raw: bytes) -> Record:
    try:
        data = _loads(raw.decode("utf-8")) if raw.strip() and len(raw) <= MAX_FILE else None
    except Exception:  # noqa: BLE001 - not UTF-8 or not TOML: the store's own reader says so, in its words
        data = None
    if data is None:
        return Record.from_toml(raw, path)
    return Record.from_dict(data, path)


def parse(path: str, raw: bytes | None, mode: str = "100644") -> tuple[Row, tuple] | Problem:
    """One record file, as committed, to its Row and its REPORTED values; a file that is not a readable
    record to a Problem."""
    try:
        if mode == "120000":
            raise InputError("is a symbolic link; records are plain files and links are not followed", file=path)
        if raw is None:
            raise InputError("cannot be read from git", file=path)
        record = _record(path, raw)
        stem = path.rsplit("/", 1)[-1][:-5]
        if record.id != stem:
            raise InputError(f"holds id {record.id!r}, but its file name says {stem!r}", file=path, field="id")
        return Row.of(record), reported_values(record)
    except InputError as exc:
        return Problem(path, str(exc))


def blobs(root: Path, shas: list[str]) -> Iterator[bytes | None]:
    """The content of each blob, in order, from one `git cat-file --batch`."""
    if not shas:
        return
    import threading

    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, env=git_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = proc.stdout
    try:
        for _ in shas:
            header = out.readline().split()
            if len(header) == 3:
                data = out.read(int(header[2]))
                out.read(1)
                yield data
            else:
                yield None  # "<sha> missing": reported as a problem for that file
    finally:
        out.close()
        proc.wait()
        feeder.join()


def parse_many(root: Path, wanted: list[tuple[str, str, str]]) -> tuple[list[tuple], list[tuple]]:
    """Rows (as table values) and problems for (path, blob, mode) entries; runs in a worker process too."""
    rows, problems = [], []
    for (path, sha, mode), raw in zip(wanted, blobs(root, [sha for _, sha, _ in wanted])):
        item = parse(path, raw, mode)
        if isinstance(item, Problem):
            problems.append((path, sha, item.message))
        else:
            row, reported = item
            rows.append((path, sha, *_row_values(row), reported))
    return rows, problems


def in_parallel(root: Path, wanted: list, job: str = "isp_tui.index:parse_many", *extra: object) -> Iterator:
    """`job(root, part, *extra)` over `wanted` in parts, on every core for a big one: the other cores run
    worker interpreters (plain subprocesses, not fork: safe beside the app's threads) while this one works
    through its own share. `job` names a module-level function ("module:name"); its results are yielded
    part by part (a part is a list of entries, in no promised order)."""
    from importlib import import_module

    module, _, name = job.partition(":")
    work = getattr(import_module(module), name)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(wanted) < PARALLEL_FROM or workers < 2:
        for n in range(0, len(wanted), PARALLEL_CHUNK):
            yield work(root, wanted[n:n + PARALLEL_CHUNK], *extra)
        return
    import pickle
    import sys
    from concurrent.futures import ThreadPoolExecutor

    parts = [wanted[n::workers] for n in range(workers)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                       os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", "import isp_tui.index as i; i._worker()"], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
             for _ in parts[1:]]
    with ThreadPoolExecutor(len(procs)) as pool:
        futures = [pool.submit(proc.communicate, pickle.dumps((str(root), part, job, extra)))
                   for proc, part in zip(procs, parts[1:])]
        for n in range(0, len(parts[0]), PARALLEL_CHUNK):
            yield work(root, parts[0][n:n + PARALLEL_CHUNK], *extra)
        for proc, part, future in zip(procs, parts[1:], futures):
            out, _ = future.result()
            if proc.returncode == 0:
                yield pickle.loads(out)
            else:  # a worker that failed leaves its share to this process
                yield work(root, part, *extra)


def _worker() -> None:
    """A worker interpreter for in_parallel: (root, entries, job, extra) pickled on stdin, its result on stdout."""
    import pickle
    import sys
    from importlib import import_module

    root, wanted, job, extra = pickle.loads(sys.stdin.buffer.read())
    module, _, name = job.partition(":")
    sys.stdout.buffer.write(pickle.dumps(getattr(import_module(module), name)(Path(root), wanted, *extra)))


@dataclass
class _Columns:
    commit: str | None
    texts: list[str]  # search_text in path order; each starts with the record's id, casefolded
    kinds: list[tuple[str, str, str]] | None = None  # status, outcome, decision: loaded when first filtered on


class Index:
    """Rows for every committed record in the repository, from a derived SQLite index."""

    def __init__(self, store: Store):
        self.store = store
        self.problems: list[Problem] = []
        self.commit: str | None = None  # the commit the rows describe
        self.changed = 0  # record files read by the last refresh
        self._db: sqlite3.Connection | None = None
        self._cache: _Columns | None = None
        self._last: tuple[str | None, str, list[int]] | None = None  # the last search, to narrow the next
        self._progress: Callable[[int, int], None] | None = None

    # -- keeping it up to date -------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.store.work / FILE

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        self.store.work.mkdir(exist_ok=True, mode=0o700)
        for attempt in range(2):
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                os.chmod(self.path, 0o600)
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
                self._db = db
                return db
            except sqlite3.DatabaseError:
                if attempt:
                    raise
                try:
                    db.close()
                except Exception:  # noqa: BLE001 - closing a broken file is best effort
                    pass
                self._discard()  # derived data only: a corrupt or foreign file is thrown away and rebuilt
        raise AssertionError("unreachable")

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Bring the rows up to date with the branch: a diff from the indexed commit, or a rebuild.

        `progress(done, total)` is called as record files are read (a rebuild at 100,000 records
        takes the better part of a minute: show it)."""
        self._progress = progress
        try:
            self._refresh()
        except sqlite3.DatabaseError:
            self.close()
            self._discard()
            self._refresh()
        finally:
            self._progress = None

    def _refresh(self) -> None:
        head = self.store.head()
        db = self._connect()
        indexed = self._meta("commit")
        if indexed != head:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait, then find it done
            try:
                indexed = self._meta("commit")
                if indexed != head:
                    if indexed and head and self._is_commit(indexed):
                        self.changed = self._apply_diff(indexed, head)
                    else:
                        self.changed = self._rebuild(head)
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('commit', ?)", (head or "",))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        else:
            self.changed = 0
        self.commit = head
        self.problems = [Problem(p, m) for p, m in db.execute("SELECT path, message FROM problems ORDER BY path")]
        if head:
            self._maintain_commit_graph(head)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Throw the derived index away and build it again from the repository."""
        self.close()
        self._discard()
        self.refresh(progress)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _meta(self, key: str) -> str | None:
        row = self._connect().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row and row[0] else None

    def _is_commit(self, sha: str) -> bool:
        try:
            self.store.git("cat-file", "-e", f"{sha}^{{commit}}")
            return True
        except subprocess.CalledProcessError:
            return False

    def _rebuild(self, head: str | None) -> int:
        db = self._connect()
        db.execute("DELETE FROM rows")
        db.execute("DELETE FROM problems")
        db.execute("DELETE FROM reported")
        if not head:
            return 0
        out = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", head], cwd=self.store.root, env=git_env(),
                             capture_output=True, check=True).stdout
        wanted = []
        for entry in out.split(b"\0"):
            if not entry:
                continue
            info, _, name = entry.partition(b"\t")
            mode, kind, sha = info.split()
            path = name.decode("utf-8", "surrogateescape")
            if kind == b"blob" and is_record_path(path):
                wanted.append((path, sha.decode(), mode.decode()))
        self._store_rows(wanted)
        return len(wanted)

    def _apply_diff(self, old: str, new: str) -> int:
        db = self._connect()
        out = subprocess.run(["git", "diff-tree", "-r", "-z", "--no-renames", "--raw", old, new], cwd=self.store.root,
                             env=git_env(), capture_output=True, check=True).stdout
        fields = out.split(b"\0")
        wanted = []
        for meta, name in zip(fields[0::2], fields[1::2]):
            if not meta.startswith(b":"):
                continue
            _, new_mode, _, new_sha, status = meta[1:].split()
            path = name.decode("utf-8", "surrogateescape")
            if not is_record_path(path):
                continue
            db.execute("DELETE FROM rows WHERE path=?", (path,))
            db.execute("DELETE FROM problems WHERE path=?", (path,))
            db.execute("DELETE FROM reported WHERE path=?", (path,))
            if status != b"D" and new_mode != b"160000":
                wanted.append((path, new_sha.decode(), new_mode.decode()))
        self._store_rows(wanted)
        return len(wanted)

    def _store_rows(self, wanted: list[tuple[str, str, str]]) -> None:
        db = self._connect()
        insert = f"INSERT OR REPLACE INTO rows VALUES ({', '.join('?' * (len(COLUMNS) + 2))})"
        done = 0
        for rows, problems in in_parallel(self.store.root, wanted):
            done += len(rows) + len(problems)
            if self._progress is not None:
                self._progress(done, len(wanted))
            db.executemany(insert, [row[:-1] for row in rows])
            db.executemany(f"INSERT OR REPLACE INTO reported VALUES (?, {', '.join('?' * len(REPORTED))})",
                           [(row[0], *row[-1]) for row in rows])
            db.executemany("INSERT OR REPLACE INTO problems VALUES (?, ?, ?)", problems)

    def _maintain_commit_graph(self, head: str) -> None:
        """Keep git's commit-graph, with changed-path filters, no more than GRAPH_EVERY commits behind."""
        graphed = self._meta("graph")
        if graphed == head:
            return
        if graphed and self._is_commit(graphed):
            try:
                behind = int(self.store.git("rev-list", "--count", f"{graphed}..{head}").strip() or 0)
            except (subprocess.CalledProcessError, ValueError):
                behind = GRAPH_EVERY
            if behind < GRAPH_EVERY:
                return
        self.store.update_commit_graph(wait=False, replace=not graphed)
        self._connect().execute("INSERT OR REPLACE INTO meta VALUES ('graph', ?)", (head,))

    # -- reading ---------------------------------------------------------------------------------

    def _ready(self) -> sqlite3.Connection:
        if self.commit is None and self._db is None:
            self.refresh()
        return self._connect()

    def _columns(self) -> _Columns:
        """What a filter reads, held in memory in path order: a keystroke scans this list in a few
        milliseconds, where SQLite would read every row from disk. Each search text starts with the
        record's id, so the list is all a search needs; reloaded when the rows change."""
        db = self._ready()
        if self._cache is None or self._cache.commit != self.commit:
            texts = [text for (text,) in db.execute("SELECT search_text FROM rows ORDER BY path")]
            self._cache = _Columns(self.commit, texts)
        return self._cache

    def prepare(self) -> None:
        """Make searching ready (the browse table calls this on open, or in a worker just after)."""
        self._columns()

    def _matching(self, query: str, status: str | None, outcome: str | None) -> list[int]:
        """Positions (in path order) of the rows matching the query's words and the filters."""
        cols = self._columns()
        words = query.casefold().split()
        key = "\0".join(words)
        texts = cols.texts
        last = self._last if self._last is not None and self._last[0] == cols.commit else None
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
                self._last = (cols.commit, key, found)
        if status is not None or outcome is not None:
            if cols.kinds is None:
                cols.kinds = self._ready().execute("SELECT status, outcome, decision FROM rows ORDER BY path").fetchall()
            kinds = cols.kinds
            found = [n for n in found if (status is None or kinds[n][0] == status)
                     and (outcome is None or outcome in (kinds[n][1], kinds[n][2]))]
        return found

    def _fetch(self, positions: list[int]) -> list[Row]:
        """The rows at these positions, in that order."""
        cols, db, out = self._columns(), self._ready(), []
        for n in range(0, len(positions), 500):
            ids = [cols.texts[p][:ID_LENGTH].upper() for p in positions[n:n + 500]]
            found = {values[0]: _row(values) for values in db.execute(
                f"SELECT {SELECT} FROM rows WHERE id IN ({', '.join('?' * len(ids))})", ids)}
            out += [found[i] for i in ids if i in found]
        return out

    def summaries(self) -> Iterator[dict]:
        """Every row as `isp list --json` prints it (dates as ISO text), oldest first, without building Rows."""
        cursor = self._ready().execute("SELECT id, created, status, outcome, decision, recipient, ruleset, response_due, "
                                       "review_on, amendments FROM rows ORDER BY path")
        for id_, created, status, outcome, decision, recipient, ruleset, response_due, review_on, amendments in cursor:
            yield {"id": id_, "created": created, "status": status, "outcome": outcome or None,
                   "decision": decision or None, "recipient": recipient or None, "ruleset": ruleset or None,
                   "response_due": response_due, "review_on": review_on, "amendments": amendments}

    def rows(self, query: str = "", *, status: str | None = None, outcome: str | None = None) -> list[Row]:
        """Every matching row, oldest first. For a table on screen prefer count() and page()."""
        if not query.strip() and status is None and outcome is None:
            return [_row(values) for values in self._ready().execute(f"SELECT {SELECT} FROM rows ORDER BY path")]
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
            return [_row(values) for values in self._ready().execute(
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
                out.append(_record(path, raw or b""))
            except InputError:
                continue
        return out

    def get(self, record_id: str) -> Row | None:
        values = self._ready().execute(f"SELECT {SELECT} FROM rows WHERE id=?", (record_id,)).fetchone()
        return _row(values) if values else None

    def due(self, today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
        """As `due(rows, today)`, reading only the rows that can be due (drafts, and dates up to `within`
        away), and only the columns it needs."""
        from datetime import timedelta

        until = (today + timedelta(days=within)).isoformat()
        day = date.fromisoformat
        cursor = self._ready().execute(
            "SELECT id, status, response_due, review_on, retain_until FROM rows "
            "WHERE status='draft' OR review_on <= ? OR retain_until <= ?", (until, until))
        return due((_DueRow(id_, status, response_due and day(response_due), review_on and day(review_on),
                            retain_until and day(retain_until)) for id_, status, response_due, review_on, retain_until
                    in cursor), today, within=within)


@dataclass(frozen=True, slots=True)
class _DueRow:
    """The columns of a Row that due() reads."""

    id: str
    status: str
    response_due: date | None
    review_on: date | None
    retain_until: date | None


def due(rows: Iterable[Row] | Iterable[_DueRow], today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
    """What needs doing soon or is overdue, soonest first: responses, reviews, retention dates, drafts."""
    out: list[Due] = []
    for row in rows:
        if row.status == "draft":  # a request still waiting for a decision: its response is due (000 13.2)
            kind = "response" if row.response_due else "draft"
            out.append(Due(kind, row.id, row.response_due, bool(row.response_due and row.response_due < today)))
            continue
        for kind, when in (("review", row.review_on), ("retention", row.retain_until)):
            if when and (when - today).days <= within:
                out.append(Due(kind, row.id, when, when < today))
    return sorted(out, key=lambda d: (d.on is None, d.on or date.max, d.id))
