"""Several writers on one records repository at once; prove every change lands as its own commit.

    python tests/harness/concurrency.py --writers 6 --ops 25      # the full-size run (README figures)

Writers are processes each running the real CLI in a loop: new final records, and amendments to a few
shared records (each writer changes its own field, so an amendment that undid another writer's change
would show). Beside them a "sync" process takes the store's lock (the same inter-process FileLock) and
holds it, as a sync with a remote would, and an "auditor" runs plain `git status` and `git log` in a loop
(git takes index.lock for a moment). Afterwards: every command succeeded with no git lock error on its
stderr, the repository checks out (tests/harness/common.py), there is exactly one commit per change,
and each shared record ends with each writer's last value.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import check_repository, guidance as load, isp_command, isp_env, write_toml  # noqa: E402
from factory import final_record  # noqa: E402

from isp_tui.store import Store  # noqa: E402

# the field each writer owns on the shared records (text fields a final record may change freely)
FIELDS = [("sharing", "time_limits"), ("recipient", "person"), ("sharing", "source"), ("sharing", "originator"),
          ("decision", "public_interest"), ("advice", "summary"), ("consent", "explanation"), ("sharing", "purpose")]


def worker(repo: Path, work: Path, number: int, ops: int, shared: list[str], seed: int) -> list[dict]:
    """One writer: `ops` CLI commands in a row. Returns what each did and what it printed."""
    rng = random.Random(seed * 1000 + number)
    guidance = load()
    env = isp_env(work / f"home-{number}")
    identity = f"Test Writer {number} <test.writer{number}@example.invalid>"
    table, key = FIELDS[number % len(FIELDS)]
    done = []
    for n in range(ops):
        path = work / f"w{number}-{n}.toml"
        if shared and rng.random() < 0.5:
            target = rng.choice(shared)
            value = f"Fictional value from writer {number} op {n}"
            write_toml(path, {table: {key: value}})
            args = ["amend", target, str(path), "--reason", f"Fictional concurrency test writer {number} op {n}"]
            entry = {"kind": "amend", "target": target, "field": f"{table}.{key}", "value": value}
        else:
            reference = f"TEST-W{number:02d}-{n:04d}"
            write_toml(path, final_record(guidance, subject={"name": "Test Child Concurrent", "reference": reference}))
            args = ["record", str(path)]
            entry = {"kind": "record", "reference": reference}
        result = subprocess.run(isp_command(repo, *args, identity=identity), env=env, cwd=work, capture_output=True,
                                text=True, timeout=600)
        entry.update(writer=number, n=n, returncode=result.returncode, stdout=result.stdout.strip(),
                     stderr=result.stderr.strip(), finished=time.time())
        done.append(entry)
    return done


def holder(repo: Path, rounds: int, hold: float) -> int:
    """A sync: takes the store's own lock and holds it (as a fetch/merge would), again and again."""
    store = Store(repo, create=False)
    for _ in range(rounds):
        with store.lock():
            store.git("rev-parse", "HEAD")
            time.sleep(hold)
        time.sleep(hold / 2)
    return rounds


def auditor(repo: Path, stop: Path) -> int:
    """A person reading with plain git while the app writes: git status takes index.lock to refresh the index."""
    runs = 0
    while not stop.exists():
        for args in (["status", "--porcelain"], ["log", "--oneline", "-5"]):
            subprocess.run(["git", *args], cwd=repo, capture_output=True)
        runs += 1
    return runs


def run(repo: Path, work: Path, *, writers: int, ops: int, seed: int, hold_rounds: int = 10,
        hold: float = 0.5) -> dict:
    guidance = load()
    env = isp_env(work / "home-seed")
    shared = []
    for n in range(3):
        path = write_toml(work / f"shared-{n}.toml", final_record(guidance, subject={"reference": f"TEST-S{n}"}))
        result = subprocess.run(isp_command(repo, "record", str(path)), env=env, capture_output=True, text=True, check=True)
        shared.append(result.stdout.strip())
    here = str(Path(__file__).resolve())
    stop = work / "stop"
    procs = [subprocess.Popen([sys.executable, here, "worker", "--repo", str(repo), "--work", str(work),
                               "--number", str(w), "--ops", str(ops), "--shared", ",".join(shared), "--seed", str(seed)],
                              stdout=subprocess.PIPE, text=True) for w in range(writers)]
    sync = subprocess.Popen([sys.executable, here, "holder", "--repo", str(repo), "--rounds", str(hold_rounds),
                             "--hold", str(hold)], stdout=subprocess.PIPE, text=True)
    audit = subprocess.Popen([sys.executable, here, "auditor", "--repo", str(repo), "--stop", str(stop)],
                             stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=3600)
        assert proc.returncode == 0, f"writer process failed: {proc.returncode}"
        results.extend(json.loads(out))
    sync_rounds = int(sync.communicate(timeout=3600)[0])
    stop.touch()
    audit_runs = int(audit.communicate(timeout=600)[0])
    seconds = time.monotonic() - started
    return verify(repo, guidance, shared, results) | {
        "writers": writers, "sync_lock_holds": sync_rounds, "auditor_git_runs": audit_runs,
        "seconds": round(seconds, 1)}


def verify(repo: Path, guidance, shared: list[str], results: list[dict]) -> dict:
    faults = []
    for r in results:
        if r["returncode"] != 0:
            faults.append(f"writer {r['writer']} op {r['n']} failed: {r['stderr']}")
        elif r["stderr"]:
            faults.append(f"writer {r['writer']} op {r['n']} printed on stderr: {r['stderr']}")
    found = check_repository(repo, guidance)
    records = found["records"]
    by_reference = {rec.get("subject.reference"): rec for rec in records.values()}
    for r in results:
        if r["kind"] == "record" and r["returncode"] == 0:
            rec = by_reference.get(r["reference"])
            if rec is None or rec.id != r["stdout"]:
                faults.append(f"writer {r['writer']} op {r['n']}: record {r['stdout']} LOST")
    amends = [r for r in results if r["kind"] == "amend" and r["returncode"] == 0]
    for target in shared:
        record = records[target]
        reasons = [a["reason"] for a in record.data.get("amendments", [])]
        mine = [r for r in amends if r["target"] == target]
        for r in mine:
            if reasons.count(f"Fictional concurrency test writer {r['writer']} op {r['n']}") != 1:
                faults.append(f"writer {r['writer']} op {r['n']}: amendment of {target} LOST or doubled")
        # each amendment changes only its writer's field; the record ends with each writer's last value
        for amendment in record.data.get("amendments", []):
            writer = int(amendment["reason"].split("writer ")[1].split(" ")[0])
            table, key = FIELDS[writer % len(FIELDS)]
            fields = [c["field"] for c in amendment["changes"]]
            if fields != [f"{table}.{key}"]:
                faults.append(f"{target}: writer {writer}'s amendment changed {fields}: it undid another's change")
        last: dict[str, str] = {}
        for amendment in record.data.get("amendments", []):
            for change in amendment["changes"]:
                last[change["field"]] = change.get("after")
        for field_name, value in last.items():
            if record.flat().get(field_name) != value:
                faults.append(f"{target}: {field_name} is {record.flat().get(field_name)!r}, last amended to {value!r}")
    changes = len(shared) + sum(1 for r in results if r["returncode"] == 0)
    if found["commits"] != changes:
        faults.append(f"{found['commits']} commits for {changes} changes")
    if faults:
        raise AssertionError("\n".join(faults))
    return {"commands": len(results), "succeeded": sum(r["returncode"] == 0 for r in results),
            "new_records": sum(r["kind"] == "record" for r in results), "amendments": len(amends),
            "commits": found["commits"], "records_checked": len(records), "git_lock_errors_shown": 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="role")
    p = sub.add_parser("run")
    p.add_argument("--writers", type=int, default=6)
    p.add_argument("--ops", type=int, default=25)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--repo", type=Path)
    p = sub.add_parser("worker")
    for name in ("--repo", "--work"):
        p.add_argument(name, type=Path, required=True)
    for name in ("--number", "--ops", "--seed"):
        p.add_argument(name, type=int, required=True)
    p.add_argument("--shared", default="")
    p = sub.add_parser("holder")
    p.add_argument("--repo", type=Path, required=True)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--hold", type=float, default=0.5)
    p = sub.add_parser("auditor")
    p.add_argument("--repo", type=Path, required=True)
    p.add_argument("--stop", type=Path, required=True)
    args = parser.parse_args(argv if argv is not None and argv else (sys.argv[1:] or ["run"]))
    if args.role == "worker":
        print(json.dumps(worker(args.repo, args.work, args.number, args.ops, [s for s in args.shared.split(",") if s],
                                args.seed)))
    elif args.role == "holder":
        print(holder(args.repo, args.rounds, args.hold))
    elif args.role == "auditor":
        print(auditor(args.repo, args.stop))
    else:
        work = Path(tempfile.mkdtemp(prefix="isp-concurrency-"))
        repo = args.repo or work / "records"
        print(json.dumps({"seed": args.seed, **run(repo, work, writers=args.writers, ops=args.ops, seed=args.seed)},
                         indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
