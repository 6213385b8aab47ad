"""Sync timings on this machine.

`python bench/bench_sync.py [N]` (default 300 records a machine): two machines share N records through a
bare repository over file://, then each makes N/2 new records and amends N/10 shared ones apart; prints
seconds for the first push, the merge (with amendments replayed), status, and destroying one record from
the whole history.

`python bench/bench_sync.py --restore [N ...]` (default 1000 10000): recovery after a force-push, on a
server holding N records (bench/generate.py's repository, cached under bench/out/). A machine cloned from
it saves N/100 records and syncs them (the baseline: an ordinary sync pushing that many); another machine
that never fetched them force-pushes its own record, so the server loses them. Then the machine's `isp
sync` is refused with the restore advice, and `isp sync --restore` merges and pushes (never forced); prints
both, `isp status` and `isp verify` after it, and checks the server holds every record. Then the verify
false alarm after concurrent finalisation: one draft finalised on two machines, synced both ways, and
`isp verify` on each (it passes, so its incremental baseline advances). The load average is beside each
figure."""

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
    print(f"{label:<66} {time.perf_counter() - start:7.2f} s  (load {os.getloadavg()[0]:.1f})", flush=True)
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


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def refused(store: Store) -> None:
    try:
        sync.sync(store, identity=ME)
    except sync.SyncError as exc:
        assert "isp sync --restore" in str(exc) and "init --clone" not in str(exc), exc
        return
    raise SystemExit("the sync after a force-push was not refused")


def restore(n: int) -> None:
    """A force-push loses N/100 records from a server of N; `isp sync --restore` puts them back."""
    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    from isp_tui import audit

    guidance = load_guidance()
    other = Identity("Test Bench Two", "test.bench.two@example.invalid")
    extra = max(10, n // 100)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update(GIT_CONFIG_GLOBAL=str(tmp / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                          ISP_CONFIG=str(tmp / "none.toml"))
        server = tmp / "server.git"
        subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(generate.build(n)), str(server)], check=True)
        url = server.as_uri()
        print(f"\n{n} records on the server ({git(server, 'rev-list', '--count', 'main').strip()} commits); "
              f"{os.cpu_count()} cores")
        a, _ = timed(f"isp init --clone: {n} records in (machine a)", lambda: sync.clone(url, tmp / "a"))
        rogue = Store(tmp / "rogue")
        git(rogue.root, "fetch", "-q", url, "main:refs/remotes/server/main")
        git(rogue.root, "reset", "-q", "--hard", "server/main")  # a machine that never sees a's new records
        mine = [a.save(final_record(guidance), guidance, ME).id for _ in range(extra)]
        timed(f"baseline: isp sync pushing {extra} new records", lambda: sync.sync(a, identity=ME))
        timed("baseline: isp sync with nothing to do", lambda: sync.sync(a, identity=ME))
        theirs = Store(rogue.root).save(final_record(guidance), guidance, other).id
        git(rogue.root, "push", "-q", "--force", url, "main:main")  # the server loses a's records
        timed("isp sync after the force-push (refused: the restore advice)", lambda: refused(a))
        state = timed("isp status (server lacks, last failed sync)", lambda: sync.status(a))
        assert state.server_lacks == sorted(mine) and state.restore_needed, state
        result = timed(f"isp sync --restore: {extra} records merged back and pushed",
                       lambda: sync.sync(a, identity=ME, restore=True))
        assert result.pushed and set(mine) <= set(result.sent), result
        on_server = {p.rsplit("/", 1)[1][:-5] for p in git(server, "ls-tree", "-r", "--name-only", "main").split()
                     if p.count("/") == 3}
        assert set(mine) | {theirs} <= on_server and len(on_server) == n + extra + 1, len(on_server)
        assert git(server, "rev-list", "--count", "main", f"^{result.merge_commit}").strip() == "0"
        assert not sync.status(a).server_lacks and sync.status(a).last_failure is None
        checked = timed("first isp verify on a (after the restore)", lambda: audit.verify(a, guidance))
        assert checked.ok, [f for c in checked.checks for f in c.failures]
        # the verify false alarm after concurrent finalisation (issue 14 item 1): gone
        b, _ = timed(f"isp init --clone: {n + extra + 1} records in (machine b)", lambda: sync.clone(url, tmp / "b"))
        draft = final_record(guidance, decision={"reasons": "Fictional draft."})
        rid = a.save(draft, guidance, ME, draft=True).id
        sync.sync(a, identity=ME)
        sync.sync(b, identity=other)
        for store in (a, b):
            assert audit.verify(store, guidance).ok
        a.save({**draft, "id": rid, "decision": {**draft["decision"], "reasons": "Fictional final from a."}},
               guidance, ME)
        time.sleep(1.1)
        b.save({**draft, "id": rid, "decision": {**draft["decision"], "reasons": "Fictional final from b."}},
               guidance, other)
        sync.sync(b, identity=other)
        merged = timed("isp sync a: one draft finalised on two machines", lambda: sync.sync(a, identity=ME))
        assert "final decided on two machines" in merged.summary(), merged.summary()
        sync.sync(b, identity=other)
        for store in (a, b):
            found = timed(f"isp verify on {store.root.name} after the two finals", lambda: audit.verify(store, guidance))
            assert found.ok, [f for c in found.checks for f in c.failures]
            again = timed(f"isp verify on {store.root.name} again (the baseline advanced)",
                          lambda: audit.verify(store, guidance))
            assert again.ok


if __name__ == "__main__":
    if sys.argv[1:2] == ["--restore"]:
        for size in [int(a) for a in sys.argv[2:]] or [1000, 10000]:
            restore(size)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
