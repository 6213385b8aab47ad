"""The git layer: git run under our config, objects and trees on GitPython, commit messages in one place."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest

from factory import final_record
from isp_tui.gitlayer import plumbing
from isp_tui.gitlayer.env import git_env, run_git
from isp_tui.gitlayer.messages import commit_message, destroy_message, merge_message, parse_message, \
    parse_subject, parse_trailer_lines
from isp_tui.gitlayer.plumbing import (FILE_MODE, TREE_MODE, ObjectWriter, blob_id, commit_bytes, committed, open_repo,
                                       read_objects, resolve, tree_bytes, tree_entries)
from isp_tui.record import Record, new_id
from isp_tui.store.files import atomic_write
from isp_tui.store.files import write_all


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "r"
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


def record(guidance, **overrides) -> Record:
    data = final_record(guidance, **overrides)
    data.update(schema=1, id=new_id(), status="final", ruleset={"id": "gdpr-2018", "version": "1", "sha256": "0" * 64})
    data["outcome"] = {"engine": "share"}
    return Record.from_dict(data, new=True)


# -- env ------------------------------------------------------------------------------------------

def test_git_runs_under_our_config_whatever_the_repository_says(repo):
    run_git(repo, "config", "core.hooksPath", "hooks-of-a-tampered-repository")
    assert run_git(repo, "config", "core.hooksPath").stdout.decode().strip() == os.devnull
    assert git_env()["GIT_TERMINAL_PROMPT"] == "0"


def test_run_git_raises_with_git_s_message_unless_told_not_to(repo):
    with pytest.raises(subprocess.CalledProcessError) as caught:
        run_git(repo, "rev-parse", "--verify", "refs/heads/none")
    assert caught.value.stderr
    assert run_git(repo, "rev-parse", "--verify", "-q", "refs/heads/none", check=False).returncode != 0


# -- messages -------------------------------------------------------------------------------------

def test_the_decision_and_the_engine_outcome_are_two_trailers(guidance):
    rec = record(guidance, decision={"recorded": "do-not-share"})
    message = commit_message(rec, "final")
    assert message.splitlines()[0] == f"record {rec.id}: final (do-not-share)"
    trailers = parse_message(message)
    assert (trailers.record_id, trailers.action, trailers.decision, trailers.engine_outcome, trailers.ruleset) == \
        (rec.id, "final", "do-not-share", "share", "gdpr-2018@1")
    assert trailers["Outcome"] == "do-not-share" and trailers.get("Engine-Outcome") == "share"  # the text on disk
    assert not trailers.recovered and parse_message(commit_message(rec, "final", recovered=True)).recovered
    assert parse_subject(message.splitlines()[0]) == (rec.id, "final", "do-not-share")


def test_a_draft_s_subject_carries_the_engine_s_outcome(guidance):
    data = record(guidance).data
    data["status"] = "draft"
    assert parse_message(commit_message(Record(data), "draft")).decision == "share"


def test_messages_without_a_trailer_block_have_no_trailers():
    assert not parse_message("just a subject")
    assert not parse_message("subject\n\nsome prose: not a trailer block\nand more")
    assert parse_trailer_lines("Record-Id: X\nAction: final").action == "final"
    assert not parse_trailer_lines("Record-Id: X\nnot a trailer")


def test_sync_s_messages_are_read_back():
    merged = parse_message(merge_message("origin", ["A", "B"], ["C"]))
    assert merged.action == "merge" and merged.merged_records == ("A", "B") and merged.drafts_kept == ("C",)
    rid = new_id()
    assert parse_message(destroy_message(rid)).record_id == rid


# -- plumbing -------------------------------------------------------------------------------------

def test_objects_written_are_git_s_own(repo):
    writer = ObjectWriter(repo / ".git")
    data = b"a = 1\n"
    sha = writer.write("blob", data)
    assert sha == blob_id(data) == run_git(repo, "hash-object", "--stdin", input=data).stdout.decode().strip()
    assert run_git(repo, "cat-file", "blob", sha).stdout == data
    assert writer.write("blob", data) == sha  # already there: nothing written
    assert writer.stray_temporaries() == []


def test_trees_and_commits_round_trip_through_git(repo):
    writer = ObjectWriter(repo / ".git")
    blob = bytes.fromhex(writer.write("blob", b"x\n"))
    inner = writer.write("tree", tree_bytes({b"f.toml": (FILE_MODE, blob)}))
    entries = {b"a": (FILE_MODE, blob), b"a.b": (FILE_MODE, blob), b"a-dir": (TREE_MODE, bytes.fromhex(inner)),
               b"2026": (TREE_MODE, bytes.fromhex(inner))}
    root = writer.write("tree", tree_bytes(entries))
    run_git(repo, "fsck", "--strict", "--no-dangling")  # git's order and format, or fsck says so
    assert tree_entries(run_git(repo, "cat-file", "tree", root).stdout) == entries
    commit = writer.write("commit", commit_bytes(root, [], "test: a commit\n", "Test Person", "test@example.invalid",
                                                 "1764000000 +0000"))
    run_git(repo, "update-ref", "refs/heads/main", commit)
    gp = open_repo(repo)
    assert resolve(gp, "refs/heads/main") == commit and resolve(gp, "refs/heads/main:missing") is None
    [head, tree, gone] = read_objects(gp, ["refs/heads/main", "refs/heads/main:2026", "refs/heads/main:nope"])
    assert head[:2] == (commit, "commit") and tree == (inner, "tree", tree_bytes({b"f.toml": (FILE_MODE, blob)}))
    assert gone is None
    gp.close()


# -- every write complete or failed -----------------------------------------------------------------

def test_committed_content_comes_from_the_file_only_when_it_holds_the_blob(repo, tmp_path, monkeypatch):
    """plumbing.committed: a file holding exactly its blob is read from the working tree; anything else
    (edited, missing, a link, a link on the way, a FIFO, too big, in a folder that is a file) is git's blob."""
    names = ["same", "edited", "missing", "link", "via/x", "fifo", "big", "file/x"]
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(b"test content of " + name.encode() + b"\n")
    (repo / "big").write_bytes(b"b" * 50)
    run_git(repo, "add", "-A")
    entries = [(name, run_git(repo, "rev-parse", f":{name}").stdout.decode().strip()) for name in names]
    expected = [run_git(repo, "cat-file", "blob", sha).stdout for _, sha in entries]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_bytes(expected[4])
    (repo / "edited").write_bytes(b"changed by hand\n")
    (repo / "missing").unlink()
    (repo / "link").unlink()
    (repo / "link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").write_bytes(expected[3])  # the same bytes, still never read through the link
    (repo / "via" / "x").unlink()
    (repo / "via").rmdir()
    (repo / "via").symlink_to(outside)
    (repo / "fifo").unlink()
    os.mkfifo(repo / "fifo")
    (repo / "file" / "x").unlink()
    (repo / "file").rmdir()
    (repo / "file").write_bytes(b"a file where a folder was\n")
    asked = []
    from_git = plumbing.blobs
    monkeypatch.setattr(plumbing, "blobs", lambda root, shas: asked.extend(shas) or from_git(root, shas))
    assert list(committed(repo, entries, limit=40)) == expected
    assert asked == [sha for _, sha in entries[1:]]  # only "same" was read from its file


def test_write_all_writes_what_a_short_write_left(tmp_path, monkeypatch):
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:3])))  # three bytes at a time
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    write_all(fd, b"0123456789")
    os.close(fd)
    assert (tmp_path / "f").read_bytes() == b"0123456789"


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.toml"
    target.write_bytes(b"old")

    def full(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        atomic_write(target, b"new", tmp_path / "tmp")
    assert target.read_bytes() == b"old" and list((tmp_path / "tmp").iterdir()) == []


def test_a_cat_file_cut_short_is_an_error_never_a_short_blob(repo, monkeypatch):
    """`git cat-file --batch` killed part way through an object: the reader raises, it never hands on the bytes
    it got as the whole file (a first sync would have written them as the record)."""
    import sys

    from isp_tui.errors import StoreError
    from isp_tui.gitlayer import plumbing

    script = "import sys; sys.stdin.read(); sys.stdout.write('%s blob 100\\n0123456789'); sys.stdout.flush()" % ("a" * 40)
    monkeypatch.setattr(plumbing, "start_git", lambda root, *args, **popen: subprocess.Popen(
        [sys.executable, "-c", script], **popen))
    with pytest.raises(StoreError, match="10 of 100 bytes"):
        list(plumbing.blobs(repo, ["a" * 40]))


def test_folders_are_opened_one_name_at_a_time_and_a_link_on_the_way_is_named_wherever_it_is_asked_from(tmp_path):
    root, outside = tmp_path / "records", tmp_path / "outside"
    (root / "2026").mkdir(parents=True)
    (outside / "01").mkdir(parents=True)
    (root / "2027").symlink_to(outside)
    with plumbing.Folders(root) as folders:
        depths = set()
        for asked in ("2027", "2027/01", "2027/01/02", "2027/01/02"):
            with pytest.raises(OSError) as refused:
                folders.fd(asked)
            assert refused.value.errno in (errno.ELOOP, errno.ENOTDIR) and refused.value.filename == "2027"
            depths.add(len(refused.traceback))
        assert len(depths) == 1, "the one error's traceback grew each time it was raised again"
        with pytest.raises(FileNotFoundError):
            folders.fd("2026/01")  # not made unless asked to
    with plumbing.Folders(root, make=True) as folders:
        made = folders.fd("2026/01/02")
        assert os.path.samefile(f"/proc/self/fd/{made}", root / "2026/01/02")
        assert (root / "2026/01/02").stat().st_mode & 0o777 == 0o700
        with pytest.raises(OSError):
            folders.fd("2027/01")
    assert not (outside / "01" / "02").exists() and sorted(os.listdir(outside / "01")) == []
