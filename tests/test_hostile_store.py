"""Tracebacks and lock-outs on the store side: a read-only repository, `.git/isp/lock` as a symlink,
another branch or a detached HEAD, a killed sync's temporary index, and symbolic links under `.git/isp/`
or in the records tree (the derived index, a planted journal naming a linked record path)."""

from __future__ import annotations

import os
import subprocess
import sqlite3

import pytest

from conftest import git, write_toml
from factory import final_record

from isp_tui.record import record_path
from isp_tui.gitlayer.messages import commit_message
from isp_tui.store import Store
from isp_tui.errors import StoreError
from isp_tui.store.files import atomic_write


def one_line(result) -> None:
    assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 1, result.stderr


@pytest.fixture
def mount_point(tmp_path):
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_repository_reads_and_refuses_writes_in_one_line(mount_point, tmp_path, guidance, isp):
    isp.records = mount_point / "records"
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    done = subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only ({done.stderr.decode(errors='replace').strip()})")
    for args in (("list",), ("report", "reviews"), ("verify",), ("show", first), ("log", first), ("status",),
                 ("retention", "list")):
        result = isp(*args, check=None)
        one_line(result)
        assert result.returncode == 0, (args, result.stderr)
    assert first in isp("list", "--json").stdout
    change = write_toml(tmp_path / "m.toml", {"sharing": {"time_limits": "Fictional: 6 months"}})
    for args in (("record", str(write_toml(tmp_path / "c.toml", final_record(guidance)))),
                 ("amend", first, str(change), "--reason", "Fictional: agreed"),
                 ("remote", "add", (tmp_path / "bare.git").as_uri()),
                 ("retention", "destroy", first, "--reason", "Fictional: ended", "--yes"),
                 ("retention", "extend", first, "--until", "2099-01-01", "--reason", "Fictional: kept")):
        result = isp(*args, check=None)
        one_line(result)
        assert result.returncode != 0 and "written here (Read-only file system)" in result.stderr, (args, result.stderr)


def test_a_lock_that_is_a_symlink_is_replaced_with_a_message(isp, tmp_path, guidance):
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    lock = isp.records / ".git" / "isp" / "lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(lock)  # a loop: every open of it fails with ELOOP
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert "replaced .git/isp/lock, which was not a plain file" in result.stderr
    assert lock.is_file() and not lock.is_symlink()


@pytest.mark.parametrize("how", ["branch", "detached"])
def test_another_branch_or_a_detached_head_is_refused_and_nothing_is_committed(isp, tmp_path, guidance, how):
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    if how == "branch":
        git(isp.records, "switch", "-q", "-c", "elsewhere")
    else:
        git(isp.records, "switch", "-q", "--detach")
    before = git(isp.records, "rev-parse", "main")
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))), check=2)
    one_line(result)
    assert ("branch 'elsewhere' is checked out" if how == "branch" else "HEAD is detached") in result.stderr
    assert "git -C" in result.stderr and "switch main" in result.stderr
    assert git(isp.records, "rev-parse", "main") == before
    isp("show", first)  # reading still works
    git(isp.records, "switch", "-q", "main")
    isp("record", str(write_toml(tmp_path / "c.toml", final_record(guidance))))
    isp("verify")


def test_a_killed_syncs_temporary_indexes_are_removed_on_the_next_run(isp, tmp_path, guidance):
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    left = isp.records / ".git" / "isp" / "tmpab12_x9z"
    left.mkdir()
    (left / "index").write_bytes(b"DIRC partial index of a killed sync")
    isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert not left.exists()
    assert (isp.records / ".git" / "isp" / "tmp").is_dir() or True  # our own folder is kept


def test_the_derived_index_as_a_symlink_is_never_written_through(isp, tmp_path, guidance):
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance, subject={
        "name": "Test Child Linked", "reference": "TEST-0042", "date_of_birth": __import__("datetime").date(2015, 1, 1)}))))
    first = first.stdout.strip()
    elsewhere = tmp_path / "other.sqlite"
    sqlite3.connect(elsewhere).execute("CREATE TABLE t (x)").connection.commit()
    index = isp.records / ".git" / "isp" / "index.sqlite"
    for suffix in ("", "-wal", "-shm"):
        os.unlink(f"{index}{suffix}") if os.path.lexists(f"{index}{suffix}") else None
    index.symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    assert first in isp("list", "--json").stdout
    assert elsewhere.read_bytes() == before and b"TEST-0042" not in elsewhere.read_bytes()
    assert not index.is_symlink()


def test_a_planted_journal_naming_a_linked_record_path_commits_nothing_from_the_link(isp, tmp_path, guidance):
    """Recovery follows no link: a journal plus a record path that is a symlink to a secret key."""
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    store = Store(isp.records)
    record = store.get(first, guidance)
    secret = tmp_path / "id_fictional_key"
    secret.write_text("FICTIONAL SECRET KEY MATERIAL\n")
    target = isp.records / record_path(first)
    target.unlink()
    target.symlink_to(secret)
    atomic_write(store.work / "journal" / f"{first}.toml",
                 f'paths = ["{record.path}"]\nmessage = """{commit_message(record, "amend")}"""\n'
                 f'author = "Test Practitioner <test.practitioner@example.invalid>"\n'.encode(), store.work / "tmp")
    result = isp("list", check=None)
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))), check=None)
    assert "symbolic link" in result.stderr
    everything = subprocess.run(["git", "-C", str(isp.records), "log", "--all", "-p"], capture_output=True,
                                text=True).stdout
    assert "FICTIONAL SECRET KEY MATERIAL" not in everything
    assert not list((store.work / "journal").glob("*.toml"))


def test_a_link_planted_at_a_temporary_files_name_is_never_written_through(isp, tmp_path, guidance):
    """atomic_write's temporary name is predictable (<name>.<pid>.tmp): a repository handed over with links at
    those names under .git/isp/tmp must not have a reading command (verify's signature cache, written without
    the lock) overwrite the file a link points to."""
    from isp_tui.audit.signing import SIGNATURES, SignatureCache

    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    store = Store(isp.records)
    victim = tmp_path / "victim.txt"
    victim.write_text("the person's own file\n")
    tmp_dir = store.work / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    link = tmp_dir / f"{SIGNATURES}.{os.getpid()}.tmp"
    link.symlink_to(victim)
    SignatureCache(store).remember({"a" * 40: ("G", "test.practitioner@example.invalid")})
    assert victim.read_text() == "the person's own file\n"
    assert not (store.work / SIGNATURES).is_symlink() and "a" * 40 in (store.work / SIGNATURES).read_text()
    link.symlink_to(victim) if not os.path.lexists(link) else None
    atomic_write(store.work / "x", b"new", tmp_dir)
    assert victim.read_text() == "the person's own file\n" and (store.work / "x").read_bytes() == b"new"


def test_sync_never_writes_an_incoming_record_through_a_linked_folder(tmp_path, guidance):
    """A folder of the records tree replaced by a symbolic link (a repository handed over): the record a sync
    brings in is refused in one line, not written wherever the link points."""
    from isp_tui import sync

    from test_sync import bare_repo, create, machine

    url = bare_repo(tmp_path / "server" / "records.git").as_uri()
    a = machine(tmp_path, "a", url)
    b = machine(tmp_path, "b", url)
    incoming = create(a, guidance)
    sync.sync(a)
    folder = (b.root / record_path(incoming)).parent
    outside = tmp_path / "outside"
    outside.mkdir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(outside)
    with pytest.raises(StoreError, match="symbolic link") as refused:
        sync.sync(b)
    assert "nothing was merged and nothing is lost" in str(refused.value)  # refused before anything is touched
    assert list(outside.iterdir()) == [] and not (b.work / "moving").exists()
    folder.unlink()  # the link replaced by a plain folder: the next sync brings the record in
    sync.sync(b)
    assert (b.root / record_path(incoming)).is_file() and not folder.is_symlink()


def test_atomic_write_refuses_a_linked_folder_below_its_own(tmp_path):
    root = tmp_path / "r"
    (root / "tmp").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "2026").symlink_to(outside)
    with pytest.raises(StoreError, match="2026 is a symbolic link"):
        atomic_write(root / "2026" / "12" / "x.toml", b"data", root / "tmp")
    assert list(outside.iterdir()) == [] and list((root / "tmp").iterdir()) == []
    linked_root = tmp_path / "via-link"
    linked_root.symlink_to(root)  # a link above the repository (a home folder moved) is the person's own
    atomic_write(linked_root / "y.toml", b"data", linked_root / "tmp")
    assert (root / "y.toml").read_bytes() == b"data"


def test_verify_writes_nothing_through_a_linked_isp_folder(isp, tmp_path, guidance):
    """A reading command never writes through .git/isp as a link: verify keeps its caches only in a plain one."""
    import shutil

    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    work = isp.records / ".git" / "isp"
    shutil.rmtree(work)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work.symlink_to(elsewhere)
    assert not Store(isp.records).plain_work()
    isp("verify", check=None)
    assert sorted(p.name for p in elsewhere.iterdir()) == []
    work.unlink()
    assert Store(isp.records).plain_work()
    isp("verify")
    assert (work / "verified-head").is_file() and not work.is_symlink()
