"""A practitioner's new machine: `python bench/new_machine.py [--size 100000] [--repeat 3]`.

From a bare copy of the bench repository (bench/generate.py, cached in bench/out/), reached by file:// so
git sends a pack as a server would, it times, in each of `--repeat` rounds:
- baseline: plain `git clone` of the same URL;
- `isp init --clone URL`: the fetch (until isp says it starts reading the records), then the whole command:
  every file written and git's index told, while every record is read once, beside it, for the derived
  index and for verification (browsable when it returns);
- the first `isp verify` on the new machine;
- with `--baseline-code DIR`, the same two for an earlier isp, in the same round;
- and once, on a plain git clone, what isp did before the shared reading (unless `--no-before`): the derived
  index built from nothing (`isp list --json`), then a first `isp verify` reading every record file again.
Before every timed command the machine is settled: dirty pages written out, the page cache dropped where
this process may (root), and a pause. Without it each run paid for the last one's 370 MB of files (the system
time of five runs in a row grew from 13 to 46 s). Prints the medians, each run, and the CPU time (user +
system of the command and every process it started), and writes bench/out/new_machine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from generate import build  # noqa: E402

SCRATCH = HERE / "out" / "new-machine"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), ISP_CONFIG=str(home / "no-config.toml"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), PYTHONPATH=str(ROOT),
               GIT_AUTHOR_NAME="Test Benchmark", GIT_AUTHOR_EMAIL="test.benchmark@example.invalid",
               GIT_COMMITTER_NAME="Test Benchmark", GIT_COMMITTER_EMAIL="test.benchmark@example.invalid")
    return env


def cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def settle(pause: float) -> bool:
    """Dirty pages written out, the page cache dropped where this process may, then a pause. True when the
    cache was dropped."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        dropped = True
    except OSError:
        dropped = False
    time.sleep(pause)
    return dropped


def timed(args: list[str], env: dict[str, str], mark: str | None = None) -> dict:
    """Seconds for the whole process, its CPU seconds (with every process it waited for), and (with `mark`)
    seconds until a stderr line holding it appeared."""
    with tempfile.TemporaryFile() as stdout:  # a file, not a pipe: stderr is read meanwhile
        cpu = cpu_of_children()
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        seen, err = None, []
        for line in iter(proc.stderr.readline, b""):
            err.append(line.decode("utf-8", "replace"))
            if mark and seen is None and mark in err[-1]:
                seen = time.perf_counter() - started
        code = proc.wait()
        elapsed = time.perf_counter() - started
        cpu = cpu_of_children() - cpu
        stdout.seek(0)
        out = stdout.read()[-4000:].decode("utf-8", "replace")
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args[:5])} failed ({code}): {''.join(err)[-500:]}")
    return {"seconds": elapsed, "cpu": cpu, "mark": seen, "said": out + "".join(err), "load": load()}


def new_machine(isp: list[str], url: str, env: dict[str, str], where: Path, pause: float) -> dict:
    """`isp init --clone` and then its first `isp verify`, each after the machine is settled; removed after."""
    settle(pause)
    clone = timed([*isp, "init", "--clone", url, str(where)], env, mark="reading the records once")
    settle(pause)
    check = timed([*isp, "--records", str(where), "verify"], env)
    shutil.rmtree(where)
    return {"clone": clone, "verify": check, "verified": "verified: no problems found" in check["said"]}


def cell(values: list[float | None]) -> str:
    """The median, and each run in brackets."""
    if any(v is None for v in values) or not values:
        return "n/a"
    runs = ", ".join(f"{v:.1f}" for v in values)
    return f"{statistics.median(values):.1f}" + (f" ({runs})" if len(values) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (each: plain git clone, isp, earlier isp)")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds of rest before each timed command")
    parser.add_argument("--no-before", action="store_true", help="skip isp's old path on the plain clone")
    parser.add_argument("--baseline-code", type=Path, metavar="DIR",
                        help="a folder holding an earlier isp_tui/ and templates/ (e.g. `git archive COMMIT isp_tui "
                             "templates | tar -x -C DIR`): its `isp init --clone` and first verify are timed too, "
                             "in the same rounds, for a ratio")
    args = parser.parse_args()
    source = build(args.size)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    home = SCRATCH / "home"
    home.mkdir(parents=True)
    env = env_for(home)
    server = SCRATCH / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(server)], check=True, env=env)
    url = server.as_uri()
    isp = [sys.executable, "-m", "isp_tui"]
    codes = {"this": env}
    if args.baseline_code:
        codes["earlier"] = dict(env, PYTHONPATH=str(args.baseline_code.resolve()))
    for code in (ROOT, *([args.baseline_code] if args.baseline_code else [])):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "isp_tui")], check=True)
    result: dict = {"size": args.size, "load_start": load(), "cache_dropped": settle(0), "rounds": []}
    for round_ in range(1, args.repeat + 1):
        print(f"[{args.size}] round {round_}: plain git clone", file=sys.stderr)
        settle(args.pause)
        runs = {"git_clone": timed(["git", "clone", "-q", url, str(SCRATCH / "plain")], env)}
        shutil.rmtree(SCRATCH / "plain")
        for name, code_env in codes.items():
            print(f"[{args.size}] round {round_}: {name} code, isp init --clone and its first verify", file=sys.stderr)
            runs[name] = new_machine(isp, url, code_env, SCRATCH / f"machine-{name}", args.pause)
        result["rounds"].append(runs)
    if not args.no_before:
        print(f"[{args.size}] before: index from nothing, then verify reading every record, on a plain clone",
              file=sys.stderr)
        plain = SCRATCH / "plain"
        subprocess.run(["git", "clone", "-q", url, str(plain)], check=True, env=env)
        settle(args.pause)
        result["before_index"] = timed([*isp, "--records", str(plain), "list", "--json"], env)
        settle(args.pause)
        result["before_verify"] = timed([*isp, "--records", str(plain), "verify"], env)
    result["load_end"] = load()
    for runs in result["rounds"]:  # the texts are long; the JSON keeps the figures
        for run in (runs["git_clone"], *(runs[name][part] for name in codes for part in ("clone", "verify"))):
            run.pop("said")
    for key in ("before_index", "before_verify"):
        result.get(key, {}).pop("said", None)
    (HERE / "out" / "new_machine.json").write_text(json.dumps(result, indent=1))

    rounds = result["rounds"]
    plain = [r["git_clone"]["seconds"] for r in rounds]
    rows = [("baseline: plain `git clone`", cell(plain), cell([r["git_clone"]["cpu"] for r in rounds]))]
    for name in codes:
        who = "" if name == "this" else "the earlier code: "
        whole = [r[name]["clone"]["seconds"] for r in rounds]
        fetch = [r[name]["clone"]["mark"] for r in rounds]
        rows += [
            (f"{who}`isp init --clone`: the fetch (the server's commits here)", cell(fetch), ""),
            (f"{who}`isp init --clone`: whole command, **browsable** when it returns", cell(whole),
             cell([r[name]["clone"]["cpu"] for r in rounds])),
            (f"{who}`isp init --clone`, beyond the plain `git clone` of its round",
             cell([w - g for w, g in zip(whole, plain)]), ""),
            (f"{who}first `isp verify` after it" + ("" if all(r[name]["verified"] for r in rounds) else " (FAILED)"),
             cell([r[name]["verify"]["seconds"] for r in rounds]), cell([r[name]["verify"]["cpu"] for r in rounds]))]
    if not args.no_before:
        rows += [("before: derived index from nothing (`isp list --json`, on a plain clone)",
                  cell([result["before_index"]["seconds"]]), cell([result["before_index"]["cpu"]])),
                 ("before: first `isp verify`, reading every record again", cell([result["before_verify"]["seconds"]]),
                  cell([result["before_verify"]["cpu"]]))]
    print(f"{args.size:,} records; median of {args.repeat} rounds, each run in brackets; page cache dropped before "
          f"each command: {'yes' if result['cache_dropped'] else 'no (not root)'}; load average "
          f"{result['load_start']} at the start, {result['load_end']} at the end\n")
    print(f"| {args.size:,} records | seconds | CPU seconds (user + system) |\n|---|---|---|")
    for label, value, cpu in rows:
        print(f"| {label} | {value} | {cpu} |")
    shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
