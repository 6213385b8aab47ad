"""A nearly full disk: a real 3 MB tmpfs holding the records repository, filled to within a few KB.

Every write of a record, a git object or a journal entry writes everything or fails: `isp record` and
`isp amend` either save entirely or say "nothing was saved" and leave nothing half-written (no tmp_obj_*,
no journal, no changed file, git fsck clean); reading commands give one line, never a traceback.
Skipped (with the reason) where tmpfs cannot be mounted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import git, write_toml
from factory import final_record

from isp_tui.record import record_path
from isp_tui.store import Store

FREE_KB = (0, 8, 16, 24, 32, 36, 40, 44, 48, 56)


@pytest.fixture
def disk(tmp_path):
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, free_kb: int) -> Path:
    """Fill the file system until about `free_kb` KB are free."""
    filler = disk / "filler"
    with filler.open("ab") as fh:
        while True:
            st = os.statvfs(disk)
            left = st.f_bavail * st.f_frsize - free_kb * 1024
            if left <= 0:
                break
            try:
                fh.write(b"\0" * min(left, 64 * 1024))
                fh.flush()
            except OSError:
                break
    return filler


def status(records: Path) -> str:
    """git status without refreshing the index (which needs space): GIT_OPTIONAL_LOCKS=0."""
    return subprocess.run(["git", "-C", str(records), "status", "--porcelain"], env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"),
                          capture_output=True, text=True, check=True).stdout


def state(records: Path) -> tuple[str, str]:
    return git(records, "rev-parse", "HEAD"), status(records)


def assert_clean(records: Path) -> None:
    assert not list((records / ".git" / "objects").glob("*/tmp_obj_*"))
    assert not list((records / ".git" / "objects").glob("obj*"))
    journal = records / ".git" / "isp" / "journal"
    assert not journal.is_dir() or not list(journal.iterdir())
    assert not (records / ".git" / "isp" / "tmp").is_dir() or not list((records / ".git" / "isp" / "tmp").iterdir())


@pytest.mark.parametrize("free_kb", FREE_KB)
def test_record_and_amend_on_a_nearly_full_disk_save_whole_or_nothing(disk, tmp_path, guidance, free_kb, isp):
    isp.records = disk / "records"
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    isp("list")  # the derived index exists, as it would
    long = "Fictional: " + "a long agreed limit " * 150  # about 3 KB: more than the disk has left
    change = write_toml(tmp_path / "m.toml", {"sharing": {"time_limits": long}})
    new = write_toml(tmp_path / "b.toml", final_record(guidance, decision={"reasons": long}))
    filler = fill(disk, free_kb)
    for args in (("record", str(new)), ("amend", first, str(change), "--reason", "Fictional: agreed")):
        before = state(isp.records)
        result = isp(*args, check=None)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 1, result.stderr
        if result.returncode == 0:
            saved = result.stdout.strip() if args[0] == "record" else first
            text = (isp.records / record_path(saved)).read_text()
            assert long in text and text == git(isp.records, "show", f"HEAD:{record_path(saved)}")
        else:
            assert "nothing was saved" in result.stderr, result.stderr
            assert state(isp.records) == before
        assert_clean(isp.records)
        assert subprocess.run(["git", "-C", str(isp.records), "fsck", "--strict", "--no-dangling"],
                              capture_output=True).returncode == 0
    for args in (("list",), ("report", "reviews"), ("verify",), ("status",), ("show", first)):
        result = isp(*args, check=None)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 1, (args, result.stderr)
    filler.unlink()
    isp("verify")
    assert git(isp.records, "status", "--porcelain") == ""
    Store(isp.records).get(first, guidance)


def test_a_short_write_of_a_git_object_fails_whole_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    """os.write may take fewer bytes than it was given: gitdb's loose object writer (what the store writes
    objects with) raises on a short write and removes its temporary file, so an object is whole or absent."""
    import gitdb.stream

    from isp_tui.gitlayer.plumbing import ObjectWriter

    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    writer = ObjectWriter(tmp_path / "r" / ".git")
    monkeypatch.setattr(gitdb.stream, "write", lambda fd, data: os.write(fd, data[: max(1, len(data) // 2)]))
    with pytest.raises(OSError):
        writer.write("blob", os.urandom(20000))
    assert writer.stray_temporaries() == []
    assert not [p for p in (tmp_path / "r" / ".git" / "objects").rglob("*") if p.is_file()]
