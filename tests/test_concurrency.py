"""Concurrency: writers, a sync holding the store lock and a person running plain git, all at once.

The CI-sized run of tests/harness/concurrency.py; the full-size figures are in the README.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "harness"))

from concurrency import run  # noqa: E402

from isp_tui.store import Store  # noqa: E402


def test_parallel_writers_a_sync_and_an_auditor_lose_nothing(tmp_path):
    figures = run(tmp_path / "records", tmp_path, writers=3, ops=4, seed=20261121, hold_rounds=4, hold=0.4)
    # run() raises on any failed command, git lock error, lost or undone change, or a missing commit
    assert figures["succeeded"] == figures["commands"] == 12
    assert figures["commits"] == 3 + 12


def test_the_store_lock_is_a_real_inter_process_lock(tmp_path):
    """While another process holds the store's lock, this one cannot take it; once released, it can."""
    from filelock import FileLock, Timeout

    store = Store(tmp_path / "records")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from isp_tui.store import Store\n"
        f"s = Store({str(store.root)!r}, create=False)\n"
        "with s.lock():\n    print('held', flush=True); sys.stdin.readline()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    lock = FileLock(str(store.work / "lock"), timeout=0.2)
    try:
        lock.acquire()
        raise AssertionError("took the lock another process holds")
    except Timeout:
        pass
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(timeout=60) == 0
    with store.lock():
        pass


def test_an_amendment_based_on_a_stale_copy_is_refused_not_silently_undone(tmp_path, guidance):
    """A screen that edits the whole record (the TUI) passes what it opened: if someone amended it since,
    its save is refused instead of reverting their change."""
    from factory import final_record

    from isp_tui.errors import InputError
    from isp_tui.identity import Identity

    me, other = (Identity("Test Practitioner", "test.practitioner@example.invalid"),
                 Identity("Test Team Manager", "test.manager@example.invalid"))
    store = Store(tmp_path / "records")
    saved = store.save(final_record(guidance), guidance, me)
    opened = store.get(saved.id, guidance)
    store.amend(saved.id, {"sharing": {"time_limits": "Fictional: 6 months"}}, "Fictional: first", guidance, other,
                partial=True)
    mine = dict(opened.data, retention={"review_on": opened.get("retention.review_on").replace(year=2029)})
    import pytest

    with pytest.raises(InputError, match="was changed by someone else since you opened it"):
        store.amend(saved.id, mine, "Fictional: second", guidance, me, based_on=opened)
    assert store.get(saved.id, guidance).get("sharing.time_limits") == "Fictional: 6 months"
    assert len(store.history(saved.id)) == 2
