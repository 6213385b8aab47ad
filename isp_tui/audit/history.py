"""One record's history and the repository's timeline, as plain data for both faces.

- `history(store, id, reveal=False)`: every revision of one record with who, when, the action, the
  reason and the fields it changed, and the record's amendments with their reasons. Personal values
  (the subject's details) are hidden unless `reveal`: the field is named, never its values. The CLI's
  `isp log ID` and the app's record history both show this and nothing else.
- `revision_diff(store, id, a, b)`: a field-by-field diff between any two revisions (same hiding).
- `timeline(store, ...)`: the repository's commits, newest first, filtered by practitioner, agency,
  outcome, action and date; `timeline_page(..., limit=, resume=)` a page of it and where the next begins,
  reading the log only as far as the page needs.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from typing import Any

from isp_tui.audit.gitlog import newest_first
from isp_tui.errors import InputError
from isp_tui.record import Record, diff, is_personal, record_path
from isp_tui.store import Store


@dataclass
class History:
    """One record's history: `revisions` newest first (as git log), `amendments` oldest first."""

    id: str
    revisions: list[dict[str, Any]]
    amendments: list[dict[str, Any]]
    tombstone: dict[str, Any] | None = None  # a destroyed record's: when, who authorised it, why (no personal data)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "revisions": self.revisions, "amendments": self.amendments, "tombstone": self.tombstone}


TOMBSTONES = "retention/destroyed"  # merge: use isp_tui.sync.objects.TOMBSTONES


def tombstone(store: Store, record_id: str) -> dict[str, Any] | None:
    """A destroyed record's tombstone at the branch head (retention.destroy wrote it), or None."""
    from isp_tui.tomlfile import parse_toml

    try:
        raw = store.git("show", f"main:{TOMBSTONES}/{record_id}.toml")
    except subprocess.CalledProcessError:
        return None
    try:
        return parse_toml(raw.encode(), f"{TOMBSTONES}/{record_id}.toml")
    except InputError:
        return None


def trail(store: Store, record_id: str) -> list[Any]:
    """The commits that name a record in their trailers, newest first: a destroyed record's audit trail
    (its file is gone from every commit, the commits that made, amended and destroyed it remain)."""
    from isp_tui.gitlayer.messages import LogFormat
    from isp_tui.store.repo import HISTORY_FIELDS, parse_revision

    fmt = LogFormat(*HISTORY_FIELDS)  # separators no commit can hold
    out = store.git("log", "--fixed-strings", f"--grep=Record-Id: {record_id}", fmt.format, "main")
    return [r for fields, _ in fmt.parse(out) if (r := parse_revision(fields)).trailers.record_id == record_id]


def hide_personal(changes: list[dict[str, Any]], *, reveal: bool = False) -> list[dict[str, Any]]:
    """Field changes with the subject's values left out (`{"field": ..., "personal": True}`), unless `reveal`."""
    if reveal:
        return list(changes)
    return [c if not is_personal(c["field"]) else {"field": c["field"], "personal": True} for c in changes]


def changes_between(before: Record, after: Record) -> list[dict[str, Any]]:
    """Field-by-field changes from one revision to another (not a raw TOML diff), with how many amendments
    and corrections each holds when those differ."""
    changes = diff(before, after)
    for key in ("amendments", "corrections"):
        old, new = before.data.get(key, []), after.data.get(key, [])
        if old != new:
            changes.append({"field": key, "before": len(old), "after": len(new)})
    return changes


def history(store: Store, record_id: str, *, reveal: bool = False) -> History:
    """Every revision of one record, newest first: number (1 = the first), commit, author, email, date,
    action, outcome, status, reason, subject, and `changes` (the fields changed since the revision
    before); and the record's amendments (who, when, why, which fields). Personal values hidden unless
    `reveal`."""
    record_path(record_id)
    revisions = list(reversed(store.history(record_id)))
    tomb = tombstone(store, record_id)
    if tomb is not None:  # destroyed: the commits remain, without its content, and the tombstone says why
        revisions = list(reversed(trail(store, record_id)))
    if not revisions:
        raise InputError(f"no history for record {record_id} in {store.root}", field="id")
    out = []
    corrections_before = 0
    previous: Record | None = None
    for n, rev in enumerate(revisions, 1):
        reason, status, changes = "", "", []
        record: Record | None = None
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
            if previous is not None:
                changes = hide_personal(changes_between(previous, record), reveal=reveal)
        except (InputError, subprocess.CalledProcessError):
            status = "destroyed" if tomb is not None else "unreadable"
        previous = record
        out.append({"n": n, "commit": rev.commit, "author": rev.author, "email": rev.email, "date": rev.date,
                    "action": rev.action or "(not the store's)", "outcome": rev.decision,
                    "status": status, "reason": reason, "subject": rev.subject, "changes": changes})
    amendments = []
    for a in store.get(record_id).data.get("amendments", []) if store.exists(record_id) else []:
        amendments.append({**a, "changes": hide_personal(a.get("changes", []), reveal=reveal)})
    return History(record_id, list(reversed(out)), amendments, tomb)


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


def revision_diff(store: Store, record_id: str, rev_a: str, rev_b: str, *, reveal: bool = False) -> dict[str, Any]:
    """Field-by-field changes between two revisions of one record; personal values hidden unless `reveal`."""
    a, b = resolve_revision(store, record_id, rev_a), resolve_revision(store, record_id, rev_b)
    try:
        before, after = store.record_at(record_id, a), store.record_at(record_id, b)
    except subprocess.CalledProcessError:
        raise InputError(f"record {record_id} does not exist at one of those revisions (deleted?)",
                         field="revision") from None
    return {"id": record_id, "from": a, "to": b, "changes": hide_personal(changes_between(before, after), reveal=reveal)}


@dataclass(frozen=True)
class Resume:
    """Where a timeline page ended: the branch head it was read from, and how many commits from it were read."""

    head: str
    skip: int


def timeline(store: Store, *, practitioner: str | None = None, agency: str | None = None,
             outcome: str | None = None, action: str | None = None, since: date | None = None,
             until: date | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The repository's commits, newest first, filtered (at most `limit`). Agency matches the record's
    recipient or requesting agency as it stands now."""
    rows, _ = timeline_page(store, practitioner=practitioner, agency=agency, outcome=outcome, action=action,
                            since=since, until=until, limit=limit)
    return rows


def timeline_page(store: Store, *, practitioner: str | None = None, agency: str | None = None,
                  outcome: str | None = None, action: str | None = None, since: date | None = None,
                  until: date | None = None, limit: int | None = None,
                  resume: Resume | None = None) -> tuple[list[dict[str, Any]], Resume | None]:
    """One page of the timeline: up to `limit` matching commits, newest first, from `resume` (the start when
    None), and where the next page starts (None when there is no more). Reads the log only as far as the
    page needs (gitlog.newest_first)."""
    rows: list[dict[str, Any]] = []
    agencies: dict[str, str] = {}
    head = resume.head if resume else store.head()
    if head is None:
        return [], None
    for position, commit in newest_first(store, start=head, skip=resume.skip if resume else 0):
        if limit and len(rows) >= limit:
            return rows, Resume(head, position)
        when = commit.date
        if since and when.date() < since or until and when.date() > until:
            continue
        if practitioner and practitioner.casefold() not in f"{commit.author} <{commit.email}>".casefold():
            continue
        trailers = commit.trailers()
        if action and trailers.action != action:
            continue
        if outcome and outcome not in (trailers.decision, trailers.engine_outcome):
            continue
        record_id = trailers.record_id
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
    return rows, None
