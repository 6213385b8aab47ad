"""A new machine's bulk reading and writing: one validation of each record shared by the index and verify,
the collector paused only while a bulk job runs, and many files written at once, each whole, never through
a symbolic link."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factory import final_record
from isp_tui.audit.verify_state import Facts, facts_of
from isp_tui.errors import InputError, StoreError
from isp_tui.index.parse import read
from isp_tui.index.workers import bulk_work
from isp_tui.record import Record, new_id
from isp_tui.audit.gitlog import head_files
from isp_tui.gitlayer.plumbing import blobs
from isp_tui.record.ids import RECORD_PATH
from isp_tui.store import Store
from isp_tui.store.files import write_many
from isp_tui.store.types import Problem

ROOT = Path(__file__).resolve().parents[2]


def test_checked_against_the_guidance_is_the_same_as_validated_with_it(guidance):
    data = final_record(guidance)
    data.update(schema=2, id=new_id(), status="final")
    with_guidance = Record.from_dict(data, guidance=guidance, new=True)
    plain = Record.from_dict(data, new=True)
    assert plain.against(guidance) == with_guidance
    bad = dict(data, sharing={**data["sharing"], "method": "carrier-pigeon"})
    Record.from_dict(bad, new=True)  # known to the schema, unknown to the guidance
    with pytest.raises(InputError) as against:
        Record.from_dict(bad, new=True).against(guidance, "x.toml")
    with pytest.raises(InputError) as whole:
        Record.from_dict(bad, "x.toml", guidance=guidance, new=True)
    assert str(against.value) == str(whole.value) and "carrier-pigeon" in str(whole.value)


def test_the_index_and_verify_read_a_record_once_and_agree_with_reading_it_twice(guidance, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(tmp_path / "records", 40, gc=False)  # committed by git fast-import: read from git, as a clone is
    files = {p: b for p, b in head_files(Store(tmp_path / "records")).items() if RECORD_PATH.match(p)}
    assert len(files) == 40
    for path, raw in zip(files, blobs(tmp_path / "records", list(files.values()))):
        item, tables, record = read(path, raw)
        assert record is not None and not isinstance(item, Problem)
        once = facts_of(path, raw, tables, guidance, record=record)
        assert isinstance(once, Facts) and once == facts_of(path, raw, None, guidance)
        refused = raw.replace(b"schema = ", b"status_of_mind = 1\nschema = ", 1)  # a key the schema refuses
        item, tables, record = read(path, refused)
        assert isinstance(item, Problem) and record is None
        assert facts_of(path, refused, tables, guidance, record=record) == facts_of(path, refused, None, guidance)
        assert "status_of_mind" in facts_of(path, refused, tables, guidance, record=record)


def test_the_collector_is_paused_only_while_a_bulk_job_runs():
    assert gc.isenabled()
    with bulk_work():
        assert not gc.isenabled()
        with bulk_work():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk_work():
        raise RuntimeError("a job that fails gives the collector back")
    assert gc.isenabled()


def test_many_files_are_written_whole_in_owner_only_folders(tmp_path):
    root, tmp = tmp_path / "records", tmp_path / "records" / ".git" / "isp" / "tmp"
    root.mkdir()
    files = [(f"2026/{m:02d}/TEST{n:04d}.toml", f"n = {n}\n".encode() * 50) for m in (1, 2) for n in range(300)]
    write_many(root, iter(files), tmp)
    for path, data in files:
        assert (root / path).read_bytes() == data
        assert (root / path).stat().st_mode & 0o777 == 0o600
    assert (root / "2026").stat().st_mode & 0o777 == 0o700 and not os.listdir(tmp)


def test_many_files_never_go_through_a_symbolic_link(tmp_path):
    root, outside = tmp_path / "records", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "2026").symlink_to(outside)
    with pytest.raises(StoreError, match="the folder 2026 is a symbolic link"):
        write_many(root, iter([("2026/01/TEST0001.toml", b"x = 1\n")]), tmp_path / "tmp")
    assert not any(outside.rglob("*")) and not os.listdir(tmp_path / "tmp")


def test_a_write_that_fails_leaves_no_half_file_and_no_scratch_file(tmp_path):
    root, tmp = tmp_path / "records", tmp_path / "tmp"
    root.mkdir()

    def files():
        yield "2026/01/TEST0001.toml", b"x = 1\n"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_many(root, files(), tmp)
    assert (root / "2026/01/TEST0001.toml").read_bytes() == b"x = 1\n" and not os.listdir(tmp)


def test_a_tree_of_very_many_folders_is_written_without_running_out_of_file_descriptors(tmp_path, monkeypatch):
    import isp_tui.store.files as files_module

    monkeypatch.setattr(files_module, "OPEN_FOLDERS", 3)
    root = tmp_path / "records"
    root.mkdir()
    files = [(f"rulesets/{n}/deep/x.toml", b"x = 1\n") for n in range(10)] + [("README.md", b"# test\n")]
    write_many(root, iter(files), tmp_path / "tmp")
    assert all((root / path).read_bytes() == data for path, data in files)


def test_the_history_read_in_small_pieces_is_the_history_read_whole(tmp_path, monkeypatch):
    """read_log parses commits as git writes them; cut anywhere (inside a separator, inside a character of
    several bytes), the commits are the same."""
    import subprocess as sp

    import isp_tui.audit.gitlog as gitlog

    root = tmp_path / "records"
    store = Store(root)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Tëst Äuthor ✓", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    for n in range(5):
        (root / "README.md").write_text(f"test {n}\n")
        sp.run(["git", "add", "-f", "README.md"], cwd=root, check=True, env=env)
        sp.run(["git", "commit", "-q", "-m", f"test ✓ commit {n}\n\nRecord-Id: X\x1e\x1f"], cwd=root, check=True,
               env=env)
    whole = gitlog.read_log(store)
    monkeypatch.setattr(gitlog, "LOG_CHUNK", 7)
    assert gitlog.read_log(store) == whole and len(whole) == 5
    assert whole[0].author == "Tëst Äuthor ✓" and whole[-1].changes[0].path == "README.md"


def test_a_verify_that_fails_part_way_leaves_no_git_fsck_running(tmp_path, guidance, monkeypatch):
    """git fsck runs beside verify's other checks; if one of them raises, fsck is stopped, not left behind."""
    from isp_tui.audit import verify

    verify_module = sys.modules["isp_tui.audit.verify"]  # the package's `verify` is the function

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(tmp_path / "records", 5, gc=False)
    store = Store(tmp_path / "records")
    started = []
    real_start = verify_module.start_git

    def slow_fsck(root, *args, **popen):  # a git fsck that would take 30 s
        proc = subprocess.Popen(["sleep", "30"], **popen) if args[0] == "fsck" else real_start(root, *args, **popen)
        started.append(proc)
        return proc

    def broken(*args, **kwargs):
        raise RuntimeError("a check that fails part way")

    monkeypatch.setattr(verify_module, "start_git", slow_fsck)
    monkeypatch.setattr(verify_module, "check_records", broken)
    with pytest.raises(RuntimeError):
        verify(store, guidance)
    assert started and all(proc.poll() is not None for proc in started)


def test_a_record_read_quickly_holds_only_plain_date_times(guidance):
    """A record's date-times are converted where they are validated; the tables kept as read hold the reader's
    own, which must be datetime.timezone as tomllib's are: whatever is read pickles (to a worker) and equals
    tomllib's reading, an amendment's before and after too."""
    import pickle
    import tomllib

    data = final_record(guidance)
    data.update(schema=2, id=new_id(), status="final")
    record = Record.from_dict(data, guidance=guidance, new=True)
    from datetime import datetime, timezone

    moment = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)
    record.data["created"] = record.data["decided"]["at"] = moment
    record.data["amendments"] = [{"id": new_id(), "at": moment, "by": "Test Practitioner", "reason": "Fictional test.",
                                  "changes": [{"field": "retention.review_on", "before": moment, "after": moment}]}]
    raw = record.to_toml().replace("+00:00", "+01:00").encode()  # an offset other than UTC, read as written
    again = Record.from_dict(Record.toml_tables(raw, "t.toml"), "t.toml")
    pickle.dumps(again.data)
    assert again.data == Record.from_dict(tomllib.loads(raw.decode()), "t.toml").data
    change = again.data["amendments"][0]["changes"][0]
    assert change["before"].utcoffset().total_seconds() == 3600 and type(change["before"].tzinfo).__module__ == "datetime"
    with pytest.raises(InputError) as refused:  # a date-time where an answer belongs: named by kind, no repr
        Record.from_dict(Record.toml_tables(raw.replace(b'consent = "', b'consent = 2026-11-21T09:30:00Z\nx = "', 1),
                                            "t.toml"), "t.toml", guidance=guidance)
    assert "toml_rs" not in str(refused.value) and "TOML parse error" not in str(refused.value)
