"""What the crash and concurrency harnesses share: running the real `isp` and checking a records repository.

Everything here uses the product's own code paths (Store, Record) and plain git; no mocks.
All data is fictional ("Test Child ...", TEST- references, example.invalid).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for extra in (str(ROOT), str(ROOT / "tests")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

import tomli_w  # noqa: E402

from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.record import Record, record_path  # noqa: E402
from isp_tui.gitlayer.plumbing import BRANCH  # noqa: E402
from isp_tui.store import Problem, Store  # noqa: E402

PRACTITIONER = "Test Practitioner <test.practitioner@example.invalid>"


def isp_env(home: Path) -> dict[str, str]:
    """The environment the CLI runs in: this checkout's code, no user config, no system git config."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               ISP_CONFIG=str(home / "no-config.toml"), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
               GIT_CONFIG_NOSYSTEM="1")
    env.pop("ISP_RECORDS", None)
    return env


def isp_command(repo: Path, *args: str, identity: str = PRACTITIONER) -> list[str]:
    return [sys.executable, "-m", "isp_tui", "--records", str(repo), "--as", identity, *args]


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


def git(repo: Path, *args: str, check: bool = True) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check, env=env).stdout


def half_written(repo: Path, guidance) -> list[str]:
    """Files in the working tree that are not whole: every record must parse, every pinned ruleset must be a
    byte-for-byte copy of a template. Checked straight after a kill, before anything recovers."""
    bad = []
    templates = {r.sha256 for r in guidance.rulesets.values()}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo)
        if rel.parts[0] == ".git" or path.is_dir():
            continue
        if rel.parts[0] == "rulesets":
            import hashlib

            if path.stem not in templates or hashlib.sha256(path.read_bytes()).hexdigest() != path.stem:
                bad.append(f"{rel}: not a whole copy of a ruleset")
            continue
        if rel.parts[0] == "retention":  # a tombstone: whole TOML naming the record it stands for
            import tomllib

            try:
                if tomllib.loads(path.read_text())["id"] != path.stem:
                    bad.append(f"{rel}: a tombstone for another record")
            except Exception as exc:  # noqa: BLE001
                bad.append(f"{rel}: {exc}")
            continue
        try:
            record = Record.from_toml(path.read_bytes(), rel, guidance=guidance)
            if record_path(record.id) != str(rel):
                bad.append(f"{rel}: holds record {record.id}")
        except Exception as exc:  # noqa: BLE001 - any failure to read is what we are looking for
            bad.append(f"{rel}: {exc}")
    return bad


def git_locks(repo: Path) -> list[str]:
    gitdir = repo / ".git"
    return sorted(str(p.relative_to(repo)) for p in list(gitdir.glob("*.lock")) + list((gitdir / "refs").rglob("*.lock")))


def journal(repo: Path) -> list[str]:
    folder = repo / ".git" / "isp" / "journal"
    return sorted(p.name for p in folder.glob("*.toml")) if folder.is_dir() else []


def recover(repo: Path) -> list[str]:
    """Open the store as the app does and take its lock: interrupted saves (and destroys) are completed."""
    import isp_tui.retention  # noqa: F401 - as the faces do: registers the recovery of a destroy

    store = Store(repo, create=False)
    with store.lock():
        pass
    return list(store.messages)


def check_repository(repo: Path, guidance, *, fsck: bool = True) -> dict[str, Any]:
    """After recovery: the store opens, git is clean and consistent, every record parses and matches HEAD,
    every commit is one change to one record. Returns what it found; raises AssertionError on any fault."""
    faults: list[str] = []
    import isp_tui.retention  # noqa: F401 - as the faces do: registers the recovery of a destroy

    store = Store(repo, create=False)
    with store.lock():
        pass
    if journal(repo):
        faults.append(f"journal entries left after recovery: {journal(repo)}")
    if git_locks(repo):
        faults.append(f"git locks left after recovery: {git_locks(repo)}")
    strays = sorted(p.name for p in (repo / ".git" / "isp" / "tmp").glob("*")) if (repo / ".git" / "isp" / "tmp").is_dir() else []
    if strays:
        faults.append(f"stray temporary copies of records left after recovery: {strays}")
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    if status:
        faults.append(f"git status not clean: {status!r}")
    garbage = [line for line in git(repo, "count-objects", "-v").splitlines() if line.startswith("garbage:")]
    if garbage != ["garbage: 0"]:
        faults.append(f"git count-objects: {garbage}")
    if fsck:
        result = subprocess.run(["git", "fsck", "--strict", "--no-progress"], cwd=repo, capture_output=True, text=True)
        if result.returncode != 0 or "error" in result.stderr or "garbage" in result.stderr:
            faults.append(f"git fsck --strict: rc={result.returncode} {result.stderr.strip()!r}")
    records: dict[str, Record] = {}
    for item in store.records(guidance):
        if isinstance(item, Problem):
            faults.append(f"record does not parse: {item.message}")
        else:
            records[item.id] = item
            committed = git(repo, "show", f"{BRANCH}:{item.path}", check=False)
            if committed != (repo / item.path).read_text():
                faults.append(f"{item.path}: working tree differs from the branch")
    # every commit: one record, its trailers naming it, its action matching the record's history
    commits = 0
    fmt = "%x1e%H%x1f%(trailers:key=Record-Id,valueonly,separator=)%x1f%(trailers:key=Action,valueonly,separator=)%x1f"
    log = git(repo, "log", f"--format={fmt}", "--name-only", BRANCH) if store.head() else ""
    tombs = repo / "retention" / "destroyed"
    destroyed = {p.stem for p in tombs.glob("*.toml")} if tombs.is_dir() else set()
    for record_id in destroyed:  # destroyed: gone from every commit, its tombstone there
        if record_id in records or git(repo, "log", "--all", "--format=%H", "--", record_path(record_id)).strip():
            faults.append(f"record {record_id} has a tombstone but its content is still in the history")
    for block in log.split("\x1e")[1:]:
        commit, record_id, action, names = block.split("\x1f")
        commits += 1
        touched = [n for n in names.split() if not n.startswith("rulesets/")]
        if record_id in destroyed and (not touched or (action == "destroy"
                                                        and touched == [f"retention/destroyed/{record_id}.toml"])):
            continue  # a destroyed record's commits keep their messages (the audit trail) but hold nothing
        if not record_id or touched != [record_path(record_id)]:
            faults.append(f"commit {commit[:12]} ({record_id} {action}) touches {touched}")
    # and what an auditor would run: isp verify (every check but signatures, which are not set up here)
    from isp_tui.audit import verify

    for check in verify(store, guidance, full=fsck).checks:
        if not check.ok:
            faults.append(f"isp verify: {check.name} failed: {check.failures[:3]}")
    if faults:
        raise AssertionError("\n".join(faults))
    return {"records": records, "commits": commits, "destroyed": destroyed}


def guidance():
    return load_guidance()
