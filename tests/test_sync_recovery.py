"""Recovery that never loses records (real clones of a local bare remote): after a server restored from
an older backup, or a force-push from another machine, a clone holding commits the server no longer has
says so and puts them back with `isp sync --restore` (a merge and an ordinary push, never forced); a
re-clone is advised only after a deliberate destroy, and only when no record here would be lost."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from isp_tui import audit, retention, sync
from isp_tui.record import record_path
from isp_tui.store import Store

from conftest import git
from factory import final_record
from test_sync import ME, OTHER, bare, create, machine  # noqa: F401  (bare is a fixture)


def ids_on(bare_path) -> set[str]:
    out = git(bare_path, "ls-tree", "-r", "--name-only", "main")
    return {p.rsplit("/", 1)[1][:-5] for p in out.split() if p.count("/") == 3}


def verified(store, guidance) -> bool:
    return audit.verify(store, guidance).ok


def test_a_server_restored_from_an_older_backup_gets_its_records_back(tmp_path, bare, guidance):
    a = machine(tmp_path, "a", str(bare))
    first = create(a, guidance)
    sync.sync(a)
    backup = tmp_path / "backup.git"
    shutil.copytree(bare, backup)
    later = create(a, guidance)
    sync.sync(a)  # reached the server after the backup
    shutil.rmtree(bare)
    shutil.copytree(backup, bare)  # the server restored from the older backup
    with pytest.raises(sync.SyncError) as refused:
        sync.sync(a)
    message = str(refused.value)
    assert "isp sync --restore" in message and "init --clone" not in message
    assert "1 record(s)" in message and "nothing here is lost" in message
    state = sync.status(a)
    assert state.server_lacks == [later] and state.restore_needed
    assert state.last_failure and "isp sync --restore" in state.last_failure["reason"]
    result = sync.sync(a, restore=True)
    assert result.pushed and later in result.sent
    assert ids_on(bare) == {first, later}
    state = sync.status(a)
    assert state.server_lacks == [] and not state.restore_needed and state.last_failure is None
    assert "push --force" not in git(a.root, "reflog", "show", "--all")
    assert verified(a, guidance)
    b = machine(tmp_path, "b", str(bare))
    assert {r.id for r in b.records()} == {first, later}


def test_a_force_push_from_another_machine_is_merged_back_never_forced(tmp_path, bare, guidance):
    a = machine(tmp_path, "a", str(bare))
    mine = create(a, guidance)
    sync.sync(a)
    rogue = Store(tmp_path / "rogue")
    theirs = create(rogue, guidance, OTHER)
    git(rogue.root, "push", "-q", "--force", str(bare), "main:main")  # another history replaced the server's
    with pytest.raises(sync.SyncError, match="isp sync --restore") as refused:
        sync.sync(a)
    assert "init --clone" not in str(refused.value)
    assert sync.status(a).server_lacks == [mine]
    server_before = git(bare, "rev-parse", "main").strip()
    result = sync.sync(a, restore=True)
    assert result.merge_commit and result.pushed
    assert server_before in git(bare, "rev-list", "main").split()  # a fast-forward on the server: nothing forced
    assert ids_on(bare) == {mine, theirs}
    assert verified(a, guidance)
    assert sync.sync(a).pushed  # and plain syncs work again


def test_after_a_destroy_a_reclone_is_advised_only_when_nothing_here_would_be_lost(tmp_path, bare, guidance):
    admin = machine(tmp_path, "admin", str(bare))
    keep = create(admin, guidance)
    gone = admin.save(final_record(guidance, retention={"retain_until": date(2020, 1, 1)}), guidance, ME).id
    sync.sync(admin)
    behind = machine(tmp_path, "behind", str(bare))  # nothing of its own
    busy = machine(tmp_path, "busy", str(bare))
    own = create(busy, guidance, OTHER)  # a record only this machine has
    done = retention.destroy(admin, gone, "Fictional: retention period over", ME)
    command = done.instructions[0].split(": ", 1)[1]

    subprocess.run(command.split(), check=True, capture_output=True)
    with pytest.raises(sync.SyncError) as idle:
        sync.sync(behind)
    assert "isp init --clone" in str(idle.value) and "Every record on this machine is on the server" in str(idle.value)
    with pytest.raises(sync.SyncError) as careful:
        sync.sync(busy)
    text = str(careful.value)
    assert "Do not start again yet" in text and own in text and "isp import" in text
    with pytest.raises(sync.SyncError, match="destroyed"):
        sync.sync(busy, restore=True)  # --restore never brings a destroyed record back
    assert busy.exists(own) and busy.exists(keep)
    assert not (tmp_path / "server" / record_path(gone)).exists()


def test_cli_sync_restore_and_status_show_the_failure(isp, tmp_path, bare, guidance):
    a = machine(tmp_path, "a", str(bare))
    create(a, guidance)
    sync.sync(a)
    backup = tmp_path / "backup.git"
    shutil.copytree(bare, backup)
    later = create(a, guidance)
    sync.sync(a)
    shutil.rmtree(bare)
    shutil.copytree(backup, bare)
    failed = isp("--records", str(a.root), "sync", check=1)
    assert "isp sync --restore" in failed.stderr
    text = isp("--records", str(a.root), "status").stdout
    assert "server lacks:" in text and "1 record(s)" in text and "last failed sync:" in text and "--restore" in text
    assert later in text
    isp("--records", str(a.root), "sync", "--restore")
    text = isp("--records", str(a.root), "status").stdout
    assert "server lacks:" not in text and "last failed sync:" not in text
