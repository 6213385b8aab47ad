"""Does the compiled TOML reader give exactly tomllib's answers? `python bench/toml_check.py REPO [REPO...]`

Reads every TOML blob in each repository's object store (every record file of every revision, and the
ruleset copies) through `git cat-file --batch-all-objects --batch`, parses each with the standard
library's `tomllib` and with isp_tui.tomlfile's reader (toml-rs when installed), and compares the results
value by value: equal, of the same Python type, and for date-times the same UTC offset (`==` alone
would call 07:00+01:00 and 06:00Z equal). Prints the counts and each reader's time per file."""

from __future__ import annotations

import math
import subprocess
import sys
import time
import tomllib
from datetime import datetime, time as dtime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from isp_tui import tomlfile  # noqa: E402
from isp_tui.gitlayer.env import git_env  # noqa: E402


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (datetime, dtime)):
        return a == b and a.utcoffset() == b.utcoffset() and type(a.tzinfo) is type(b.tzinfo) \
            and (a.tzinfo is None or a.replace(tzinfo=None) == b.replace(tzinfo=None))
    return a == b


def toml_blobs(repo: Path):
    # under isp's own git config: REPO may be anyone's records repository
    proc = subprocess.Popen(["git", "cat-file", "--batch-all-objects", "--batch", "--unordered"], cwd=repo,
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=git_env())
    out = proc.stdout
    while True:
        header = out.readline().split()
        if not header:
            break
        sha, kind, size = header[0], header[1], int(header[2])
        data = out.read(size)
        out.read(1)
        if kind == b"blob" and (data.startswith(b"schema") or b"\n[" in data[:4000]):
            yield sha.decode(), data
    proc.wait()


def main() -> None:
    print(f"reader under test: {tomlfile.READER}")
    for repo in map(Path, sys.argv[1:]):
        texts = [(sha, data.decode("utf-8")) for sha, data in toml_blobs(repo)]
        differ = 0
        for sha, text in texts:
            if not same(tomlfile.parse_toml(text.encode(), sha), tomllib.loads(text)):
                differ += 1
                print(f"  differs: blob {sha}")
        timings = {}
        for name, fn in (("tomllib", tomllib.loads), (tomlfile.READER, lambda t: tomlfile.parse_toml(t.encode(), None))):
            started = time.perf_counter()
            for _, text in texts:
                fn(text)
            timings[name] = (time.perf_counter() - started) / max(len(texts), 1) * 1000
        print(f"{repo}: {len(texts):,} TOML blobs, {differ} differ; ms per file: "
              + ", ".join(f"{k} {v:.3f}" for k, v in timings.items()))
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
