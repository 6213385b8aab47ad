"""`isp import PATH...`: records from an old copy (after a destroy, an old clone) brought across as they
were: ids, who decided and amended them, and when, kept; each commit says it was brought across; and the
repository verifies."""

from __future__ import annotations

import time

from isp_tui import audit
from isp_tui.record import record_path
from isp_tui.store import Store

from conftest import git
from factory import final_record
from test_sync import ME, OTHER, amend, create


def test_import_keeps_ids_authors_and_dates_and_verifies(isp, tmp_path, guidance):
    old = Store(tmp_path / "old")
    first = create(old, guidance)
    amend(old, guidance, first, "Fictional: reasons clarified before the destroy.", OTHER)
    draft_id = old.save(final_record(guidance), guidance, ME, draft=True).id
    before = {rid: old.get(rid, guidance).data for rid in (first, draft_id)}
    time.sleep(1.1)  # anything recomputed would carry a later time
    isp("init")
    out = isp("import", str(old.root / record_path(first)), str(old.root)).stdout
    assert f"brought across {first} (final)" in out and f"brought across {draft_id} (draft)" in out
    assert f"already here: {first}" in out
    new = Store(isp.records)
    for rid, data in before.items():
        assert new.get(rid, guidance).data == data  # ids, decided.by/at, created and amendments as they were
    trailers = git(isp.records, "log", "-1", "--format=%(trailers:only,unfold)", "--", record_path(first))
    assert "Brought-Across: 1 amendment(s)" in trailers and "Action: final" in trailers
    result = audit.verify(new, guidance)
    assert result.ok, [f for c in result.checks for f in c.failures]
    assert audit.verify(new, guidance, full=True).ok
    # bringing across onto a record that is here with other content is refused
    amend(old, guidance, first, "Fictional: a later change in the old copy.", OTHER)
    refused = isp("import", str(old.root / record_path(first)), check=2)
    assert "here already with other content" in refused.stderr


def test_a_hand_made_brought_across_commit_onto_an_existing_record_fails_verify(tmp_path, guidance):
    store = Store(tmp_path / "records")
    rid = create(store, guidance)
    path = store.root / record_path(rid)
    path.write_text(path.read_text().replace("Fictional test", "Fictional changed"))
    decision = git(store.root, "log", "-1", "--format=%(trailers:key=Outcome,valueonly)").strip()
    engine = git(store.root, "log", "-1", "--format=%(trailers:key=Engine-Outcome,valueonly)").strip()
    ruleset = git(store.root, "log", "-1", "--format=%(trailers:key=Ruleset,valueonly)").strip()
    git(store.root, "add", "-A")
    git(store.root, "-c", "user.name=Test Intruder", "-c", "user.email=intruder@example.invalid", "commit", "-q", "-m",
        f"record {rid}: final ({decision})\n\nRecord-Id: {rid}\nAction: final\nOutcome: {decision}\n"
        f"Engine-Outcome: {engine}\nRuleset: {ruleset}\nBrought-Across: 0 amendment(s)")
    failures = [f["message"] for c in audit.verify(store, guidance).checks for f in c.failures]
    assert any("brought across" in f for f in failures), failures


def test_a_destroyed_record_is_never_brought_back(isp, tmp_path, guidance):
    from datetime import date

    from isp_tui import retention

    isp("init")
    store = Store(isp.records)
    gone = store.save(final_record(guidance, retention={"retain_until": date(2020, 1, 1)}), guidance, ME).id
    old = tmp_path / "old-copy"
    git(tmp_path, "clone", "-q", str(isp.records), str(old))
    retention.destroy(store, gone, "Fictional: retention period over", ME)
    out = isp("import", str(old)).stdout
    assert f"destroyed here: {gone}" in out and not store.exists(gone)
    assert "was destroyed here" in isp("import", str(old / record_path(gone)), check=2).stderr
