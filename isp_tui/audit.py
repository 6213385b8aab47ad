"""What an auditor asks of the records repository: history, verification and reports.

Everything here returns plain data (dataclasses, dicts, lists) for the CLI and the TUI to show;
nothing prints. It reads the repository through git and the store's public methods only.

- `history(store, id)`: every revision of one record, oldest first, with who, when, the action and
  the reason; `revision_diff(store, id, a, b)`: a field-by-field diff between any two revisions.
- `timeline(store, ...)`: the repository's commits, filtered by practitioner, agency, outcome, action
  and date.
- `verify(store, guidance, full=)`: named checks, each pass or fail with its failures (see CHECKS).
  The default run is one `git log --raw` pass plus reading each record once at the branch head;
  `full=True` adds git fsck --strict and the per-revision checks of final records.
- `reports(store, guidance, today)`: the figures an inspector asks for (see REPORTS).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator

from isp_tui.dates import correction_due, response_due, working_days_between
from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.record import Record, diff, record_path
from isp_tui.store import BRANCH, ZERO, Problem, Store, git_env

RECORD_PATH = re.compile(r"^\d{4}/\d{2}/\d{2}/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")
RULESET_PATH = re.compile(r"^rulesets/(?P<sha>[0-9a-f]{64})\.toml$")
# A destroyed record's tombstone (sync.destroy): id, dates, who authorised it and why; no personal data.
TOMBSTONE_PATH = re.compile(r"^retention/destroyed/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")
# Files a records repository may hold besides records and ruleset copies.
OTHER_PATHS = {"README.md", ".gitkeep", ".gitattributes"}
ACTIONS = ("draft", "final", "amend", "correct")
OUTCOMES = ("share", "share-part", "do-not-share", "seek-advice", "incomplete")
SUBJECT = re.compile(r"^record (?P<id>[0-9A-HJKMNP-TV-Z]{26}): (?P<action>[a-z]+) \((?P<outcome>[a-z-]+)\)$")
TRAILERS_REQUIRED = ("Record-Id", "Action", "Outcome", "Engine-Outcome", "Ruleset")
TRAILERS_ALLOWED = set(TRAILERS_REQUIRED) | {"Recovered"}
RULESET_TRAILER = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._+-]+$")
DATE_LIKE = re.compile(r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\b")
MARKER = "verified-head"  # under .git/isp: the branch head at the last passing verification

CHECKS = {
    "fsck": "git fsck finds no broken or missing objects",
    "schema": "every record file parses and matches the schema",
    "shape": "every commit touching records was made in the store's shape",
    "finals": "final records were changed only by amendments (or corrections)",
    "deletions": "no record was deleted",
    "history": "history was not rewritten",
    "rulesets": "every ruleset hash resolves to rulesets/<sha256>.toml with matching content",
    "personal-data": "no personal data in commit messages or paths",
    "signatures": "commits are signed where signing is required",
    "worktree": "the working tree matches the last commit",
}


# ---------------------------------------------------------------------------------------------
# Reading git in bulk


@dataclass
class Change:
    status: str  # A, M, D, T...
    path: str
    old_blob: str
    new_blob: str


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    email: str
    date: datetime
    message: str
    signature: str  # git's %G? letter, or "" when not asked for
    changes: list[Change] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def trailers(self) -> dict[str, str]:
        return parse_trailers(self.message)


def parse_trailers(message: str) -> dict[str, str]:
    """The trailer block: the last paragraph, if every line of it is `Key: value`."""
    paragraphs = [p for p in message.strip("\n").split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return {}
    out = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9-]+", key):
            return {}
        out[key] = value.strip()
    return out


def read_log(store: Store, *, signatures: bool = False, rev: str = BRANCH) -> list[Commit]:
    """Every commit on the branch, oldest first, with its raw changes: one `git log` pass."""
    if store.head() is None:
        return []
    sig = "%G?" if signatures else ""
    fmt = f"%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f{sig}%x1f%B%x1d"
    out = store.git("-c", "core.quotePath=false", "log", "--reverse", "--topo-order", "--root", "--raw", "--no-abbrev",
                    "--no-renames", f"--format={fmt}", rev)
    commits = []
    for chunk in out.split("\x1e")[1:]:
        head, _, raw = chunk.partition("\x1d")
        sha, parents, author, email, when, signature, message = head.split("\x1f", 6)
        commit = Commit(sha, parents.split(), author, email, datetime.fromisoformat(when), message, signature)
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            _, _, old, new, status = meta.split(" ")
            commit.changes.append(Change(status[0], path, old, new))
        commits.append(commit)
    return commits


def head_files(store: Store) -> dict[str, str]:
    """path -> blob id of every file at the branch head."""
    if store.head() is None:
        return {}
    out = store.git("-c", "core.quotePath=false", "ls-tree", "-r", "--full-tree", BRANCH)
    files = {}
    for line in out.splitlines():
        meta, _, path = line.partition("\t")
        _, kind, blob = meta.split(" ")
        if kind == "blob":
            files[path] = blob
    return files


def read_blobs(store: Store, blobs: Iterable[str]) -> dict[str, bytes]:
    """Many blobs by id through one `git cat-file --batch` (isp_tui.index.blobs); a missing one is left out."""
    from isp_tui.index import blobs as stream

    wanted = list(dict.fromkeys(b for b in blobs if b and b != ZERO))
    return {blob: raw for blob, raw in zip(wanted, stream(store.root, wanted)) if raw is not None}


# ---------------------------------------------------------------------------------------------
# History


def resolve_revision(store: Store, record_id: str, rev: str) -> str:
    """A revision of one record: a number (1 = the first), `head`, or any commit git can name."""
    commits = [r.commit for r in reversed(store.history(record_id))]
    if not commits:
        raise InputError(f"no history for record {record_id}", field="id")
    if rev.isdigit() and len(rev) < 6:
        n = int(rev)
        if not 1 <= n <= len(commits):
            raise InputError(f"record {record_id} has revisions 1 to {len(commits)}; there is no {n}", field="revision")
        return commits[n - 1]
    if rev.lower() == "head":
        return commits[-1]
    try:
        sha = store.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        raise InputError(f"{rev!r} is not a revision number or a commit", field="revision") from None
    if sha not in commits:
        raise InputError(f"commit {sha[:12]} did not change record {record_id}", field="revision")
    return sha


def history(store: Store, record_id: str) -> list[dict[str, Any]]:
    """Every revision of one record, newest first (as git log): number (1 = the first), commit, author, date,
    action, outcome, reason."""
    record_path(record_id)
    revisions = list(reversed(store.history(record_id)))
    if not revisions:
        raise InputError(f"no history for record {record_id} in {store.root}", field="id")
    out = []
    corrections_before = 0
    for n, rev in enumerate(revisions, 1):
        reason, status = "", ""
        try:
            record = store.record_at(record_id, rev.commit)
            status = record.status
            corrections = record.data.get("corrections", [])
            if rev.action == "amend" and record.data.get("amendments"):
                reason = record.data["amendments"][-1].get("reason", "")
            elif rev.action == "correct" and corrections:
                reason = (f"correction: {corrections[-1].get('description', '')}" if len(corrections) > corrections_before
                          else "recipients told of a correction")
            corrections_before = len(corrections)
        except (InputError, subprocess.CalledProcessError):
            status = "unreadable"
        out.append({"n": n, "commit": rev.commit, "author": rev.author, "email": rev.email, "date": rev.date,
                    "action": rev.action or "(not the store's)", "outcome": rev.trailers.get("Outcome", ""),
                    "status": status, "reason": reason, "subject": rev.subject})
    return list(reversed(out))


def revision_diff(store: Store, record_id: str, rev_a: str, rev_b: str) -> dict[str, Any]:
    """Field-by-field changes between two revisions of one record (not a raw TOML diff)."""
    a, b = resolve_revision(store, record_id, rev_a), resolve_revision(store, record_id, rev_b)
    try:
        before, after = store.record_at(record_id, a), store.record_at(record_id, b)
    except subprocess.CalledProcessError:
        raise InputError(f"record {record_id} does not exist at one of those revisions (deleted?)",
                         field="revision") from None
    changes = diff(before, after)
    for key in ("amendments", "corrections"):
        old, new = before.data.get(key, []), after.data.get(key, [])
        if old != new:
            changes.append({"field": key, "before": len(old), "after": len(new)})
    return {"id": record_id, "from": a, "to": b, "changes": changes}


def timeline(store: Store, *, practitioner: str | None = None, agency: str | None = None,
             outcome: str | None = None, action: str | None = None, since: date | None = None,
             until: date | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The repository's commits, newest first, filtered. Agency matches the record's recipient or
    requesting agency as it stands now."""
    rows: list[dict[str, Any]] = []
    agencies: dict[str, str] = {}
    for commit in reversed(read_log(store)):
        when = commit.date
        if since and when.date() < since or until and when.date() > until:
            continue
        if practitioner and practitioner.casefold() not in f"{commit.author} <{commit.email}>".casefold():
            continue
        trailers = commit.trailers()
        if action and trailers.get("Action") != action:
            continue
        if outcome and outcome not in (trailers.get("Outcome"), trailers.get("Engine-Outcome")):
            continue
        record_id = trailers.get("Record-Id", "")
        if agency:
            if record_id not in agencies:
                try:
                    record = store.get(record_id)
                    agencies[record_id] = f"{record.get('recipient.agency') or ''}\n{record.get('request.agency') or ''}"
                except InputError:
                    agencies[record_id] = ""
            if agency.casefold() not in agencies[record_id].casefold():
                continue
        rows.append({"commit": commit.sha, "date": when, "author": commit.author, "email": commit.email,
                     "record": record_id, "action": trailers.get("Action", ""), "outcome": trailers.get("Outcome", ""),
                     "subject": commit.subject})
        if limit and len(rows) >= limit:
            break
    return rows


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class Check:
    name: str
    title: str
    failures: list[dict[str, Any]] = field(default_factory=list)
    skipped: str = ""  # why the check did not run (e.g. signing not set up)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str, *, commit: str | None = None, path: str | None = None,
             record: str | None = None) -> None:
        entry: dict[str, Any] = {"message": message}
        for key, value in (("commit", commit), ("path", path), ("record", record)):
            if value:
                entry[key] = value
        self.failures.append(entry)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "ok": self.ok, "skipped": self.skipped,
                "failures": self.failures}


@dataclass
class Verification:
    checks: list[Check]
    head: str | None
    full: bool
    commits: int = 0
    records: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "head": self.head, "full": self.full, "commits": self.commits, "records": self.records,
                "checks": [c.as_dict() for c in self.checks]}


def signing_required(store: Store) -> tuple[bool, str]:
    """Whether `isp init --sign` set signing up, and the branch head at that moment ("" = from the start)."""
    try:
        required = store.git("config", "--bool", "isp.requireSigned").strip() == "true"
    except subprocess.CalledProcessError:
        return False, ""
    try:
        since = store.git("config", "isp.signedSince").strip()
    except subprocess.CalledProcessError:
        since = ""
    return required, since


def verify(store: Store, guidance: Guidance, *, full: bool = False, mark: bool = True,
           progress: Callable[[str], None] | None = None) -> Verification:
    """Run every check. On a pass, remember the head (.git/isp/verified-head) so a later rewrite shows.

    The default run is incremental: commits already checked at the last passing run (whose head must still
    be in the history) are not read again, and record files whose content passed before are not parsed
    again. `full=True` reads everything. `progress`, if given, is called with what is being done next."""
    step = progress or (lambda _: None)
    checks = {name: Check(name, title) for name, title in CHECKS.items()}
    step("reading the history")
    head = store.head()
    required, since = signing_required(store)
    reachable = set(store.git("rev-list", BRANCH).split()) if head else set()
    verified = _read_marker(store)
    state = None if full or verified not in reachable else _load_state(store, verified)
    commits = read_log(store, rev=f"{verified}..{BRANCH}" if state is not None else BRANCH)
    files = head_files(store)

    step("git fsck" if state is None else f"the objects of the commits since {verified[:12]}")
    _check_fsck(store, checks["fsck"], full, since=verified if state is not None else "")
    step("reading the records")
    facts, pins = _check_records(store, guidance, files, checks, use_cache=not full, step=step)
    step(f"checking {len(commits)} commit(s)")
    by_record, suspects = _check_commits(commits, checks)
    if suspects:  # free text to scan: only now read every record's identifying details
        # --full also knows names from earlier revisions and deleted records
        history_blobs = [c.new_blob for c in (ch for commit in commits for ch in commit.changes)
                         if full and RECORD_PATH.match(c.path) and c.status != "D"]
        sensitive = _sensitive_values(store, files, history_blobs, full=full)
        for commit, text, is_path in suspects:
            _scan(text, sensitive, checks["personal-data"], commit, is_path=is_path)
    progress = _check_finals_fast(by_record, facts, checks["finals"], state or {})
    if full:
        step("comparing every revision of every final record")
        _check_finals_full(store, by_record, checks["finals"])
    step("rulesets, history, signatures and the working tree")
    _check_rulesets(store, files, pins, checks["rulesets"])
    _check_history(store, reachable, verified, checks["history"])
    _check_signatures(store, reachable, required, since, checks["signatures"], full)
    _check_worktree_locked(store, checks["worktree"])

    result = Verification(list(checks.values()), head, full, len(reachable), len(facts))
    if mark and result.ok and head:
        _save_state(store, head, progress)
        from isp_tui.store import atomic_write

        atomic_write(store.work / MARKER, (head + "\n").encode(), store.work / "tmp")
    return result


STATE = "verify-state"  # under .git/isp: per record, whether it was final and its amend commits, at the marker


def forget_verified(store: Store) -> None:
    """After a deliberate, audited rewrite (destroying a record at the end of its retention), the head
    verified last is gone from the history by design: start verification afresh from the new one."""
    for name in (MARKER, STATE, CACHE):
        (store.work / name).unlink(missing_ok=True)


def _read_marker(store: Store) -> str:
    try:
        return (store.work / MARKER).read_text().strip()
    except OSError:
        return ""


def _load_state(store: Store, head: str) -> dict[str, tuple[bool, int]] | None:
    try:
        data = json.loads((store.work / STATE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("head") != head or not isinstance(data.get("records"), dict):
        return None
    return {k: (bool(v[0]), int(v[1])) for k, v in data["records"].items()}


def _save_state(store: Store, head: str, progress: dict[str, tuple[bool, int]]) -> None:
    from isp_tui.store import atomic_write

    body = json.dumps({"head": head, "records": {k: [int(v[0]), v[1]] for k, v in progress.items()}},
                      separators=(",", ":"))
    atomic_write(store.work / STATE, body.encode(), store.work / "tmp")


def _check_fsck(store: Store, check: Check, full: bool, since: str = "") -> None:
    """git fsck: every object of the whole history (`--full`: also each object's own form), or, with `since`
    (the head of the last passing run, still in the history), only the commits after it and the trees and
    files they bring: each must be in the object store. At 100,000 records the whole walk takes seconds."""
    if store.head() is None:
        return
    if since:
        _check_new_objects(store, check, since)
        return
    args = ["fsck", "--no-progress", "--no-dangling"] + (["--strict", "--full"] if full else ["--connectivity-only"])
    result = subprocess.run(["git", *args], cwd=store.root, capture_output=True, text=True, env=git_env())
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if line.strip() and not line.startswith(("Checking", "notice:"))]
    if result.returncode != 0 or problems:
        for line in problems[:50] or [f"git fsck exited with {result.returncode}"]:
            check.fail(line)


def _check_new_objects(store: Store, check: Check, since: str) -> None:
    """`git rev-list --objects` walks what the new commits reference; `git cat-file --batch-check` says
    whether each is in the object store (rev-list lists a tree entry's blob without opening it)."""
    walk = subprocess.run(["git", "rev-list", "--objects", "--missing=print", BRANCH, f"^{since}"], cwd=store.root,
                          capture_output=True, env=git_env())
    if walk.returncode != 0:
        message = walk.stderr.decode("utf-8", "replace").strip().splitlines()
        check.fail(message[-1] if message else f"git rev-list exited with {walk.returncode}")
        return
    ids = [line.split(b" ", 1)[0].lstrip(b"?") for line in walk.stdout.splitlines() if line.strip()]
    if not ids:
        return
    found = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"], cwd=store.root,
                           input=b"\n".join(ids) + b"\n", capture_output=True, env=git_env()).stdout
    for line in found.decode("utf-8", "replace").splitlines():
        if line.endswith(" missing"):
            check.fail(f"object {line.split()[0]} is missing from the repository (referenced since {since[:12]})")
            if len(check.failures) >= 50:
                break


@dataclass(frozen=True)
class Facts:
    """What the checks need from one record file, cached by blob id (content-addressed, so a blob that
    passed the schema once passes it for good under the same guidance). No personal data."""

    status: str
    amendments: int
    ruleset: str  # the pinned sha256
    pin: str  # the pinned id@version

    def line(self, blob: str) -> str:
        return f"{blob}\t{self.status}\t{self.amendments}\t{self.ruleset}\t{self.pin}\n"


CACHE = "verify-cache"  # under .git/isp: blob id -> Facts for record files that passed the schema


def _guidance_key(guidance: Guidance) -> str:
    parts = sorted(r.sha256 for r in guidance.rulesets.values()) + sorted(guidance.methods) + \
        sorted(guidance.categories) + sorted(guidance.checklists) + sorted(guidance.bases)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _load_cache(store: Store, key: str) -> dict[str, Facts]:
    path = store.work / CACHE
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    if not lines or lines[0] != f"guidance {key}":
        return {}
    out = {}
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) == 5 and parts[2].isdigit():
            out[parts[0]] = Facts(parts[1], int(parts[2]), parts[3], parts[4])
    return out


def _save_cache(store: Store, key: str, cache: dict[str, Facts]) -> None:
    from isp_tui.store import atomic_write

    body = f"guidance {key}\n" + "".join(facts.line(blob) for blob, facts in cache.items())
    try:
        atomic_write(store.work / CACHE, body.encode(), store.work / "tmp")
    except OSError:
        pass  # a cache only: the next run reads the records again


def _check_records(store: Store, guidance: Guidance, files: dict[str, str], checks: dict[str, Check], *,
                   use_cache: bool = True, step: Callable[[str], None] = lambda _: None,
                   ) -> tuple[dict[str, Facts], dict[str, tuple[str, str]]]:
    """Every record at the head, each read once (or not at all when its blob passed before; a first run
    reads them on every core). Returns id -> Facts and ruleset sha256 -> (a record pinning it, the
    id@version it pins)."""
    from isp_tui.index import in_parallel

    schema, shape = checks["schema"], checks["shape"]
    record_files = {}
    for path in files:
        if RECORD_PATH.match(path):
            record_files[path] = files[path]
        elif not _allowed_other(path):
            shape.fail("a file that is neither a record nor a ruleset copy is in the repository", path=path)
    key = _guidance_key(guidance)
    cache = _load_cache(store, key) if use_cache else {}
    placed = {}
    for path, blob in record_files.items():
        record_id = RECORD_PATH.match(path)["id"]  # type: ignore[index]
        if path != record_path(record_id):
            schema.fail(f"{path}: is in the wrong folder; expected {record_path(record_id)}", path=path, record=record_id)
        else:
            placed[path] = (record_id, blob)
    todo = [(path, blob) for path, (_, blob) in placed.items() if blob not in cache]
    read: dict[str, Facts | str] = {}
    for part in in_parallel(store.root, todo, "isp_tui.audit:read_facts", guidance):
        read.update(part)
        if len(todo) > 1000:
            step(f"reading the records: {len(read):,} of {len(todo):,}")
    facts: dict[str, Facts] = {}
    pins: dict[str, tuple[str, str]] = {}
    fresh: dict[str, Facts] = {}
    for path, (record_id, blob) in placed.items():
        known = cache.get(blob) or read.get(path, f"{path}: was not read")
        if isinstance(known, str):
            schema.fail(known, path=path, record=record_id)
            continue
        fresh[blob] = known
        facts[record_id] = known
        if known.ruleset:
            pins.setdefault(known.ruleset, (record_id, known.pin))
    if fresh.keys() != cache.keys():
        _save_cache(store, key, fresh)
    return facts, pins


def read_facts(root: Any, part: list[tuple[str, str]], guidance: Guidance) -> list[tuple[str, Facts | str]]:
    """(path, Facts), or (path, why it fails the schema), for (path, blob) entries: run by
    isp_tui.index.in_parallel, in a worker interpreter too."""
    from isp_tui.index import blobs

    out: list[tuple[str, Facts | str]] = []
    for (path, _), raw in zip(part, blobs(root, [blob for _, blob in part])):
        record_id = RECORD_PATH.match(path)["id"]  # type: ignore[index]
        try:
            record = Record.from_toml(raw or b"", path, guidance=guidance)
            if record.id != record_id:
                raise InputError(f"holds id {record.id!r}, but its file name says {record_id!r}", file=path, field="id")
        except InputError as exc:
            out.append((path, str(exc)))
            continue
        out.append((path, Facts(record.status, len(record.data.get("amendments", [])), record.get("ruleset.sha256") or "",
                                f"{record.get('ruleset.id') or ''}@{record.get('ruleset.version') or ''}")))
    return out


class Identifying:
    """Digests of what identifies each subject (isp_tui.index.identifying_digests), to find in free text."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}  # digest -> the record it identifies (the first, in path order)
        self.lengths: set[int] = set()

    def add(self, digests: Iterable[str], record_id: str) -> None:
        for value in digests:
            if value not in self.digests:
                self.digests[value] = record_id
                self.lengths.add(int(value.split(":", 1)[0]))

    def find(self, text: str) -> str | None:
        """The record whose subject's details the (casefolded) text holds, starting at a word's start."""
        from isp_tui.index import digest

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


def _sensitive_values(store: Store, files: dict[str, str], more: Iterable[str] = (), *,
                      full: bool = False) -> Identifying:
    """What identifies a person in the records at the head, and in the `more` blobs (earlier revisions).

    The default run takes the head's from the derived index (brought up to date first), which keeps digests
    of them beside each row; --full reads every record file itself."""
    from isp_tui.index import Index, identifying_digests

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
        found.add(identifying_digests(record), record.id)
    return found


def _allowed_other(path: str) -> bool:
    """Files a records repository may hold besides records: ruleset copies, tombstones, a few others."""
    return bool(RULESET_PATH.match(path) or TOMBSTONE_PATH.match(path)) or path in OTHER_PATHS


def _is_store_message(message: str) -> tuple[bool, str]:
    """Does a commit message hold exactly the store's subject and trailers? (ok, why not)."""
    lines = message.strip("\n").split("\n")
    match = SUBJECT.match(lines[0])
    if match and match["action"] == "destroy":  # sync.destroy: the record is gone, so no outcome or ruleset
        expected = f"\n\nRecord-Id: {match['id']}\nAction: destroy"
        ok = match["outcome"] == "destroyed" and message.strip("\n") == lines[0] + expected
        return ok, "" if ok else "its destroy message is not in the store's shape"
    if not match:
        return False, "its subject is not `record <id>: <action> (<outcome>)`"
    if len(lines) < 3 or lines[1] != "":
        return False, "it has no trailers"
    trailers = {}
    for line in lines[2:]:
        key, sep, value = line.partition(": ")
        if not sep or key not in TRAILERS_ALLOWED:
            return False, "its message holds text besides the subject and the trailers"
        trailers[key] = value
    missing = [k for k in TRAILERS_REQUIRED if k not in trailers]
    if missing:
        return False, f"trailer(s) {', '.join(missing)} missing"
    if trailers["Record-Id"] != match["id"] or trailers["Action"] != match["action"] or \
            trailers["Outcome"] != match["outcome"]:
        return False, "its trailers do not match its subject"
    if match["action"] not in ACTIONS:
        return False, f"action {match['action']!r} is not one of {', '.join(ACTIONS)}"
    if trailers["Outcome"] not in OUTCOMES or trailers["Engine-Outcome"] not in OUTCOMES:
        return False, "its outcome is not one the store writes"
    if not RULESET_TRAILER.match(trailers["Ruleset"]):
        return False, "its Ruleset trailer is not id@version"
    return True, ""


def _check_commits(commits: list[Commit], checks: dict[str, Check]
                   ) -> tuple[dict[str, list[tuple[Commit, Change]]], list[tuple[Commit, str, bool]]]:
    """Shape and deletions, commit by commit. Returns each record's commits, oldest first, and the free
    text (messages not in the store's shape, paths not of its making) to scan for personal data."""
    shape, deletions, rulesets = checks["shape"], checks["deletions"], checks["rulesets"]
    by_record: dict[str, list[tuple[Commit, Change]]] = defaultdict(list)
    suspects: list[tuple[Commit, str, bool]] = []
    for commit in commits:
        short = commit.sha[:12]
        if not commit.author.strip() or not commit.email.strip():
            shape.fail("the commit has no author name or email", commit=commit.sha)
        record_changes = [c for c in commit.changes if RECORD_PATH.match(c.path)]
        others = [c for c in commit.changes if not RECORD_PATH.match(c.path)]
        shaped, why = _is_store_message(commit.message)
        suspect_texts = [] if shaped else [commit.message]
        for change in commit.changes:
            if not RECORD_PATH.match(change.path) and not RULESET_PATH.match(change.path):
                suspect_texts.append(change.path)
        for change in others:
            if RULESET_PATH.match(change.path) and change.status != "A":
                rulesets.fail(f"commit {short} changed or removed a ruleset copy ({change.status})",
                              commit=commit.sha, path=change.path)
        if len(commit.parents) > 1:
            pass  # a merge made by sync: its sides are checked commit by commit
        elif record_changes:
            if not shaped:
                shape.fail(f"commit {short} changes a record but was not made by isp: {why}", commit=commit.sha)
            if len(record_changes) > 1:
                shape.fail(f"commit {short} changes {len(record_changes)} records; the store makes one commit per record",
                           commit=commit.sha)
            if any(not _allowed_other(c.path) for c in others):
                shape.fail(f"commit {short} changes files besides its record and ruleset copy", commit=commit.sha)
            trailers = commit.trailers()
            for change in record_changes:
                record_id = RECORD_PATH.match(change.path)["id"]  # type: ignore[index]
                if shaped and trailers.get("Record-Id") != record_id:
                    shape.fail(f"commit {short} says it is for record {trailers.get('Record-Id')} but changes "
                               f"{record_id}", commit=commit.sha, path=change.path)
                if change.status == "D":
                    deletions.fail(f"record {record_id} was deleted in commit {short}", commit=commit.sha,
                                   path=change.path, record=record_id)
                by_record[record_id].append((commit, change))
        elif not shaped and any(not _allowed_other(c.path) for c in commit.changes):
            shape.fail(f"commit {short} adds files that are neither records nor ruleset copies", commit=commit.sha)
        elif any(TOMBSTONE_PATH.match(c.path) for c in others) and commit.trailers().get("Action") != "destroy":
            shape.fail(f"commit {short} adds a tombstone but is not a destroy", commit=commit.sha)
        suspects += [(commit, text, text is not commit.message) for text in suspect_texts]
    return by_record, suspects


def _scan(text: str, sensitive: Identifying, check: Check, commit: Commit, *, is_path: bool) -> None:
    """Personal data in free text (a message not in the store's shape, or a path): never quoted back."""
    where = "a path it adds or changes" if is_path else "the message"
    record_id = sensitive.find(text.casefold())
    if record_id:
        check.fail(f"commit {commit.sha[:12]}: {where} holds a subject's identifying details (record {record_id})",
                   commit=commit.sha, record=record_id)
        return
    if any(_long_ago(match, commit.date.date()) for match in DATE_LIKE.findall(text)):
        check.fail(f"commit {commit.sha[:12]}: {where} holds a date a year or more before the commit "
                   "(a date of birth?)", commit=commit.sha)


def _long_ago(text: str, committed: date) -> bool:
    """A date well before the commit (a date of birth, say), not a sync's or a log's own time stamp."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d/%m/%y", "%d.%m.%y"):
        try:
            when = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return (committed - when).days >= 365
    return False


def _check_finals_fast(by_record: dict[str, list[tuple[Commit, Change]]], facts: dict[str, Facts], check: Check,
                       state: dict[str, tuple[bool, int]]) -> dict[str, tuple[bool, int]]:
    """From the trailers alone: once final, only amend or correct; as many amend commits as amendments.
    `state` carries each record's (final yet?, amend commits) from commits checked before; returns it updated."""
    progress = dict(state)
    for record_id, revisions in by_record.items():
        final_seen, amends = progress.get(record_id, (False, 0))
        for commit, _ in revisions:
            action = commit.trailers().get("Action")
            if final_seen and action not in ("amend", "correct"):
                check.fail(f"record {record_id} was final and then changed by commit {commit.sha[:12]} "
                           f"({action or 'not an isp commit'}), not by an amendment", commit=commit.sha, record=record_id)
            if action == "final":
                final_seen = True
            elif action == "amend":
                amends += 1
        progress[record_id] = (final_seen, amends)
    for record_id, known in facts.items():
        if known.status == "final" and record_id in progress:
            amends = progress[record_id][1]
            if known.amendments != amends:
                check.fail(f"record {record_id} holds {known.amendments} amendment(s) but its history has {amends} "
                           "amend commit(s)", record=record_id)
    return progress


def _comparable(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _check_finals_full(store: Store, by_record: dict[str, list[tuple[Commit, Change]]], check: Check) -> None:
    """Every change to a record compared with the version it replaced (the commit's parent): a change to a
    final record must add exactly one amendment whose changes match the diff, or touch corrections only."""
    changes = [(record_id, commit, change) for record_id, revisions in by_record.items()
               for commit, change in revisions if change.status == "M"]
    blobs = read_blobs(store, (b for _, _, change in changes for b in (change.old_blob, change.new_blob)))
    for record_id, commit, change in changes:
        where = f"{commit.sha[:12]}:{change.path}"
        try:
            before = Record.from_toml(blobs.get(change.old_blob, b""), f"{commit.sha[:12]}^:{change.path}")
            after = Record.from_toml(blobs.get(change.new_blob, b""), where)
        except InputError as exc:
            check.fail(f"record {record_id} around commit {commit.sha[:12]} does not parse: {exc}", commit=commit.sha,
                       record=record_id)
            continue
        if before.is_final:
            problem = _final_change_problem(before, after, commit.trailers().get("Action", ""))
            if problem:
                check.fail(f"record {record_id} changed in commit {commit.sha[:12]} other than by an amendment: "
                           f"{problem}", commit=commit.sha, record=record_id)


def _final_change_problem(before: Record, after: Record, action: str) -> str:
    if not after.is_final:
        return "a final record was turned back into a draft"
    old_amendments = before.data.get("amendments", [])
    new_amendments = after.data.get("amendments", [])
    if _comparable(new_amendments[:len(old_amendments)]) != _comparable(old_amendments):
        return "earlier amendments were altered or removed"
    added = new_amendments[len(old_amendments):]
    old_corrections = {c.get("id"): c for c in before.data.get("corrections", [])}
    for c in after.data.get("corrections", []):
        old = old_corrections.pop(c.get("id"), None)
        if old and any(old.get(k) != c.get(k) for k in ("found_on", "by", "description")):
            return f"correction {c.get('id')} was altered"
    if old_corrections:
        return "a correction was removed"
    changes = diff(before, after)
    if len(added) > 1:
        return f"{len(added)} amendments added in one commit"
    if not added:
        if changes:
            return "fields changed with no amendment: " + ", ".join(c["field"] for c in changes)
        if action == "amend":
            return "an amend commit added no amendment"
        return ""
    recorded = added[0].get("changes", [])
    if _comparable(recorded) != _comparable(changes):
        fields = sorted({c["field"] for c in changes} ^ {c["field"] for c in recorded}) or \
            sorted({c["field"] for c in changes})
        return "the amendment's changes do not match what changed (" + ", ".join(fields) + ")"
    return ""


def _check_rulesets(store: Store, files: dict[str, str], pins: dict[str, tuple[str, str]], check: Check) -> None:
    import tomllib

    copies = {m["sha"]: blob for path, blob in files.items() if (m := RULESET_PATH.match(path))}
    contents = read_blobs(store, copies.values())
    for sha, blob in copies.items():
        actual = hashlib.sha256(contents.get(blob, b"")).hexdigest()
        if actual != sha:
            check.fail(f"rulesets/{sha}.toml does not match its hash (its content hashes to {actual[:16]}...)",
                       path=f"rulesets/{sha}.toml")
    for sha, (record_id, pin) in sorted(pins.items()):
        if sha not in copies:
            check.fail(f"ruleset {sha[:16]}... pinned by record {record_id} (and maybe others) is not in rulesets/",
                       record=record_id)
            continue
        try:
            data = tomllib.loads(contents.get(copies[sha], b"").decode("utf-8"))
            copy = f"{data.get('id')}@{data.get('version')}"
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            copy = "(unreadable)"
        if copy != pin:
            check.fail(f"record {record_id} pins ruleset {pin} with hash {sha[:16]}..., but that file is {copy}",
                       path=f"rulesets/{sha}.toml", record=record_id)


def _check_history(store: Store, reachable: set[str], verified: str, check: Check) -> None:
    if verified and verified not in reachable:
        check.fail(f"the branch no longer contains {verified[:12]}, the head at the last passing verification: "
                   "history was rewritten or reset", commit=verified)
    reflog = store.gitdir / "logs" / BRANCH
    if reflog.is_file():
        for line in reflog.read_text(errors="replace").splitlines():
            meta, _, message = line.partition("\t")
            parts = meta.split(" ")
            if len(parts) < 2:
                continue
            new = parts[1]
            if new != ZERO and new not in reachable:
                kind = message.split(":", 1)[0][:40] if ":" in message else "a branch move"
                check.fail(f"the branch once pointed at {new[:12]} ({kind}), which is no longer in its history: "
                           "history was rewritten", commit=new)


def _check_signatures(store: Store, reachable: set[str], required: bool, since: str, check: Check,
                      full: bool) -> None:
    """Commits made since signing was set up must carry a good signature. Checking one costs a gpg or
    ssh-keygen process, so the default run checks only commits after the last passing verification
    (when that head is still in the history); --full checks them all."""
    if not required:
        check.skipped = "signing is not required (set it up with `isp init --sign`)"
        return
    if not reachable:
        return
    if since and since not in reachable:
        check.fail(f"the commit signing started from ({since[:12]}) is not in the branch's history", commit=since)
        since = ""
    exclude = [since] if since else []
    marker = store.work / MARKER
    if not full and marker.is_file():
        verified = marker.read_text().strip()
        if verified in reachable:
            exclude.append(verified)
    out = store.git("log", "--format=%H %G?", BRANCH, *(f"^{sha}" for sha in exclude))
    names = {"N": "is not signed", "B": "has a bad signature", "E": "has a signature that cannot be checked",
             "U": "is signed by a key not in the allowed signers", "X": "has an expired signature",
             "Y": "is signed by an expired key", "R": "is signed by a revoked key"}
    for line in out.splitlines():
        sha, _, status = line.partition(" ")
        if status != "G":
            check.fail(f"commit {sha[:12]} {names.get(status, 'is not signed by an allowed key')}", commit=sha)


def _check_worktree_locked(store: Store, check: Check) -> None:
    """The working tree, compared under the store's lock so a save in progress is not taken for a hand edit
    (taking the lock also completes a save a crash interrupted). A read-only copy is checked as it is."""
    try:
        with store.lock():
            _check_worktree(store, check)
    except OSError:  # the lock file cannot be made: a read-only copy
        check.failures.clear()
        _check_worktree(store, check)


def _check_worktree(store: Store, check: Check) -> None:
    if store.head() is None:
        return
    out = store.git("-c", "core.quotePath=false", "status", "--porcelain=v1", "--untracked-files=all")
    for line in out.splitlines():
        status, path = line[:2], line[3:]
        if status.strip() == "??":
            check.fail("a file not committed to the repository", path=path)
        elif "D" in status:
            check.fail("a committed file is missing from the working tree", path=path)
        else:
            check.fail("a file differs from its last commit (edited outside isp?)", path=path)


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass
class Report:
    name: str
    title: str
    source: str  # the passage the report answers to
    columns: list[str]
    rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "source": self.source, "columns": self.columns,
                "rows": self.rows}


REPORTS = {
    "outcomes": "Decisions by outcome",
    "months": "Decisions by month",
    "agencies": "Decisions by recipient agency",
    "bases": "Decisions by lawful basis",
    "without-consent": "Shares made without consent, and the reasons given",
    "incomplete": "Records still draft or missing reasons",
    "responses": "Requests past their 15-working-day response date",
    "corrections": "Corrections not passed on to recipients within 14 days",
    "reviews": "Records past their review or retention date",
}
SHARED = ("share", "share-part")
NOT_WITH_CONSENT = ("refused", "withdrawn", "not-sought", "unsure")


def load_records(store: Store) -> tuple[list[Record], list[Problem]]:
    records, problems = [], []
    for item in store.records():
        (problems if isinstance(item, Problem) else records).append(item)
    return records, problems


def reports(store: Store, guidance: Guidance, today: date, names: Iterable[str] | None = None,
            records: list[Record] | None = None, index: Any = None) -> list[Report]:
    """The reports asked for (all by default), as of `today`.

    Each is a query on the REPORTED table (isp_tui.index): the derived index's copy, brought up to date
    first, so a report at 100,000 records parses no record file (only the few records the `incomplete`
    report lists are read whole); or, given `records`, the same table built in memory from them."""
    from isp_tui import index as index_module

    wanted = list(names or REPORTS)
    unknown = [n for n in wanted if n not in REPORTS]
    if unknown:
        raise InputError(f"unknown report {unknown[0]!r}; expected one of: {', '.join(REPORTS)}", field="report")
    if records is None:
        if index is None:
            index = index_module.Index(store)
        index.refresh()
        db, load = index.reported(), index.records
    else:
        by_id = {r.id: r for r in records}
        db, load = index_module.reported_db(records), lambda ids: [by_id[i] for i in ids]
    builders = {"outcomes": _by_outcome, "months": _by_month, "agencies": _by_agency, "bases": _by_basis,
                "without-consent": _without_consent, "incomplete": _incomplete, "responses": _late_responses,
                "corrections": _late_corrections, "reviews": _past_review}
    return [builders[name](Reported(db, load, guidance, today)) for name in wanted]


@dataclass
class Reported:
    """What a report reads: the REPORTED table, whole records when it must, the guidance and the day."""

    db: Any  # sqlite3.Connection
    load: Callable[[Iterable[str]], list[Record]]
    guidance: Guidance
    today: date

    def __call__(self, sql: str, *params: Any) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()


FINAL = "status = 'final'"
SHARED_SQL = f"recorded IN ({', '.join(repr(o) for o in SHARED)})"


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _by_outcome(q: Reported) -> Report:
    engine = dict(q(f"SELECT CASE engine WHEN '' THEN 'incomplete' ELSE engine END, count(*) FROM reported "
                    f"WHERE {FINAL} GROUP BY 1"))
    recorded = dict(q(f"SELECT recorded, count(*) FROM reported WHERE {FINAL} AND recorded != '' GROUP BY 1"))
    rows = [{"outcome": o, "engine": engine.get(o, 0), "recorded": recorded.get(o, 0)} for o in OUTCOMES
            if engine.get(o) or recorded.get(o) or o in ("share", "do-not-share")]
    rows.append({"outcome": "total", "engine": sum(engine.values()), "recorded": sum(recorded.values())})
    return Report("outcomes", REPORTS["outcomes"], "002 Record; 000 13.3",
                  ["outcome", "engine", "recorded"], rows)


def _by_month(q: Reported) -> Report:
    """Finals by the month decided (else made), with their recorded decisions; drafts by the month made."""
    months: dict[str, Counter] = defaultdict(Counter)
    for month, final, recorded, n in q(
            f"SELECT substr(CASE WHEN {FINAL} THEN coalesce(decided, created) ELSE created END, 1, 7), {FINAL}, "
            "recorded, count(*) FROM reported GROUP BY 1, 2, 3"):
        if final:
            months[month][recorded or "none"] += n
            months[month]["decisions"] += n
        else:
            months[month]["drafts"] += n
    rows = [{"month": m, "decisions": c["decisions"], "share": c["share"], "share-part": c["share-part"],
             "do-not-share": c["do-not-share"], "drafts": c["drafts"]} for m, c in sorted(months.items())]
    return Report("months", REPORTS["months"], "000 13.3",
                  ["month", "decisions", "share", "share-part", "do-not-share", "drafts"], rows)


def _by_agency(q: Reported) -> Report:
    found = q(f"SELECT agency, count(*), sum({SHARED_SQL}) FROM reported WHERE {FINAL} AND agency != '' GROUP BY 1")
    rows = [{"agency": a, "decisions": n, "shared": shared, "not_shared": n - shared}
            for a, n, shared in sorted(found, key=lambda r: (-r[1], r[0]))]
    return Report("agencies", REPORTS["agencies"], "000 3.1; 003 s1", ["agency", "decisions", "shared", "not_shared"], rows)


def _by_basis(q: Reported) -> Report:
    counts: Counter = Counter()
    shared: Counter = Counter()
    for bases, was_shared, n in q(f"SELECT bases, {SHARED_SQL}, count(*) FROM reported WHERE {FINAL} AND bases != '' "
                                  "GROUP BY 1, 2"):
        for basis in bases.split("\n"):
            counts[basis] += n
            shared[basis] += n * was_shared
    rows = [{"basis": b, "title": q.guidance.bases[b].title if b in q.guidance.bases else "(not in the catalogue)",
             "decisions": n, "shared": shared[b]} for b, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Report("bases", REPORTS["bases"], "000 9; UK GDPR Art 6, 9", ["basis", "title", "decisions", "shared"], rows)


def _without_consent(q: Reported) -> Report:
    found = q(f"SELECT id, decided, agency, consent, why_not_sought, explanation, reasons FROM reported WHERE {FINAL} "
              f"AND {SHARED_SQL} AND consent IN ({', '.join('?' * len(NOT_WITH_CONSENT))}) ORDER BY id",
              *NOT_WITH_CONSENT)
    rows = [{"id": id_, "decided": _day(decided), "recipient": agency, "consent": consent, "why_not_sought": why,
             "explanation": explanation, "reasons": reasons}
            for id_, decided, agency, consent, why, explanation, reasons in found]
    return Report("without-consent", REPORTS["without-consent"], "001 3.3; 003 s5; 000 13.3",
                  ["id", "decided", "recipient", "consent", "why_not_sought", "explanation", "reasons"], rows)


def _incomplete(q: Reported) -> Report:
    """Drafts, and finals with no reasons: what each still lacks is worked out from the whole record."""
    rows = []
    ids = [i for (i,) in q(f"SELECT id FROM reported WHERE NOT {FINAL} OR has_reasons = 0 ORDER BY id")]
    for r in q.load(ids):
        try:
            missing = r.missing_for_final(q.guidance)
        except InputError:
            missing = ["(the record's ruleset is not known)"]
        rows.append({"id": r.id, "status": r.status, "created": r.get("created").date(),
                     "missing_reasons": not (r.get("decision.reasons") or "").strip(), "missing": ", ".join(missing)})
    return Report("incomplete", REPORTS["incomplete"], "golden rule 7; 000 13.3",
                  ["id", "status", "created", "missing_reasons", "missing"], rows)


def _late_responses(q: Reported) -> Report:
    rows = []
    for id_, agency, received, due, responded, status in q(
            "SELECT id, request_agency, received, response_due, responded, status FROM reported "
            "WHERE received IS NOT NULL ORDER BY id"):
        received, responded = _day(received), _day(responded)
        due = _day(due) or response_due(received)
        if responded and responded > due or not responded and q.today > due:
            rows.append({"id": id_, "agency": agency, "received": received, "due": due, "responded": responded,
                         "working_days_late": working_days_between(due, responded or q.today), "status": status})
    return Report("responses", REPORTS["responses"], "000 13.2",
                  ["id", "agency", "received", "due", "responded", "working_days_late", "status"], rows)


def _late_corrections(q: Reported) -> Report:
    rows = []
    for id_, corrections in q("SELECT id, corrections FROM reported WHERE corrections IS NOT NULL ORDER BY id"):
        for c in json.loads(corrections):
            found_on = _day(c.get("found_on"))
            due = correction_due(found_on) if found_on else None
            for recipient in c.get("recipients", []):
                told = _day(recipient.get("told_on"))
                if due and (told and told > due or not told and q.today > due):
                    rows.append({"id": id_, "correction": c.get("id", ""), "found_on": found_on, "due": due,
                                 "agency": recipient.get("agency", ""), "told_on": told,
                                 "days_late": ((told or q.today) - due).days})
    return Report("corrections", REPORTS["corrections"], "000 12.2-12.3",
                  ["id", "correction", "found_on", "due", "agency", "told_on", "days_late"], rows)


def _past_review(q: Reported) -> Report:
    rows = []
    today = q.today.isoformat()
    for id_, review, retain in q(f"SELECT id, review_on, retain_until FROM reported WHERE {FINAL} AND "
                                 "(review_on < ? OR retain_until < ?) ORDER BY id", today, today):
        past = [kind for kind, when in (("review", review), ("retention", retain)) if when and when < today]
        rows.append({"id": id_, "review_on": _day(review), "retain_until": _day(retain), "past": ", ".join(past)})
    return Report("reviews", REPORTS["reviews"], "000 6.7.1; 002 Record",
                  ["id", "review_on", "retain_until", "past"], rows)


# ---------------------------------------------------------------------------------------------
# Corrections (000 12.2-12.3)


def record_correction(store: Store, record_id: str, guidance: Guidance, author: Any, *, description: str,
                      found_on: date, recipients: list[tuple[str, date | None]]) -> Any:
    """A new correction to information already shared, with who must be told and when each was."""
    from isp_tui.record import new_id

    if not description or not description.strip():
        raise InputError("a correction needs a description of what was wrong", field="--description")
    if not recipients:
        raise InputError("name at least one recipient to notify (--recipient AGENCY[=DATE])", field="--recipient")
    current = store.get(record_id, guidance)
    entry: dict[str, Any] = {"id": new_id(), "found_on": found_on, "by": str(author), "description": description.strip(),
                             "recipients": [_recipient(agency, told) for agency, told in recipients]}
    corrections = [dict(c) for c in current.data.get("corrections", [])] + [entry]
    return store.correct(record_id, corrections, guidance, author)


def mark_told(store: Store, record_id: str, correction_id: str, guidance: Guidance, author: Any,
              told: list[tuple[str, date | None]]) -> Any:
    """Record the date recipients of an earlier correction were told (adding recipients if new)."""
    current = store.get(record_id, guidance)
    corrections = [dict(c, recipients=[dict(r) for r in c.get("recipients", [])])
                   for c in current.data.get("corrections", [])]
    target = next((c for c in corrections if c.get("id") == correction_id), None)
    if target is None:
        known = ", ".join(c.get("id", "") for c in corrections) or "none yet"
        raise InputError(f"record {record_id} has no correction {correction_id} (it has: {known})", field="--correction")
    for agency, when in told:
        existing = next((r for r in target["recipients"] if r.get("agency") == agency), None)
        if existing is None:
            target["recipients"].append(_recipient(agency, when))
        elif existing.get("told_on") and when and existing["told_on"] != when:
            raise InputError(f"{agency} was already recorded as told on {existing['told_on']}", field="--recipient")
        elif when:
            existing["told_on"] = when
    return store.correct(record_id, corrections, guidance, author)


def _recipient(agency: str, told: date | None) -> dict[str, Any]:
    if not agency or not agency.strip():
        raise InputError("a recipient needs an agency name", field="--recipient")
    return {"agency": agency.strip(), **({"told_on": told} if told else {})}


def iter_failures(result: Verification) -> Iterator[tuple[Check, dict[str, Any]]]:
    for check in result.checks:
        for failure in check.failures:
            yield check, failure


# ---------------------------------------------------------------------------------------------
# Commit signing (`isp init --sign`)


def setup_signing(store: Store, *, key: str, principal: str, fmt: str = "ssh",
                  allowed_signers: str | None = None) -> dict[str, str]:
    """Have every commit signed with git's own SSH or OpenPGP signing, and require it from now on.

    For SSH the public key is added to an allowed-signers file (by default .git/isp/allowed_signers)
    that git uses to check signatures, with plain git (`git log --show-signature`) as with `isp verify`.
    Returns the git config that was set."""
    from pathlib import Path

    if fmt not in ("ssh", "openpgp"):
        raise InputError(f"{fmt!r} is not a signing format; expected ssh or openpgp", field="--signing-format")
    config = {"commit.gpgsign": "true", "gpg.format": fmt, "isp.requireSigned": "true"}
    if fmt == "ssh":
        path = Path(key).expanduser()
        if not path.is_file():
            raise InputError("no such key file; pass --key PATH to an SSH key (e.g. ~/.ssh/id_ed25519)", file=key,
                             field="--key")
        public = _public_key(path)
        signers = Path(allowed_signers).expanduser().absolute() if allowed_signers else store.work / "allowed_signers"
        signers.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = f'{principal} namespaces="git" {public}'
        existing = signers.read_text().splitlines() if signers.is_file() else []
        if not any(public in e for e in existing):
            with signers.open("a") as fh:
                fh.write(line + "\n")
        config["user.signingkey"] = str(path.absolute())
        config["gpg.ssh.allowedSignersFile"] = str(signers)
    else:
        if not key:
            raise InputError("pass --key KEYID (an OpenPGP key id from `gpg --list-secret-keys`)", field="--key")
        config["user.signingkey"] = key
    try:
        store.git("config", "isp.signedSince")
    except subprocess.CalledProcessError:  # first set-up: commits from here on must be signed
        config["isp.signedSince"] = store.head() or ""
    for name, value in config.items():
        store.git("config", name, value)
    return config


def _public_key(path: Any) -> str:
    text = path.read_text(errors="replace").strip()
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return " ".join(text.split()[:2])
    pub = path.with_name(path.name + ".pub")
    if pub.is_file():
        return " ".join(pub.read_text().split()[:2])
    result = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise InputError("is not an SSH key ssh-keygen can read (a passphrase-protected key needs its .pub beside it)",
                         file=path, field="--key")
    return " ".join(result.stdout.split()[:2])
