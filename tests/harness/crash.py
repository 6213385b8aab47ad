"""Kill the real `isp record` / `isp amend` with SIGKILL at random instants; prove nothing is lost or half-written.

    python tests/harness/crash.py --ops 300 [--seed 7] [--repo DIR]      # the full-size run (README figures)

Each operation is the real CLI in its own process group: a new final record, a new draft, finalising a
draft, or amending a final record. Most are killed (SIGKILL to the whole group, so git children die too):
either after a random delay, or a random moment after its save journal appears (the window in which the
record file, the commit, the branch and git's index are written). Straight after each kill the working
tree is checked for half-written files; the next operation completes the interrupted save (and must say
so). Every few operations, and at the end, the repository is checked as a whole (tests/harness/common.py:
store opens with its lock, git fsck --strict, git status clean, every record parses and equals the branch,
one commit per change). At the end the ledger of operations is checked: an operation that reported success
is there; a killed one is there entirely or not at all; nothing is there twice; nothing else is there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (PRACTITIONER, check_repository, git_locks, guidance as load, half_written,  # noqa: E402
                    isp_command, isp_env, journal, write_toml)
from factory import final_record  # noqa: E402

from isp_tui.store import Store  # noqa: E402


@dataclass
class Op:
    n: int
    kind: str  # record | draft | finalise | amend | destroy
    target: str | None = None
    reference: str | None = None  # the subject reference of the record it writes (fictional, unique per save)
    mode: str = "none"  # how it was killed: none | delay | journal
    returncode: int | None = None
    printed_id: str | None = None
    stderr: str = ""


@dataclass
class Figures:
    ops: int = 0
    kills_sent: int = 0
    killed_mid_run: int = 0  # the process was still running when SIGKILL arrived
    journal_left: int = 0  # ... and had started writing: a save journal was left for recovery
    git_locks_left: int = 0  # ... and a git lock file (index.lock, a ref lock) was left by a killed git
    recoveries_told: int = 0  # the next `isp` said "recovered: ..." on stderr
    half_written_found: int = 0
    full_checks: int = 0
    records_checked: int = 0
    commits: int = 0
    corruptions: int = 0
    finished: dict[str, int] = field(default_factory=dict)
    present_after_kill: int = 0  # killed operations whose change was completed (by the journal) rather than lost
    absent_after_kill: int = 0  # killed before anything was journalled: the old state, nothing half-done
    destroyed: int = 0  # records destroyed (tombstone committed), killed or not
    destroys_recovered: int = 0  # killed destroys the next isp completed or undid, saying so


def marker(n: int) -> str:
    return f"Fictional crash test op {n}"


def scan(repo: Path) -> dict[str, dict]:
    """The records in the working tree as plain TOML (id -> data), for choosing what to amend or finalise."""
    import tomllib

    out = {}
    for path in repo.glob("[0-9][0-9][0-9][0-9]/*/*/*.toml"):
        try:
            data = tomllib.loads(path.read_text())
            out[data["id"]] = data
        except Exception:  # noqa: BLE001 - a broken file is reported by half_written, not here
            pass
    return out


class Harness:
    def __init__(self, repo: Path, work: Path, seed: int, *, check_every: int = 10, destroys: bool = True):
        self.repo, self.work = repo, work
        self.rng = random.Random(seed)
        self.env = isp_env(work / "home")
        self.guidance = load()
        self.check_every = check_every
        self.ops: list[Op] = []
        self.figures = Figures()
        self.duration = 1.0  # seconds a save takes, measured
        self.window = 0.2  # seconds a save journal lives, measured
        self.destroys = destroys  # also `isp retention destroy`, killed like the rest
        self.destroyed: set[str] = set()

    # -- operations ----------------------------------------------------------------------------------

    def prepare(self, op: Op) -> list[str]:
        path = self.work / f"op-{op.n}.toml"
        if op.kind in ("record", "draft"):
            data = final_record(self.guidance, subject={"name": "Test Child Crash", "reference": f"TEST-C{op.n:05d}"},
                                decision={"reasons": f"{marker(op.n)}: sharing is necessary and proportionate."})
            write_toml(path, data)
            return ["record", str(path)] + (["--draft"] if op.kind == "draft" else [])
        if op.kind == "finalise":
            data = final_record(self.guidance, subject={"name": "Test Child Crash", "reference": op.reference},
                                decision={"reasons": f"{marker(op.n)}: sharing is necessary and proportionate."})
            data["id"] = op.target
            write_toml(path, data)
            return ["record", str(path)]
        if op.kind == "destroy":
            return ["retention", "destroy", op.target, "--reason", marker(op.n), "--yes"]
        write_toml(path, {"sharing": {"time_limits": f"Fictional limit set by op {op.n}"}})
        return ["amend", op.target, str(path), "--reason", marker(op.n)]

    def choose(self, n: int) -> Op:
        records = scan(self.repo)
        drafts = [i for i, d in records.items() if d.get("status") == "draft"]
        finals = [i for i, d in records.items() if d.get("status") == "final"]
        roll = self.rng.random()
        known = self.known_records(finals)
        if self.destroys and roll < 0.12 and known:
            return Op(n, "destroy", self.rng.choice(sorted(known)))
        if roll < 0.3 and finals:
            return Op(n, "amend", self.rng.choice(sorted(finals)))
        if roll < 0.45 and drafts:
            target = self.rng.choice(sorted(drafts))
            return Op(n, "finalise", target, records[target]["subject"]["reference"])
        if roll < 0.6:
            return Op(n, "draft")
        return Op(n, "record")

    def known_records(self, finals: list[str]) -> list[str]:
        """Final records every operation on which finished (so the ledger knows all a destroy takes away)."""
        made = {op.printed_id: op for op in self.ops if op.kind == "record" and op.returncode == 0}
        touched_by_kill = {op.target for op in self.ops if op.target and op.returncode != 0}
        return [r for r in finals if r in made and r not in touched_by_kill and r not in self.destroyed]

    def run(self, op: Op, kill: str) -> Op:
        """Run one operation; kill it (`delay`, `journal`) or let it finish (`none`)."""
        args = self.prepare(op)
        before = set(journal(self.repo))
        proc = subprocess.Popen(isp_command(self.repo, *args), env=self.env, cwd=self.work, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        op.mode = kill
        if kill == "delay":
            self._sleep_or_exit(proc, self.rng.uniform(0.0, 1.15 * self.duration))
            self._kill(proc)
        elif kill == "journal":
            folder = self.repo / ".git" / "isp" / "journal"
            destroying = self.repo / ".git" / "isp" / "destroy.toml"
            while proc.poll() is None:
                try:
                    seen = set(os.listdir(folder)) - before
                except FileNotFoundError:
                    seen = set()
                if any(name.endswith(".toml") for name in seen) or destroying.exists():
                    self._sleep_or_exit(proc, self.rng.uniform(0.0, 1.3 * self.window))
                    break
                time.sleep(0.0005)
            self._kill(proc)
        out, err = proc.communicate()
        op.returncode = proc.returncode
        op.stderr = err
        if proc.returncode == 0:
            op.printed_id = out.strip()
            self.figures.finished[op.kind] = self.figures.finished.get(op.kind, 0) + 1
        elif proc.returncode != -signal.SIGKILL:
            raise AssertionError(f"op {op.n} {op.kind} failed without being killed: rc={proc.returncode} {err!r}")
        if "recovered:" in err:
            self.figures.recoveries_told += 1
        if "Traceback" in err:
            raise AssertionError(f"op {op.n}: traceback on stderr:\n{err}")
        return op

    def _sleep_or_exit(self, proc: subprocess.Popen, seconds: float) -> None:
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass

    def _kill(self, proc: subprocess.Popen) -> None:
        self.figures.kills_sent += 1
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the CLI and any git it is running, as a crash would
            except ProcessLookupError:
                return
            self.figures.killed_mid_run += 1

    # -- calibration -----------------------------------------------------------------------------------

    def calibrate(self, runs: int = 3) -> None:
        """Time a few saves to size the random delays, and how long a save journal lives."""
        durations, windows = [], []
        for n in range(runs):
            op = Op(-(n + 1), "record")
            args = self.prepare(op)
            folder = self.repo / ".git" / "isp" / "journal"
            start = time.monotonic()
            proc = subprocess.Popen(isp_command(self.repo, *args), env=self.env, cwd=self.work,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            appeared = gone = None
            while proc.poll() is None:
                present = folder.is_dir() and any(folder.iterdir())
                now = time.monotonic()
                if present and appeared is None:
                    appeared = now
                if not present and appeared is not None and gone is None:
                    gone = now
                time.sleep(0.0005)
            durations.append(time.monotonic() - start)
            if appeared:
                windows.append((gone or time.monotonic()) - appeared)
            self.ops.append(op)
            op.returncode = proc.returncode
            op.printed_id = "calibration"
        self.duration = sorted(durations)[len(durations) // 2]
        self.window = max(sorted(windows)[len(windows) // 2] if windows else 0.2, 0.02)

    # -- the run -------------------------------------------------------------------------------------

    def go(self, n_ops: int, log=None) -> Figures:
        Store(self.repo)  # created once, as `isp init` would
        self.calibrate()
        for n in range(n_ops):
            op = self.choose(n)
            # some finish (a destroy needs records whose every change is known), the rest are killed
            kill = self.rng.choice(("delay", "journal", "journal", "none") if self.destroys else ("delay", "journal", "journal"))
            self.run(op, kill)
            self.ops.append(op)
            self.figures.ops += 1
            if op.returncode == -signal.SIGKILL:
                bad = half_written(self.repo, self.guidance)
                if bad:
                    self.figures.half_written_found += len(bad)
                    raise AssertionError(f"op {n}: half-written files after a kill: {bad}")
                if journal(self.repo):
                    self.figures.journal_left += 1
                if git_locks(self.repo):
                    self.figures.git_locks_left += 1
            if op.kind == "destroy":
                self.after_destroy(op)
            if (n + 1) % self.check_every == 0:
                self.full_check()
            if log:
                log(n, op)
        self.full_check()
        self.check_ledger()
        return self.figures

    def after_destroy(self, op: Op) -> None:
        """The tombstone is never missing: the record is in the tip with no tombstone, or gone with one. The
        next isp (here: the lock taken) completes or undoes a killed destroy."""
        from common import recover

        tomb = self.repo / "retention" / "destroyed" / f"{op.target}.toml"
        from isp_tui.record import record_path

        present = (self.repo / record_path(op.target)).is_file()
        if present == tomb.is_file():
            raise AssertionError(f"op {op.n}: record {op.target} present={present} with tombstone={tomb.is_file()}")
        if op.returncode == -signal.SIGKILL:
            told = recover(self.repo)
            if any("destroy" in t for t in told):
                self.figures.destroys_recovered += 1
        if tomb.is_file():
            self.destroyed.add(op.target)
            self.figures.destroyed += 1

    def full_check(self) -> None:
        found = check_repository(self.repo, self.guidance)
        self.figures.full_checks += 1
        self.figures.records_checked += len(found["records"])
        self.figures.commits = found["commits"]

    def check_ledger(self) -> None:
        """Every operation is in the repository entirely or not at all; every success is there; nothing else is."""
        found = check_repository(self.repo, self.guidance)
        records = found["records"]
        by_reference: dict[str, list[str]] = {}
        for record in records.values():
            by_reference.setdefault(record.get("subject.reference"), []).append(record.id)
        faults, effects = [], 0
        expected_commits: dict[str, int] = {}
        for op in self.ops:
            if op.kind in ("record", "draft"):
                ref = f"TEST-C{op.n:05d}"
                ids = by_reference.get(ref, [])
                present = len(ids) == 1
                if len(ids) > 1:
                    faults.append(f"op {op.n}: {len(ids)} records for one save")
                if op.printed_id in self.destroyed:
                    ids = [op.printed_id]  # there, then destroyed (its commits kept, their content gone)
                    present = True
                if op.returncode == 0 and op.printed_id != "calibration" and ids != [op.printed_id]:
                    faults.append(f"op {op.n}: reported {op.printed_id}, repository has {ids}")
                if present and ids[0] in self.destroyed:
                    pass
                elif present:
                    record = records[ids[0]]
                    if op.kind == "record" and record.status != "final":
                        faults.append(f"op {op.n}: a final record saved as {record.status}")
                    expected_commits[record.id] = expected_commits.get(record.id, 0) + 1
            elif op.kind == "destroy":
                present = op.target in found["destroyed"] and op.target not in records
                if op.returncode == 0 and not present:
                    faults.append(f"op {op.n}: destroy of {op.target} reported success but the record is still there")
            elif op.target in self.destroyed:
                present = op.returncode == 0  # only records whose every operation finished are destroyed
            elif op.kind == "finalise":
                record = records.get(op.target)
                present = bool(record and record.status == "final" and marker(op.n) in record.get("decision.reasons", "")
                               and record.get("subject.reference") == op.reference)
                if present:
                    expected_commits[op.target] = expected_commits.get(op.target, 0) + 1
            else:
                record = records.get(op.target)
                hits = [a for a in (record.data.get("amendments", []) if record else []) if a["reason"] == marker(op.n)]
                if len(hits) > 1:
                    faults.append(f"op {op.n}: amendment recorded {len(hits)} times")
                present = len(hits) == 1
                if present:
                    expected_commits[op.target] = expected_commits.get(op.target, 0) + 1
            if op.returncode == 0 and not present:
                faults.append(f"op {op.n} ({op.kind}) reported success but is not in the repository: LOST")
            if op.returncode == -signal.SIGKILL:
                if present:
                    self.figures.present_after_kill += 1
                else:
                    self.figures.absent_after_kill += 1
            effects += present
        known = {r for ids in by_reference.values() for r in ids}
        if set(records) - known:
            faults.append(f"records no operation made: {sorted(set(records) - known)}")
        store = Store(self.repo, create=False)
        for record_id, count in expected_commits.items():
            if record_id in self.destroyed:
                continue
            history = store.history(record_id)
            if len(history) != count:
                faults.append(f"record {record_id}: {len(history)} commits for {count} changes")
            amendments = len(records[record_id].data.get("amendments", []))
            if sum(r.action == "amend" for r in history) != amendments:
                faults.append(f"record {record_id}: {amendments} amendments but a different number of amend commits")
        if found["commits"] != effects:
            faults.append(f"{found['commits']} commits for {effects} changes")
        self.figures.commits = found["commits"]
        self.figures.records_checked += len(records)
        if faults:
            self.figures.corruptions += len(faults)
            raise AssertionError("\n".join(faults))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--repo", type=Path, help="where to build the records repository (default: a temp dir)")
    parser.add_argument("--check-every", type=int, default=10)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="isp-crash-"))
    repo = args.repo or work / "records"
    harness = Harness(repo, work, args.seed, check_every=args.check_every)
    started = time.monotonic()

    def log(n, op):
        if (n + 1) % 25 == 0:
            print(f"  {n + 1} ops, {harness.figures.killed_mid_run} killed mid-run, "
                  f"{harness.figures.journal_left} left a journal", file=sys.stderr, flush=True)

    figures = harness.go(args.ops, log)
    summary = {"seed": args.seed, "repo": str(repo), "seconds": round(time.monotonic() - started, 1),
               "save_seconds": round(harness.duration, 3), "journal_window_seconds": round(harness.window, 3),
               **figures.__dict__}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
