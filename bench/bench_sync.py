"""Sync timings on this machine: `python bench/bench_sync.py [N]` (default 300 records a machine).

Two machines share N records through a bare repository over file://, then each makes N/2 new
records and amends N/10 shared ones apart; prints seconds for the first push, the merge (with
amendments replayed), status, and destroying one record from the whole history."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factory import final_record  # noqa: E402

from isp_tui import retention, sync  # noqa: E402
from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.identity import Identity  # noqa: E402
from isp_tui.store import Store  # noqa: E402

ME = Identity("Test Bench", "test.bench@example.invalid")


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    print(f"{label:<58} {time.perf_counter() - start:7.2f} s")
    return value


def amend(store: Store, guidance, rid: str, text: str) -> None:
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in store.get(rid, guidance).data.items()}
    data["decision"]["reasons"] = text
    store.amend(rid, data, "bench amendment", guidance, ME)


def main(n: int) -> None:
    guidance = load_guidance()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update(GIT_CONFIG_GLOBAL=str(tmp / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                          ISP_CONFIG=str(tmp / "none.toml"))
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp / "r.git")], check=True)
        url = (tmp / "r.git").as_uri()
        a = Store(tmp / "a")
        ids = timed(f"save {n} records (store.save, for scale)",
                    lambda: [a.save(final_record(guidance), guidance, ME).id for _ in range(n)])
        sync.add_remote(a, url)
        timed(f"first sync: push {n} records", lambda: sync.sync(a))
        b, _ = timed(f"clone: {n} records in", lambda: sync.clone(url, tmp / "b"))
        for store in (a, b):
            for _ in range(n // 2):
                store.save(final_record(guidance), guidance, ME)
            for rid in ids[: n // 10]:
                amend(store, guidance, rid, f"bench: amended on {store.root.name}")
        timed(f"sync a: push {n // 2} new, {n // 10} amended", lambda: sync.sync(a))
        result = timed(f"sync b: merge {n // 2} in / {n // 10} amended on both sides", lambda: sync.sync(b, identity=ME))
        assert len(result.merged) == n // 10, result.merged
        timed("status (b)", lambda: sync.status(b))
        timed(f"destroy one record from the history ({n * 2 + n // 5 + 2}+ commits)",
              lambda: retention.destroy(b, ids[-1], "bench", ME))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
