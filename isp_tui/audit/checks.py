"""The checks `isp verify` runs over the history: one `Check` each (see verify.CHECKS).

- `store_shape_problem(message)`: why a commit message is not exactly the store's subject and trailers;
- `check_commits`: the shape of every commit touching records, deletions, ruleset copies changed;
- `check_finals_fast` / `check_finals_full`: final records changed only by amendments (or corrections),
  from the trailers alone, or (--full) by comparing every revision with the one it replaced;
- `scan_for_personal_data`: personal data in free text (isp_tui.audit.personal);
- `check_rulesets`: every pinned ruleset hash resolves to a matching copy in rulesets/.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from isp_tui.audit.gitlog import RULESET_PATH, Change, Commit, allowed_other, read_blobs
from isp_tui.audit.personal import Identifying, personal_data_in
from isp_tui.engine import OUTCOMES as ENGINE_OUTCOMES
from isp_tui.errors import InputError
from isp_tui.gitlayer.messages import RECOVERED, REQUIRED, Trailers, parse_subject, parse_trailer_lines
from isp_tui.record.changes import diff
from isp_tui.record.ids import RECORD_PATH, TOMBSTONE_PATH
from isp_tui.record.model import Record
from isp_tui.record.schema import RECORDED
from isp_tui.store.repo import Store
from isp_tui.tomlfile import parse_toml

if TYPE_CHECKING:
    from isp_tui.audit.verify_state import Facts

ACTIONS = ("draft", "final", "amend", "correct")
TRAILERS_ALLOWED = set(REQUIRED) | {RECOVERED, "Brought-Across"}
BROUGHT_ACROSS = re.compile(r"^\d+ amendment\(s\)$")  # a record brought from an old copy (`isp import`)
RULESET_TRAILER = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._+-]+$")
# The Outcome: trailer is the practitioner's recorded decision on a final record, else the engine's outcome
# (store.commit_message); Engine-Outcome: is always the engine's.
DECISION_TRAILER = set(RECORDED) | set(ENGINE_OUTCOMES)


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


def store_shape_problem(text: str, trailers: Trailers | None = None) -> str:
    """Why a commit message is not exactly the store's subject and trailers ("" when it is). `trailers`: the
    message's, already parsed (parse_message), so verify parses each of 125,000 commits once."""
    lines = text.strip("\n").split("\n")
    subject, body = parse_subject(lines[0]), tuple(lines[1:])
    record_id, action, decision = subject or ("", "", "")
    if action == "destroy":  # retention.destroy: the record is gone, so no outcome or ruleset
        ok = decision == "destroyed" and body == ("", f"Record-Id: {record_id}", "Action: destroy")
        return "" if ok else "its destroy message is not in the store's shape"
    if not record_id:
        return "its subject is not `record <id>: <action> (<outcome>)`"
    if len(body) < 2 or body[0] != "":
        return "it has no trailers"
    if trailers is None:
        trailers = parse_trailer_lines("\n".join(body[1:]))
    if not trailers or any(": " not in line or line.partition(":")[0] not in TRAILERS_ALLOWED for line in body[1:]):
        return "its message holds text besides the subject and the trailers"
    missing = [k for k in REQUIRED if k not in trailers]
    if missing:
        return f"trailer(s) {', '.join(missing)} missing"
    if trailers.record_id != record_id or trailers.action != action or trailers.decision != decision:
        return "its trailers do not match its subject"
    if action not in ACTIONS:
        return f"action {action!r} is not one of {', '.join(ACTIONS)}"
    if trailers.decision not in DECISION_TRAILER or trailers.engine_outcome not in ENGINE_OUTCOMES:
        return "its outcome is not one the store writes"
    if not RULESET_TRAILER.match(trailers.ruleset):
        return "its Ruleset trailer is not id@version"
    if "Brought-Across" in trailers and (action not in ("draft", "final") or
                                         not BROUGHT_ACROSS.match(trailers["Brought-Across"])):
        return "its Brought-Across trailer is not on a draft or final, or not `<n> amendment(s)`"
    return ""


def check_commits(commits: list[Commit], checks: dict[str, Check]
                   ) -> tuple[dict[str, list[tuple[Commit, Change]]], list[tuple[Commit, str, bool]]]:
    """Shape and deletions, commit by commit. Returns each record's commits, oldest first, and the free
    text (messages not in the store's shape, paths not of its making) to scan for personal data."""
    shape, deletions, rulesets = checks["shape"], checks["deletions"], checks["rulesets"]
    by_record: dict[str, list[tuple[Commit, Change]]] = defaultdict(list)
    from isp_tui.audit.policy import POLICY, POLICY_MESSAGE  # here: audit.policy imports this module

    suspects: list[tuple[Commit, str, bool]] = []
    for commit in commits:
        short = commit.sha[:12]
        if not commit.author.strip() or not commit.email.strip():
            shape.fail("the commit has no author name or email", commit=commit.sha)
        record_changes = [c for c in commit.changes if RECORD_PATH.match(c.path)]
        others = [c for c in commit.changes if not RECORD_PATH.match(c.path)]
        why = store_shape_problem(commit.message, commit.trailers())
        shaped = not why
        policy = [c.path for c in commit.changes] == [POLICY] and POLICY_MESSAGE.fullmatch(commit.message)
        suspect_texts = [] if shaped or policy else [commit.message]  # isp's own words: nothing to scan
        for change in commit.changes:
            if not RECORD_PATH.match(change.path) and not RULESET_PATH.match(change.path) and change.path != POLICY:
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
            if any(not allowed_other(c.path) for c in others):
                shape.fail(f"commit {short} changes files besides its record and ruleset copy", commit=commit.sha)
            trailers = commit.trailers()
            for change in record_changes:
                record_id = RECORD_PATH.match(change.path)["id"]  # type: ignore[index]
                if shaped and trailers.record_id != record_id:
                    shape.fail(f"commit {short} says it is for record {trailers.get('Record-Id')} but changes "
                               f"{record_id}", commit=commit.sha, path=change.path)
                if change.status == "D":
                    deletions.fail(f"record {record_id} was deleted in commit {short}", commit=commit.sha,
                                   path=change.path, record=record_id)
                by_record[record_id].append((commit, change))
        elif not shaped and any(not allowed_other(c.path) for c in commit.changes):
            shape.fail(f"commit {short} adds files that are neither records nor ruleset copies", commit=commit.sha)
        elif any(TOMBSTONE_PATH.match(c.path) for c in others) and commit.trailers().action != "destroy":
            shape.fail(f"commit {short} adds a tombstone but is not a destroy", commit=commit.sha)
        suspects += [(commit, text, text is not commit.message) for text in suspect_texts]
    return by_record, suspects


def scan_for_personal_data(text: str, sensitive: Identifying, check: Check, commit: Commit, *, is_path: bool) -> None:
    """Personal data in free text (a message not in the store's shape, or a path): never quoted back."""
    where = "a path it adds or changes" if is_path else "the message"
    found, record_id = personal_data_in(text, sensitive, commit.date.date())
    if found:
        check.fail(f"commit {commit.sha[:12]}: {where} holds {found}", commit=commit.sha, record=record_id)


def check_finals_fast(by_record: dict[str, list[tuple[Commit, Change]]], facts: dict[str, Facts], check: Check,
                       state: dict[str, tuple[bool, int]],
                       judged: dict[str, set[str]] | None = None) -> dict[str, tuple[bool, int]]:
    """From the trailers alone: once final, only amend or correct; as many amend commits as amendments.
    `state` carries each record's (final yet?, amend commits) from commits checked before; returns it updated.
    `judged`: record id -> commits on the sides of a collision sync resolved, already checked side by side
    (isp_tui.audit.resolutions)."""
    progress = dict(state)
    judged = judged or {}
    for record_id, revisions in by_record.items():
        final_seen, amends = progress.get(record_id, (False, 0))
        apart = judged.get(record_id, set())
        for n, (commit, _) in enumerate(revisions):
            action = commit.trailers().action
            brought = commit.trailers().get("Brought-Across", "")
            if brought and (n or record_id in state):
                check.fail(f"record {record_id} was brought across by commit {commit.sha[:12]} onto a record already "
                           "in the history", commit=commit.sha, record=record_id)
            if final_seen and action not in ("amend", "correct") and commit.sha not in apart:
                check.fail(f"record {record_id} was final and then changed by commit {commit.sha[:12]} "
                           f"({action or 'not an isp commit'}), not by an amendment", commit=commit.sha, record=record_id)
            if action == "final":
                final_seen = True
                if brought and brought.split()[0].isdigit():  # from an old copy, with the amendments made there
                    amends = int(brought.split()[0])
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


def check_finals_full(store: Store, by_record: dict[str, list[tuple[Commit, Change]]], check: Check) -> None:
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
            problem = _final_change_problem(before, after, commit.trailers().action)
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


def check_rulesets(store: Store, files: dict[str, str], pins: dict[str, tuple[str, str]], check: Check) -> None:
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
            data = parse_toml(contents.get(copies[sha], b""), f"rulesets/{sha}.toml")
            copy = f"{data.get('id')}@{data.get('version')}"
        except InputError:
            copy = "(unreadable)"
        if copy != pin:
            check.fail(f"record {record_id} pins ruleset {pin} with hash {sha[:16]}..., but that file is {copy}",
                       path=f"rulesets/{sha}.toml", record=record_id)
