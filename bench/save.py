"""The save alone: `python bench/save.py [--sizes 1000,10000] [--repeat 15]`.

`Store.save` of a complete final record in a long-lived Store (as the app holds one), alternating with
the baseline (a 2.6 KB record file written and committed with plain `git add` + `git commit`, hooks off),
in a scratch copy of each cached repository (bench/generate.py). Also the first save of a fresh Store
(what a one-shot `isp record` pays: GitPython imported and its cat-file started). Run it with another
checkout first on PYTHONPATH to compare two versions of the store on the same repositories.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(1, str(HERE))

from factory import final_record  # noqa: E402
from generate import build  # noqa: E402

import isp_tui  # noqa: E402
from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.identity import Identity  # noqa: E402
from isp_tui.store import Store  # noqa: E402

AUTHOR = Identity("Test Benchmark", "test.benchmark@example.invalid")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    guidance = load_guidance()
    scratch = HERE / "out" / "scratch-save"
    home = scratch / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(HOME=str(home), ISP_CONFIG=str(home / "no-config.toml"), GIT_CONFIG_NOSYSTEM="1",
                      GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_AUTHOR_NAME=AUTHOR.name,
                      GIT_AUTHOR_EMAIL=AUTHOR.email, GIT_COMMITTER_NAME=AUTHOR.name, GIT_COMMITTER_EMAIL=AUTHOR.email)
    git = ["git", "-c", "core.hooksPath=/dev/null"]
    results = {"store": str(Path(isp_tui.__file__).parent)}
    for size in [int(s) for s in args.sizes.split(",")]:
        repo = scratch / f"records-{size}"
        if repo.exists():
            shutil.rmtree(repo)
        subprocess.run(["cp", "-a", str(build(size)), str(repo)], check=True)
        started = time.perf_counter()
        store = Store(repo)
        store.save(final_record(guidance), guidance, AUTHOR)
        first = time.perf_counter() - started
        blob = next(repo.glob("2025/*/*/*.toml")).read_bytes()
        saves, plain = [], []
        for n in range(args.repeat):
            data = final_record(guidance)
            started = time.perf_counter()
            store.save(data, guidance, AUTHOR)
            saves.append(time.perf_counter() - started)
            path = repo / "2026" / "11" / "01" / f"PLAIN{n:04d}.toml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
            started = time.perf_counter()
            subprocess.run([*git, "add", "--", str(path)], cwd=repo, check=True)
            subprocess.run([*git, "commit", "-q", "-m", "plain commit of one file"], cwd=repo, check=True)
            plain.append(time.perf_counter() - started)
        clean = store.git("status", "--porcelain").strip() == ""
        save, base = statistics.median(saves), statistics.median(plain)
        results[size] = {"first_save_ms": round(first * 1000, 1), "save_ms": round(save * 1000, 1),
                         "plain_ms": round(base * 1000, 1), "ratio": round(save / base, 2), "status_clean": clean}
        print(f"{size:>7,}: save {save * 1000:.1f} ms, plain git add + commit {base * 1000:.1f} ms, "
              f"ratio {save / base:.2f}x; first save of a fresh Store {first * 1000:.0f} ms; clean: {clean}",
              file=sys.stderr)
        shutil.rmtree(repo)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
