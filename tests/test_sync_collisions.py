"""Concurrent work on one draft on two machines (real clones of one remote): whatever sync does to resolve
it is something `isp verify` accepts, both versions stay in the record's history, and the practitioner
whose version was not kept is told, on their next sync and in `isp status`."""

from __future__ import annotations

import time

from isp_tui import audit, sync
from isp_tui.record import record_path

from conftest import git
from factory import final_record
from test_sync import ME, OTHER, bare, machine  # noqa: F401  (bare is a fixture)


def failed(store, guidance, *, full: bool = False) -> list[str]:
    result = audit.verify(store, guidance, full=full)
    return [f"{c.name}: {f['message']}" for c in result.checks for f in c.failures]


def shared_draft(tmp_path, bare, guidance):
    url = str(bare)
    a = machine(tmp_path, "a", url)
    draft = final_record(guidance, decision={"reasons": "Fictional draft v1."})
    rid = a.save(draft, guidance, ME, draft=True).id
    sync.sync(a, identity=ME)
    b = machine(tmp_path, "b", url)
    for store in (a, b):  # each machine has verified the shared draft: the incremental baseline is set
        assert failed(store, guidance) == []
    return a, b, draft, rid


def edit(draft: dict, rid: str, reasons: str) -> dict:
    return {**draft, "id": rid, "decision": {**draft["decision"], "reasons": reasons}}


def assert_all_verify(tmp_path, bare, guidance, *stores):
    fresh = machine(tmp_path, "fresh", str(bare))
    for store in (*stores, fresh):
        assert failed(store, guidance) == [], store.root.name
        assert failed(store, guidance, full=True) == [], store.root.name
        assert failed(store, guidance) == [], store.root.name  # and again, from the baseline just set


def test_finalised_on_one_machine_while_edited_on_another_verifies(tmp_path, bare, guidance):
    a, b, draft, rid = shared_draft(tmp_path, bare, guidance)
    a.save(edit(draft, rid, "Fictional final from A."), guidance, ME)
    b.save(edit(draft, rid, "Fictional draft edit from B."), guidance, OTHER, draft=True)
    for store in (a, b):
        assert failed(store, guidance) == []  # each machine verified its own work before syncing
    sync.sync(a, identity=ME)
    result = sync.sync(b, identity=OTHER)
    assert b.get(rid, guidance).is_final and b.get(rid, guidance).get("decision.reasons") == "Fictional final from A."
    assert "finalised on one machine while edited on another" in result.summary()
    assert any(rid in m and "not kept" in m for m in result.messages)  # B's edit was not kept: B is told
    trailers = git(b.root, "log", "-1", "--format=%(trailers:only,unfold)", result.merge_commit)
    assert f"Resolved: {rid} kept " in trailers
    sync.sync(a, identity=ME)
    assert [n["record"] for n in sync.status(b).not_kept] == [rid]
    assert sync.status(a).not_kept == []
    assert_all_verify(tmp_path, bare, guidance, a, b)
    # both versions stay in the record's history
    subjects = [r.subject for r in b.history(rid)]
    assert any(": final " in s for s in subjects) and sum(": draft " in s for s in subjects) == 2
    assert "Fictional draft edit from B." in "".join(
        git(b.root, "show", f"{r.commit}:{record_path(rid)}") for r in b.history(rid))


def test_finalised_on_two_machines_verifies_and_the_other_is_told(tmp_path, bare, guidance):
    a, b, draft, rid = shared_draft(tmp_path, bare, guidance)
    a.save(edit(draft, rid, "Fictional final from A."), guidance, ME)
    time.sleep(1.1)  # B finalises later: the later finalisation is kept
    b.save(edit(draft, rid, "Fictional final from B."), guidance, OTHER)
    for store in (a, b):
        assert failed(store, guidance) == []
    sync.sync(b, identity=OTHER)
    result = sync.sync(a, identity=ME)  # A merges: its own final is the one not kept
    assert "final decided on two machines" in result.summary()
    assert "draft edited on two machines" not in result.summary()
    assert any(rid in m and "not kept" in m for m in result.messages)
    later = sync.sync(b, identity=OTHER)  # B takes the merge: its final was kept, nothing to tell
    assert not any("not kept" in m for m in later.messages)
    assert [n["record"] for n in sync.status(a).not_kept] == [rid] and sync.status(b).not_kept == []
    for store in (a, b):
        assert store.get(rid, guidance).get("decision.reasons") == "Fictional final from B."
    assert_all_verify(tmp_path, bare, guidance, a, b)
    finals = [r for r in a.history(rid) if ": final " in r.subject]
    assert len(finals) == 2  # both finals stay in the record's history
    assert {git(a.root, "show", f"{r.commit}:{record_path(rid)}").count("Fictional final from") for r in finals} == {1}


def test_the_other_machine_told_on_its_next_sync(tmp_path, bare, guidance):
    a, b, draft, rid = shared_draft(tmp_path, bare, guidance)
    b.save(edit(draft, rid, "Fictional final from B."), guidance, OTHER)
    time.sleep(1.1)
    a.save(edit(draft, rid, "Fictional final from A."), guidance, ME)  # A's is later: kept
    sync.sync(a, identity=ME)
    sync.sync(b, identity=OTHER)  # B merges; B's own final not kept: told now
    result = sync.sync(a, identity=ME)  # A fast-forwards: its final was kept
    assert not any("not kept" in m for m in result.messages)
    assert [n["record"] for n in sync.status(b).not_kept] == [rid]
    assert_all_verify(tmp_path, bare, guidance, a, b)


def test_a_forged_resolved_trailer_does_not_launder_a_changed_final(tmp_path, bare, guidance):
    a, b, draft, rid = shared_draft(tmp_path, bare, guidance)
    a.save(edit(draft, rid, "Fictional final from A."), guidance, ME)
    path = a.root / record_path(rid)
    path.write_text(path.read_text().replace("Fictional final from A.", "Fictional changed by hand."))
    git(a.root, "add", "-A")
    git(a.root, "-c", "user.name=Test Intruder", "-c", "user.email=intruder@example.invalid", "commit", "-q", "-m",
        f"record {rid}: final (share)\n\nRecord-Id: {rid}\nAction: final\nResolved: {rid} kept 0 other 0")
    assert any(f.startswith(("finals", "shape")) for f in failed(a, guidance))


def test_isp_status_shows_a_version_not_kept_until_seen(tmp_path, bare, guidance, isp):
    a, b, draft, rid = shared_draft(tmp_path, bare, guidance)
    a.save(edit(draft, rid, "Fictional final from A."), guidance, ME)
    b.save(edit(draft, rid, "Fictional draft edit from B."), guidance, OTHER, draft=True)
    sync.sync(a, identity=ME)
    synced = isp("--records", str(b.root), "--as", str(OTHER), "sync")
    out = synced.stdout + synced.stderr
    text = isp("--records", str(b.root), "status").stdout
    assert "not kept:" in text and rid in text and "your edit of the draft" in text
    assert f"record {rid}: your edit of the draft" in out and "finalised on one machine while edited" in out
    assert isp.json("--records", str(b.root), "status")["not_kept"][0]["record"] == rid
    isp("--records", str(b.root), "status", "--seen")
    assert "not kept:" not in isp("--records", str(b.root), "status").stdout
