"""Crashes: SIGKILL the real CLI mid-save and mid-amendment; nothing is lost, nothing is half-written.

The CI-sized run of tests/harness/crash.py (the full-size run and its figures are in the README,
"Reliability and security"), and the stale git locks a crash can leave, each recovered with a message.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "harness"))

from common import check_repository, isp_command, isp_env  # noqa: E402
from conftest import PRACTITIONER, git, write_toml  # noqa: E402
from crash import Harness  # noqa: E402
from factory import final_record  # noqa: E402

from isp_tui.dates import now  # noqa: E402
from isp_tui.record import Record, new_id, record_path  # noqa: E402
from isp_tui.gitlayer.messages import commit_message
from isp_tui.store.commit import STALE_GIT_LOCK
from isp_tui.store.files import atomic_write
from isp_tui.store import Store  # noqa: E402

CI_OPS = int(os.environ.get("ISP_CRASH_OPS", "30"))


def test_killed_saves_and_amendments_lose_nothing(tmp_path):
    harness = Harness(tmp_path / "records", tmp_path, seed=20261121, check_every=10)
    figures = harness.go(CI_OPS)  # raises on a half-written file, a lost change, a fsck error ...
    assert figures.corruptions == 0 and figures.half_written_found == 0
    assert figures.killed_mid_run >= CI_OPS // 2, "the kills must land while isp is running"
    assert figures.journal_left >= 1, "some kills must land inside the save's write window"
    assert figures.commits == sum(1 for op in harness.ops if op.returncode == 0) + figures.present_after_kill


@pytest.mark.parametrize("lock", ["index.lock", "HEAD.lock", "refs/heads/main.lock"])
def test_git_locks_left_by_a_killed_save_are_recovered_with_a_message(isp, tmp_path, guidance, lock):
    """A save killed inside git leaves its journal and git's lock: the next `isp` completes the save,
    removes the lock (ours: we hold the repository lock) and says so."""
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    store = Store(isp.records)
    record = store.get(first, guidance)
    amendment = {"id": new_id(), "at": now(), "by": PRACTITIONER, "reason": "Fictional: an amendment cut short",
                 "changes": [{"field": "decision.reasons", "before": record.get("decision.reasons"),
                              "after": "Fictional: changed"}]}
    changed = Record.from_dict(dict(record.data, decision={**record.data["decision"], "reasons": "Fictional: changed"},
                                    amendments=[amendment]))
    atomic_write(store.work / "journal" / f"{first}.toml",
                 f'paths = ["{changed.path}"]\nmessage = """{commit_message(changed, "amend")}"""\nauthor = "{PRACTITIONER}"\n'.encode(),
                 store.work / "tmp")
    atomic_write(isp.records / changed.path, changed.to_toml().encode(), store.work / "tmp")
    (isp.records / ".git" / lock).write_text("")
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert "isp: recovered: completed an interrupted save of record" in result.stderr
    assert f"removed a stale git lock .git/{lock}" in result.stderr
    assert "Recovered: true" in git(isp.records, "log", "-2", "--format=%B")
    assert "Fictional: changed" in git(isp.records, "show", f"HEAD~1:{changed.path}")
    check_repository(isp.records, guidance)


def test_a_git_lock_a_crashed_git_left_long_ago_is_removed_with_a_message(isp, tmp_path, guidance):
    """No journal: someone's own git command died holding index.lock. Once it is old it is taken as stale."""
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    lock = isp.records / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - STALE_GIT_LOCK - 5
    os.utime(lock, (old, old))
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert "removed a stale git lock .git/index.lock" in result.stderr
    assert not lock.exists()
    check_repository(isp.records, guidance)


def test_a_fresh_git_lock_is_waited_for_not_reported(isp, tmp_path, guidance):
    """A live git (a person's `git status`) holds index.lock for a moment: the save waits, no git error shows."""
    import subprocess

    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    lock = isp.records / ".git" / "index.lock"
    lock.write_text("")
    proc = subprocess.Popen(isp_command(isp.records, "record", str(write_toml(tmp_path / "b.toml", final_record(guidance)))),
                            env=isp_env(tmp_path / "home2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # not a timing assertion: only gives the save time to meet the lock
    lock.unlink()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "lock" not in err
    assert len(Store(isp.records).history(out.strip())) == 1
    check_repository(isp.records, guidance)


def test_an_interrupted_save_of_a_new_record_before_its_file_leaves_the_old_state(isp, tmp_path, guidance):
    """Killed after the journal, before the record file: nothing to complete, the journal is dropped."""
    store = Store(isp.records)
    record_id = "01JDB3M7Q2X8W5ZK4T9N6E1RVA"
    atomic_write(store.work / "journal" / f"{record_id}.toml",
                 f'paths = ["2024/11/21/{record_id}.toml"]\nmessage = "record {record_id}: final (share)"\nauthor = "{PRACTITIONER}"\n'.encode(),
                 store.work / "tmp")
    with Store(isp.records).lock():
        pass
    assert store.head() is None
    assert not list((store.work / "journal").glob("*.toml"))
    assert git(isp.records, "status", "--porcelain") == ""


def test_a_cut_short_journal_entry_is_dropped(isp, guidance):
    store = Store(isp.records)
    (store.work / "journal").mkdir(parents=True)
    (store.work / "journal" / "01JDB3M7Q2X8W5ZK4T9N6E1RVA.toml").write_bytes(b'paths = ["2024/11')
    with Store(isp.records).lock():
        pass
    assert not list((store.work / "journal").glob("*.toml"))


def test_a_temporary_copy_left_by_a_killed_write_is_removed(isp, tmp_path, guidance):
    """Killed inside atomic_write: `<id>.toml.<pid>.tmp` holds a whole record (personal data) that nothing
    else would ever delete. The next lock removes it once its process is gone; a live writer's is kept."""
    import subprocess

    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    store = Store(isp.records)
    gone = subprocess.Popen(["true"])
    gone.wait()
    stray = store.work / "tmp" / f"01JDB3M7Q2X8W5ZK4T9N6E1RVA.toml.{gone.pid}.tmp"
    live = store.work / "tmp" / f"01JDB3M7Q2X8W5ZK4T9N6E1RVB.toml.{os.getppid()}.tmp"
    for path in (stray, live):
        path.write_text('subject = { name = "Test Child Alpha" }\n')
    with store.lock():
        pass
    assert not stray.exists() and live.exists()
    live.unlink()


def test_a_half_written_git_object_left_by_a_killed_save_is_removed(isp, tmp_path, guidance):
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    store = Store(isp.records)
    folder = isp.records / ".git" / "objects" / "ab"
    folder.mkdir(exist_ok=True)
    (folder / "tmp_obj_Fict10").write_bytes(b"x\x9c")  # the start of a zlib stream
    atomic_write(store.work / "journal" / f"{first}.toml",
                 f'paths = ["{record_path(first)}"]\nmessage = "record {first}: final (share)"\nauthor = "{PRACTITIONER}"\n'.encode(),
                 store.work / "tmp")
    isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert not (folder / "tmp_obj_Fict10").exists()
    check_repository(isp.records, guidance)


def test_killed_destroys_are_completed_or_undone_and_the_tombstone_is_never_missing(tmp_path, guidance):
    """`isp retention destroy` killed at instants spread over its run (journal, tombstone commit, rewrite,
    gc): the next isp completes it (tombstone committed) or undoes it (nothing had changed), says so, and
    the record is never gone without its tombstone, nor its content left behind a tombstone."""
    import random
    import signal
    import subprocess

    from common import recover

    from isp_tui.identity import Identity

    repo = tmp_path / "records"
    store = Store(repo)
    ids = [store.save(final_record(guidance), guidance, Identity.parse(PRACTITIONER)).id for _ in range(6)]
    env, rng = isp_env(tmp_path / "home"), random.Random(20261201)
    journal = repo / ".git" / "isp" / "destroy.toml"
    told = []
    for n, record_id in enumerate(ids):
        proc = subprocess.Popen(isp_command(repo, "retention", "destroy", record_id, "--reason", "Fictional: ended",
                                            "--yes"), env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        while proc.poll() is None and not journal.exists():
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.05 * n))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        told += recover(repo)
        present = (repo / record_path(record_id)).is_file()
        tomb = (repo / "retention" / "destroyed" / f"{record_id}.toml").is_file()
        assert present != tomb, (record_id, present, tomb)
        assert not journal.exists()
        if tomb:
            assert not git(repo, "log", "--all", "--format=%H", "--", record_path(record_id)).strip()
        check_repository(repo, guidance)
    assert any("destroy" in t for t in told), told


def test_killed_amendments_on_a_nearly_full_disk_leave_nothing_half_written(tmp_path, guidance):
    """`isp amend` on a 3 MB tmpfs filled to within a few KB, killed at random instants: straight after each
    kill no file is half-written; the next isp (once space is freed) completes or drops it, and the
    repository checks whole (fsck, status, every record equal to the branch, one commit per change)."""
    import random
    import signal
    import subprocess

    from common import half_written
    from test_full_disk import fill

    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(disk)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        from isp_tui.identity import Identity

        repo = disk / "records"
        store = Store(repo)
        ids = [store.save(final_record(guidance), guidance, Identity.parse(PRACTITIONER)).id for _ in range(3)]
        env, rng = isp_env(tmp_path / "home"), random.Random(20261202)
        outcomes = {"saved": 0, "refused": 0, "killed": 0}
        for n in range(8):
            change = write_toml(tmp_path / f"m{n}.toml", {"sharing": {"time_limits": f"Fictional {n} " + "x" * 3000}})
            filler = fill(disk, rng.choice((8, 16, 24, 32, 40, 48)))
            proc = subprocess.Popen(isp_command(repo, "amend", rng.choice(ids), str(change), "--reason",
                                                f"Fictional: full disk {n}"), env=env, cwd=tmp_path,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
            try:
                proc.wait(timeout=rng.uniform(0.05, 2.0))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            err = proc.communicate()[1]
            assert "Traceback" not in err, err
            outcomes["killed" if proc.returncode == -signal.SIGKILL else "saved" if proc.returncode == 0 else "refused"] += 1
            if proc.returncode not in (0, -signal.SIGKILL):
                assert "nothing was saved" in err, err
            assert not half_written(repo, guidance)
            filler.unlink()
            check_repository(repo, guidance)
        assert outcomes["killed"] >= 1, outcomes
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
