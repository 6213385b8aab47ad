"""The collisions sync resolved, checked by `isp verify` (isp_tui.sync.integrate writes them).

When a record was worked on separately on two machines and a final was involved, sync's merge commit
names both versions: `Resolved: <id> kept <commit> other <commit>`. Read in one line of history, the
two sides look like a final changed by a draft or a second final; they are not: each side is checked on
its own, from the record as it was where the two sides parted (once final on a side, only amendments or
corrections on that side). A `Resolved:` trailer must name two commits that changed the record, one on
each side of its merge, and the merge must hold the version it names as kept (or, when it also names the
record in `Merged-Record:`, that version with the other side's amendments added)."""

from __future__ import annotations

import subprocess
from collections import defaultdict

from isp_tui.audit.checks import Check
from isp_tui.audit.gitlog import Commit
from isp_tui.gitlayer.messages import parse_message, resolution
from isp_tui.errors import InputError
from isp_tui.record import record_path
from isp_tui.gitlayer.env import git_env
from isp_tui.store import Store
from isp_tui.tomlfile import parse_toml


def check_resolutions(store: Store, commits: list[Commit], checks: dict[str, Check]) -> dict[str, set[str]]:
    """Check each `Resolved:` trailer of the merges among `commits` (oldest first) and each side it names.
    Returns record id -> the commits so checked, which the one-line finals check leaves alone."""
    judged: dict[str, set[str]] = defaultdict(set)
    shape, finals = checks["shape"], checks["finals"]
    for commit in commits:
        if len(commit.parents) < 2:
            continue
        trailers = parse_message(commit.message)
        for value in trailers.resolved:
            parsed = resolution(value)
            short = commit.sha[:12]
            if parsed is None:
                shape.fail(f"merge {short} has a Resolved trailer not in sync's shape", commit=commit.sha)
                continue
            record_id, kept, other = parsed
            path = record_path(record_id)
            why = _sides_problem(store, commit, path, kept, other)
            if why:
                shape.fail(f"merge {short} names versions of record {record_id} that {why}", commit=commit.sha,
                           record=record_id)
                continue
            if _blob(store, commit.sha, path) != _blob(store, kept, path) and \
                    record_id not in trailers.merged_records:
                finals.fail(f"merge {short} holds a version of record {record_id} other than the one it names as kept",
                            commit=commit.sha, record=record_id)
            base = _git(store, "merge-base", kept, other)
            base_final = bool(base) and _is_final(store, base, path)
            for tip in (kept, other):
                _check_side(store, record_id, path, tip, base, base_final, judged[record_id], finals)
    return judged


def _check_side(store: Store, record_id: str, path: str, tip: str, base: str, final: bool, judged: set[str],
                check: Check) -> None:
    """One side, oldest first: once final, only amend or correct (commits an earlier resolution checked
    already only carry the state on)."""
    out = _git(store, "log", "--reverse", "--topo-order", "--no-merges", "--full-history", "--format=%H%x1f%B%x1e",
               tip, *([f"^{base}"] if base else []), "--", path)
    for chunk in out.split("\x1e"):
        sha, _, body = chunk.strip("\n").partition("\x1f")
        if not sha:
            continue
        action = parse_message(body).action
        if final and action not in ("amend", "correct") and sha not in judged:
            what = action or "not an isp commit"
            check.fail(f"record {record_id} was final and then changed by commit {sha[:12]} ({what}), not by an "
                       "amendment", commit=sha, record=record_id)
        final = final or action == "final"
        judged.add(sha)


def _sides_problem(store: Store, merge: Commit, path: str, kept: str, other: str) -> str:
    first, second = merge.parents[0], merge.parents[1]
    on = lambda a, b: _ancestor(store, a, b)  # noqa: E731
    if not ((on(kept, first) and on(other, second)) or (on(kept, second) and on(other, first))):
        return "are not one on each side of it"
    if on(kept, other) or on(other, kept):
        return "are one after the other, not made apart"
    for sha in (kept, other):
        if _git(store, "log", "-1", "--format=%H", sha, "--", path) != sha:
            return f"did not change it ({sha[:12]})"
    return ""


def _is_final(store: Store, commit: str, path: str) -> bool:
    blob = _blob(store, commit, path)
    if not blob:
        return False
    try:
        return parse_toml(_run(store, "cat-file", "blob", blob).stdout, path).get("status") == "final"
    except InputError:  # an unreadable base version: the schema check reports it where it matters
        return False


def _blob(store: Store, commit: str, path: str) -> str:
    return _git(store, "rev-parse", "-q", "--verify", f"{commit}:{path}")


def _ancestor(store: Store, a: str, b: str) -> bool:
    return _run(store, "merge-base", "--is-ancestor", a, b).returncode == 0


def _git(store: Store, *args: str) -> str:
    """git's output, stripped; "" when git fails (a name that does not resolve)."""
    done = _run(store, *args)
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else ""


def _run(store: Store, *args: str) -> subprocess.CompletedProcess:
    # merge: use gitlayer.env.run_git
    return subprocess.run(["git", *args], cwd=store.root, env=git_env(), capture_output=True)
