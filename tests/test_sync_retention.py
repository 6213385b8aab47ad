"""Retention (000 6.7.1; 002 "Record"): list what is past its date, extend with a reason, or destroy:
the record's content removed from every commit, a tombstone left, every other copy told what to do."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from isp_tui import retention, sync
from isp_tui.errors import InputError
from isp_tui.record import record_path
from isp_tui.identity import Identity

from conftest import PRACTITIONER, git, write_toml
from factory import final_record
from test_sync import amend, assert_healthy, machine
from test_sync import bare  # noqa: F401  (a fixture)

ME = Identity.parse(PRACTITIONER)
ADMIN = Identity("Test Records Admin", "test.admin@example.invalid")
SECRET = "Test Child Destroyed Zulu"


def past(guidance, name: str = "Test Child Alpha"):
    return final_record(guidance, subject={"name": name}, retention={"retain_until": date(2020, 1, 1)})


def test_list_and_extend(tmp_path, guidance):
    from isp_tui.store import Store

    store = Store(tmp_path / "records")
    old = store.save(past(guidance), guidance, ME).id
    store.save(final_record(guidance), guidance, ME)  # review in 2027: not due
    due = retention.retention_due(store, date(2026, 11, 21))
    assert [(d.id, d.because) for d in due] == [(old, "retention")]
    with pytest.raises(InputError, match="not in the future"):
        retention.extend(store, old, date(2021, 1, 1), "Fictional: still needed", guidance, ADMIN)
    saved = retention.extend(store, old, date(2030, 1, 1), "Fictional: the test case is still open", guidance, ADMIN)
    amendment = saved.record.data["amendments"][-1]
    assert amendment["by"] == str(ADMIN) and amendment["reason"] == "Fictional: the test case is still open"
    assert {c["field"] for c in amendment["changes"]} == {"retention.retain_until", "retention.review_on"}
    assert retention.retention_due(store, date(2026, 11, 21)) == []


def test_destroy_removes_the_content_from_every_commit(tmp_path, bare, guidance):  # noqa: F811
    url = bare.as_uri()
    admin = machine(tmp_path, "admin", url)
    before = admin.save(final_record(guidance), guidance, ME).commit  # made before: its commit is not rewritten
    gone = admin.save(past(guidance, SECRET), guidance, ME).id
    kept = admin.save(final_record(guidance), guidance, ME).id
    amend(admin, guidance, gone, "Fictional amendment before destruction.")
    sync.sync(admin)
    other = machine(tmp_path, "other", url)
    path = record_path(gone)
    blobs = {line.split()[3] for line in git(admin.root, "log", "--all", "--raw", "--no-abbrev", "--format=",
                                              "--", path).splitlines()}

    autosave = admin.work / "autosave" / "01JDB3M7Q2X8W5ZK4T9N6E1RVA.toml"  # the app's autosave of an edit of it
    autosave.parent.mkdir()
    autosave.write_text(f'id = "{gone}"\n[subject]\nname = "{SECRET}"\n')
    git(admin.root, "-c", "user.name=Test Auditor", "-c", "user.email=test.auditor@example.invalid",
        "tag", "-a", "-m", "fictional audit point", "audit-point")  # a tag holding the content is rewritten too

    done = retention.destroy(admin, gone, "Fictional: retention period over, reviewed by the test panel", ADMIN)

    assert SECRET not in git(admin.root, "log", "--all", "-p")
    assert not autosave.exists()
    assert git(admin.root, "log", "--all", "--format=%H", "--", path) == ""
    for blob in blobs:
        assert subprocess.run(["git", "cat-file", "-e", blob], cwd=admin.root).returncode != 0
    assert done.versions_removed == len(blobs) == 2
    tomb = (admin.root / done.tombstone).read_text()
    assert gone in tomb and str(ADMIN) in tomb and "retention period over" in tomb and SECRET not in tomb
    assert git(admin.root, "log", "-1", "--format=%(trailers:only,unfold)").count(f"Record-Id: {gone}") == 1
    # the audit trail stays: the commits that made and amended it are still there, now without its content
    assert len(git(admin.root, "log", "--format=%H", f"--grep=Record-Id: {gone}").split()) == 3
    assert admin.get(kept, guidance).id == kept and not admin.exists(gone)
    assert_healthy(admin)
    assert any("--force-with-lease" in line for line in done.instructions)
    assert git(admin.root, "tag").split() == ["audit-point"]
    assert before in git(admin.root, "rev-list", "main").split()
    later = admin.save(final_record(guidance), guidance, ME).id  # the same store keeps working after the gc

    # until the remote has the rewritten history, this machine refuses to fetch the old one back
    with pytest.raises(sync.SyncError, match="push the rewritten history first"):
        sync.sync(admin)
    command = done.instructions[0].split(": ", 1)[1]
    subprocess.run(command.split(), check=True, capture_output=True)
    git(bare, "reflog", "expire", "--expire=now", "--all")
    git(bare, "gc", "-q", "--prune=now")
    assert SECRET not in git(bare, "log", "--all", "-p")
    sync.sync(admin)  # in step again

    # a machine cloned before the destroy refuses to merge its old history back in, and loses nothing
    with pytest.raises(sync.SyncError, match="destroyed"):
        sync.sync(other)
    assert other.exists(gone) and other.exists(kept)
    fresh = machine(tmp_path, "fresh", url)
    assert fresh.exists(kept) and fresh.exists(later) and not fresh.exists(gone) and (fresh.root / done.tombstone).is_file()
    assert SECRET not in git(fresh.root, "log", "--all", "-p")


def test_cli_retention(isp, tmp_path, guidance):
    rid = isp("record", str(write_toml(tmp_path / "r.toml", past(guidance, SECRET)))).stdout.strip()
    listed = isp.json("retention", "list")
    assert [row["id"] for row in listed] == [rid] and listed[0]["because"] == "retention"
    assert rid in isp("retention", "list").stdout
    bad = isp("retention", "extend", rid, "--until", "next year", "--reason", "x", check=2)
    assert "--until" in bad.stderr
    refused = isp("retention", "destroy", rid, "--reason", "Fictional: period over", check=2)
    assert "--yes" in refused.stderr and isp.records.joinpath(record_path(rid)).is_file()
    out = isp("retention", "destroy", rid, "--reason", "Fictional: period over", "--yes").stdout
    assert f"destroyed record {rid}" in out and "isp init --clone" in out
    assert SECRET not in git(isp.records, "log", "--all", "-p")
    assert isp.json("retention", "list") == []
