"""Auditors and admins agree: what sync and retention do to a repository passes verification, and a
hand-made imitation of it does not."""

from __future__ import annotations

from isp_tui import audit, retention, sync
from isp_tui.store import Store

from conftest import git
from test_sync import ME, OTHER, amend, bare, create, machine  # noqa: F401  (bare is a fixture)


def failed(store: Store, guidance, *, full: bool = False) -> list[str]:
    return [c.name for c in audit.verify(store, guidance, full=full).checks if not c.ok]


def test_merged_amendments_from_two_machines_verify(tmp_path, bare, guidance):
    a = machine(tmp_path, "a", str(bare))
    record_id = create(a, guidance)
    sync.sync(a, identity=ME)
    b = machine(tmp_path, "b", str(bare))
    amend(a, guidance, record_id, "fictional reasons from machine a")
    amend(b, guidance, record_id, "fictional reasons from machine b", who=OTHER)
    for store in (a, b, a):
        sync.sync(store, identity=ME)
    assert "Action: merge" in git(a.root, "log", "--format=%B")
    for store in (a, b):
        assert len(store.get(record_id).data["amendments"]) == 2
        assert failed(store, guidance) == [] and failed(store, guidance, full=True) == []


def test_a_destroyed_record_leaves_a_history_that_verifies(tmp_path, guidance):
    store = Store(tmp_path / "records")
    keep, gone = create(store, guidance), create(store, guidance)
    assert failed(store, guidance) == []  # leaves a verified head behind, which the rewrite removes
    retention.destroy(store, gone, "fictional: retention period over", ME)
    assert not store.exists(gone) and store.exists(keep)
    assert failed(store, guidance) == [] and failed(store, guidance, full=True) == []


def test_a_tombstone_made_by_hand_is_caught(tmp_path, guidance):
    store = Store(tmp_path / "records")
    record_id = create(store, guidance)
    tomb = store.root / "retention" / "destroyed" / f"{record_id}.toml"
    tomb.parent.mkdir(parents=True)
    tomb.write_text(f'id = "{record_id}"\n')
    git(store.root, "add", ".")
    git(store.root, "-c", "user.name=Test Intruder", "-c", "user.email=intruder@example.invalid",
        "commit", "-q", "-m", f"record {record_id}: destroy (destroyed)\n\nRecord-Id: {record_id}\nAction: final")
    assert "shape" in failed(store, guidance)
