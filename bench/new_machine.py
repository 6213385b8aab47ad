"""A practitioner's new machine: `python bench/new_machine.py [--size 100000]`.

From a bare copy of the bench repository (bench/generate.py, cached in bench/out/), reached by file:// so
git sends a pack as a server would, it times in one run:
- baseline: plain `git clone` of the same URL;
- `isp init --clone URL`: the fetch (until isp says it starts reading the records), then the whole command:
  every file written and git's index told, while every record is read once, beside it, for the derived
  index and for verification (browsable when it returns);
- the first `isp verify` on the new machine;
- and, on the plain git clone, what isp did before the shared reading: the derived index built from
  nothing (`isp list --json`), then a first `isp verify` reading every record file again.
Prints a table (bench/README.md, "A new machine") and writes bench/out/new_machine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def timed(args: list[str], env: dict[str, str], mark: str | None = None) -> tuple[float, float | None, str]:
    """Seconds for the whole process, and (with `mark`) seconds until a stderr line holding it appeared."""
    with tempfile.TemporaryFile() as stdout:  # a file, not a pipe: stderr is read meanwhile
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        seen, err = None, []
        for line in iter(proc.stderr.readline, b""):
            err.append(line.decode("utf-8", "replace"))
            if mark and seen is None and mark in err[-1]:
                seen = time.perf_counter() - started
        code = proc.wait()
        elapsed = time.perf_counter() - started
        stdout.seek(0)
        out = stdout.read()[-4000:].decode("utf-8", "replace")
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args[:5])} failed ({code}): {''.join(err)[-500:]}")
    return elapsed, seen, out + "".join(err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--no-before", action="store_true", help="skip isp's old path on the plain clone")
    parser.add_argument("--baseline-code", type=Path, metavar="DIR",
                        help="a folder holding an earlier isp_tui/ and templates/ (e.g. `git archive COMMIT isp_tui "
                             "templates | tar -x -C DIR`): its `isp init --clone` and first verify are timed too, "
                             "in the same run, for a ratio")
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
    for code in (ROOT, *([args.baseline_code] if args.baseline_code else [])):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "isp_tui")], check=True)
    result: dict = {"size": args.size, "load_start": load()}
    print(f"[{args.size}] plain git clone", file=sys.stderr)
    result["git_clone"], _, _ = timed(["git", "clone", "-q", url, str(SCRATCH / "plain")], env)
    result["load_git_clone"] = load()
    print(f"[{args.size}] isp init --clone", file=sys.stderr)
    whole, cloned, said = timed([*isp, "init", "--clone", url, str(SCRATCH / "machine")], env, mark="reading the records once")
    result["isp_init_clone"], result["isp_clone_part"] = whole, cloned
    result["load_isp_init"] = load()
    print(f"[{args.size}] first isp verify", file=sys.stderr)
    result["verify_first"], _, said = timed([*isp, "--records", str(SCRATCH / "machine"), "verify"], env)
    result["verify_passed"] = "verified: no problems found" in said
    result["load_verify"] = load()
    if args.baseline_code:
        print(f"[{args.size}] the earlier code: isp init --clone, then its first verify", file=sys.stderr)
        earlier = dict(env, PYTHONPATH=str(args.baseline_code.resolve()))
        result["earlier_init_clone"], result["earlier_clone_part"], _ = timed(
            [*isp, "init", "--clone", url, str(SCRATCH / "earlier")], earlier, mark="reading the records once")
        result["load_earlier_init"] = load()
        result["earlier_verify"], _, said = timed([*isp, "--records", str(SCRATCH / "earlier"), "verify"], earlier)
        result["earlier_verify_passed"] = "verified: no problems found" in said
        result["load_earlier_verify"] = load()
    if not args.no_before:
        print(f"[{args.size}] before: index from nothing, then verify reading every record, on the plain clone",
              file=sys.stderr)
        plain = SCRATCH / "plain"
        result["before_index"], _, _ = timed([*isp, "--records", str(plain), "list", "--json"], env)
        result["before_verify"], _, said = timed([*isp, "--records", str(plain), "verify"], env)
        result["before_verify_passed"] = "verified: no problems found" in said
        result["load_before"] = load()
    (HERE / "out" / "new_machine.json").write_text(json.dumps(result, indent=1))
    s = lambda v: "n/a" if v is None else f"{v:.1f}"  # noqa: E731
    ratio = f" ({whole / result['git_clone']:.2f}x plain git)"
    rows = [("baseline: plain `git clone`", s(result["git_clone"]), result["load_git_clone"]),
            ("`isp init --clone`: the fetch (the server's commits here)", s(cloned), result["load_isp_init"]),
            ("`isp init --clone`: whole command: files, git's index, and beside them every record read once "
             "(**browsable**)", s(whole) + ratio, result["load_isp_init"]),
            ("first `isp verify` after it" + ("" if result["verify_passed"] else " (FAILED)"), s(result["verify_first"]),
             result["load_verify"])]
    if args.baseline_code:
        rows += [("the earlier code: `isp init --clone`, whole command", s(result["earlier_init_clone"]) +
                  f" ({result['earlier_init_clone'] / whole:.2f}x this code's)", result["load_earlier_init"]),
                 ("the earlier code: its fetch", s(result["earlier_clone_part"]), result["load_earlier_init"]),
                 ("the earlier code: first `isp verify`" + ("" if result["earlier_verify_passed"] else " (FAILED)"),
                  s(result["earlier_verify"]), result["load_earlier_verify"])]
    if not args.no_before:
        rows += [("before: derived index from nothing (`isp list --json`, on the plain clone)", s(result["before_index"]),
                  result["load_before"]),
                 ("before: first `isp verify`, reading every record again", s(result["before_verify"]), result["load_before"])]
    print(f"| {args.size:,} records | seconds | load average (1, 5, 15 min) after |\n|---|---|---|")
    for label, value, avg in rows:
        print(f"| {label} | {value} | {avg} |")
    shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
