"""`isp verify`: named checks over the records repository, each pass or fail with its failures.

The default run is incremental: one `git log --raw` pass over the commits since the last passing run
(whose head must still be in the history), plus reading each record file whose content did not pass
before; `full=True` reads everything, adds git fsck --strict and compares every revision of every final
record. Results are plain data (`Verification`, `Check`) for the CLI and the TUI to show.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Callable

from isp_tui.audit.checks import (Check, check_commits, check_finals_fast, check_finals_full, check_rulesets,
                                  scan_for_personal_data)
from isp_tui.audit.gitlog import head_files, read_log
from isp_tui.audit.personal import sensitive_values
from isp_tui.audit.policy import check_policy_changes, head_policy
from isp_tui.audit.resolutions import check_resolutions
from isp_tui.audit.signing import (SignatureCache, resigned_commits, signature_answers, signer_email,
                                   signing_required)
from isp_tui.audit.verify_state import MARKER, check_records, load_state, read_marker, save_marker
from isp_tui.errors import StoreError
from isp_tui.guidance import Guidance
from isp_tui.index.workers import bulk_work
from isp_tui.gitlayer.env import run_git, start_git
from isp_tui.gitlayer.plumbing import BRANCH, ZERO, missing_objects
from isp_tui.record.ids import RECORD_PATH
from isp_tui.store.repo import Store

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
    "index": "the derived index (list, reports, what is due) says what the records say",
}


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


def verify(store: Store, guidance: Guidance, *, full: bool = False, mark: bool = True,
           progress: Callable[[str], None] | None = None) -> Verification:
    """Run every check. On a pass, remember the head (.git/isp/verified-head) so a later rewrite shows.

    The default run is incremental: commits already checked at the last passing run (whose head must still
    be in the history) are not read again, and record files whose content passed before are not parsed
    again. `full=True` reads everything. `progress`, if given, is called with what is being done next."""
    with bulk_work():  # 125,000 commits and 100,000 records' facts held at once: no collector walks over them
        return _verify(store, guidance, full=full, mark=mark, progress=progress)


def _verify(store: Store, guidance: Guidance, *, full: bool, mark: bool,
            progress: Callable[[str], None] | None) -> Verification:
    step = progress or (lambda _: None)
    checks = {name: Check(name, title) for name, title in CHECKS.items()}
    step("reading the history")
    head = store.head()
    required, since = signing_required(store)
    policy, added, signers = head_policy(store)
    if policy is not None and policy.required:  # the repository's own policy, whatever this clone's config says
        required = True
        parents = store.git("rev-list", "--parents", "-n", "1", added).split()[1:] if added else []
        since = parents[0] if parents else ""
    reachable = set(store.git("rev-list", BRANCH).split()) if head else set()
    verified = read_marker(store)
    state = None if full or verified not in reachable else load_state(store, verified)
    # git fsck and `git status` (the working tree, under the store's lock) run beside the history's reading
    # and the checks below: a new machine's first run has git read 125,000 commits, walk every object and
    # hash every file once, and one after the other they took twice as long
    step("git fsck" if state is None else f"the objects of the commits since {verified[:12]}")
    fsck = _check_fsck(store, checks["fsck"], full, since=verified if state is not None else "")
    worktree = threading.Thread(target=_check_worktree_locked, args=(store, checks["worktree"]), daemon=True)
    worktree.start()
    try:
        return _verify_beside(store, guidance, checks, full=full, mark=mark, step=step, head=head,
                              reachable=reachable, verified=verified, state=state, fsck=fsck, worktree=worktree,
                              signing=(required, since, signers, policy))
    except BaseException:  # nothing started here outlives verify: fsck is stopped, the working tree's check waited
        if fsck is not None:
            fsck(stop=True)
        raise
    finally:
        worktree.join()


def _verify_beside(store: Store, guidance: Guidance, checks: dict[str, Check], *, full: bool, mark: bool,
                   step: Callable[[str], None], head: str | None, reachable: set[str], verified: str | None,
                   state: Any, fsck: Callable[..., None] | None, worktree: threading.Thread,
                   signing: tuple[bool, str, str, Any]) -> Verification:
    """The checks that run while git fsck and the working tree's check go on beside them."""
    required, since, signers, policy = signing
    tip = head or BRANCH  # the head read above: a save the lock completes meanwhile is the next run's
    commits = read_log(store, rev=f"{verified}..{tip}" if state is not None else tip)
    files = head_files(store)
    step("reading the records")
    facts, pins = check_records(store, guidance, files, checks, use_cache=not full, step=step)
    step(f"checking {len(commits)} commit(s)")
    by_record, suspects = check_commits(commits, checks)
    if suspects:  # free text to scan: only now read every record's identifying details
        # --full also knows names from earlier revisions and deleted records
        history_blobs = [c.new_blob for c in (ch for commit in commits for ch in commit.changes)
                         if full and RECORD_PATH.match(c.path) and c.status != "D"]
        sensitive = sensitive_values(store, files, history_blobs, full=full)
        for commit, text, is_path in suspects:
            scan_for_personal_data(text, sensitive, checks["personal-data"], commit, is_path=is_path)
    judged = check_resolutions(store, commits, checks)
    finals = check_finals_fast(by_record, facts, checks["finals"], state or {}, judged)
    if full:
        step("comparing every revision of every final record")
        check_finals_full(store, by_record, checks["finals"])
    if fsck is not None:
        step("git fsck")
        fsck()
    step("rulesets, history, signatures and the working tree")
    check_rulesets(store, files, pins, checks["rulesets"])
    _check_history(store, reachable, verified, checks["history"])
    answers = _check_signatures(store, reachable, required, since, checks["signatures"], full, signers)
    if policy is not None:
        check_policy_changes(store, answers, checks["signatures"])
    worktree.join()
    if full:
        step("rebuilding the derived index to compare it with the one in use")
        _check_index(store, checks["index"])
    else:
        checks["index"].skipped = "isp verify --full rebuilds the index and compares it"

    result = Verification(list(checks.values()), head, full, len(reachable), len(facts))
    if mark and result.ok and head:
        save_marker(store, head, finals)
    return result


def _check_index(store: Store, check: Check) -> None:
    """The index in use against one rebuilt from the committed records: an edited table forges list and
    reports while every record passes."""
    from isp_tui.index.compare import differences

    found = differences(store)
    for message in found[:50]:
        check.fail(message)
    if found:
        check.fail(f"{len(found)} difference(s): list, reports and what is due may be forged. Keep a copy of "
                   f"{store.work / 'index.sqlite'} as evidence, then delete it: isp rebuilds it from the records")


def _check_fsck(store: Store, check: Check, full: bool, since: str = "") -> Callable[..., None] | None:
    """git fsck: every object of the whole history (`--full`: also each object's own form), or, with `since`
    (the head of the last passing run, still in the history), only the commits after it and the trees and
    files they bring: each must be in the object store. The whole walk takes seconds at 100,000 records, so
    it is started here and runs beside the rest of the checks: the function returned waits for it and
    records what it found (or, with stop=True, stops it)."""
    if store.head() is None:
        return None
    if since:
        _check_new_objects(store, check, since)
        return None
    args = ["fsck", "--no-progress", "--no-dangling"] + (["--strict", "--full"] if full else ["--connectivity-only"])
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # files, not pipes: nothing to drain meanwhile
    proc = start_git(store.root, *args, stdout=out, stderr=err)

    def finish(stop: bool = False) -> None:
        if stop:  # verify failed part way: git fsck is not left running behind it
            proc.kill()
            proc.wait()
            out.close()
            err.close()
            return
        returncode = proc.wait()
        output = ""
        for stream in (out, err):
            stream.seek(0)
            output += stream.read().decode("utf-8", "replace")
            stream.close()
        problems = [line for line in output.splitlines()
                    if line.strip() and not line.startswith(("Checking", "notice:"))]
        if returncode != 0 or problems:
            for line in problems[:50] or [f"git fsck exited with {returncode}"]:
                check.fail(line)

    return finish


def _check_new_objects(store: Store, check: Check, since: str) -> None:
    """`git rev-list --objects` walks what the new commits reference; `git cat-file --batch-check` says
    whether each is in the object store (rev-list lists a tree entry's blob without opening it)."""
    walk = run_git(store.root, "rev-list", "--objects", "--missing=print", BRANCH, f"^{since}", check=False)
    if walk.returncode != 0:
        message = walk.stderr.decode("utf-8", "replace").strip().splitlines()
        check.fail(message[-1] if message else f"git rev-list exited with {walk.returncode}")
        return
    ids = [line.split(b" ", 1)[0].lstrip(b"?") for line in walk.stdout.splitlines() if line.strip()]
    if not ids:
        return
    for sha in missing_objects(store.root, ids):
        check.fail(f"object {sha} is missing from the repository (referenced since {since[:12]})")
        if len(check.failures) >= 50:
            break


def _check_history(store: Store, reachable: set[str], verified: str, check: Check) -> None:
    resigned = resigned_commits(store)  # commits never pushed, signed again when signing was set up
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
            if new != ZERO and new not in reachable and resigned.get(new) not in reachable:
                kind = message.split(":", 1)[0][:40] if ":" in message else "a branch move"
                check.fail(f"the branch once pointed at {new[:12]} ({kind}), which is no longer in its history: "
                           "history was rewritten", commit=new)


def _check_signatures(store: Store, reachable: set[str], required: bool, since: str, check: Check,
                      full: bool, signers: str = "") -> dict[str, tuple[str, str]]:
    """Commits made since signing was set up must carry a good signature by a key the allowed signers give
    to the commit's author (its email). An SSH signature is checked in this process (signature_answers),
    anything else by a gpg or ssh-keygen process; each commit's answer is remembered (signature_cache, for
    the allowed signers as they are), and the default run looks only at commits after the last passing
    verification (when that head is still in the history); --full checks them all afresh."""
    if not required:
        check.skipped = "signing is not required (set it up with `isp init --sign`)"
        return {}
    if not reachable:
        return {}
    if since and since not in reachable:
        check.fail(f"the commit signing started from ({since[:12]}) is not in the branch's history", commit=since)
        since = ""
    exclude = [since] if since else []
    marker = store.work / MARKER
    if not full and marker.is_file():
        verified = marker.read_text().strip()
        if verified in reachable:
            exclude.append(verified)
    authors = dict(line.split(" ", 1) for line in store.git(
        "log", "--format=%H %ae", BRANCH, *(f"^{sha}" for sha in exclude)).splitlines() if " " in line)
    cache = SignatureCache(store, signers)
    answers = {} if full else cache.known(authors)
    todo = [sha for sha in authors if sha not in answers]
    if todo:
        fresh = signature_answers(store, todo, signers)
        cache.remember(fresh)
        answers.update(fresh)
    names = {"N": "is not signed", "B": "has a bad signature", "E": "has a signature that cannot be checked",
             "U": "is signed by a key not in the allowed signers", "X": "has an expired signature",
             "Y": "is signed by an expired key", "R": "is signed by a revoked key"}
    for sha in authors:
        status, principal = answers.get(sha, ("N", ""))
        if status != "G":
            check.fail(f"commit {sha[:12]} {names.get(status, 'is not signed by an allowed key')}", commit=sha)
            continue
        signer = signer_email(principal)
        if signer and signer != authors[sha].strip().lower():
            check.fail(f"commit {sha[:12]} is signed with the key the allowed signers give to {signer}, but its "
                       f"author is {authors[sha].strip()}", commit=sha)
    return answers


def _check_worktree_locked(store: Store, check: Check) -> None:
    """The working tree, compared under the store's lock so a save in progress is not taken for a hand edit
    (taking the lock also completes a save a crash interrupted). A read-only copy is checked as it is."""
    try:
        with store.lock():
            _check_worktree(store, check)
    except (OSError, StoreError):  # the lock cannot be taken: a read-only copy, another branch checked out
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
