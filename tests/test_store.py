"""The records repository: real git, real TOML, no mocks."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from isp_tui.errors import InputError, StoreError
from isp_tui.record import Record, record_path
from isp_tui.identity import Identity
from isp_tui.gitlayer.messages import commit_message
from isp_tui.store.files import atomic_write
from isp_tui.store import Store

from conftest import PRACTITIONER, git
from factory import final_record

ME = Identity.parse(PRACTITIONER)


@pytest.fixture
def store(records):
    return Store(records)


def test_created_on_first_use_owner_only(store, records):
    assert (records / ".git").is_dir()
    assert stat.S_IMODE(records.stat().st_mode) == 0o700
    assert store.messages == []
    assert git(records, "symbolic-ref", "HEAD").strip() == "refs/heads/main"


def test_a_final_record_is_one_file_one_commit(store, records, guidance):
    saved = store.save(final_record(guidance), guidance, ME)
    path = records / saved.path
    assert saved.path == record_path(saved.id)
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    y, m, d, name = saved.path.split("/")
    assert name == f"{saved.id}.toml" and len(y) == 4 and len(m) == 2 and len(d) == 2
    # reads back identically, from the working tree and from git
    again = Record.from_toml(path.read_bytes(), guidance=guidance)
    assert again.data == saved.record.data
    assert git(records, "show", f"HEAD:{saved.path}") == path.read_text()
    # the commit, as an auditor sees it with plain git
    assert git(records, "log", "-1", "--format=%H").strip() == saved.commit
    assert git(records, "log", "-1", "--format=%an <%ae>").strip() == PRACTITIONER
    assert git(records, "log", "-1", "--format=%s").strip() == f"record {saved.id}: final (share)"
    trailers = git(records, "log", "-1", "--format=%(trailers:only,unfold)")
    for line in (f"Record-Id: {saved.id}", "Action: final", "Outcome: share", "Ruleset: gdpr-2018@1.0.0"):
        assert line in trailers
    git(records, "fsck", "--strict")
    assert git(records, "status", "--porcelain") == ""


def test_the_ruleset_is_pinned_in_the_repository(store, records, guidance):
    saved = store.save(final_record(guidance), guidance, ME)
    pin = saved.record.data["ruleset"]
    copy = records / "rulesets" / f"{pin['sha256']}.toml"
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == pin["sha256"]
    assert copy.read_bytes() == guidance.rulesets["gdpr-2018"].path.read_bytes()


def test_no_personal_data_in_paths_or_messages(store, records, guidance):
    store.save(final_record(guidance), guidance, ME)
    log = git(records, "log", "--format=%B", "--name-only")
    for personal in ("Test Child Alpha", "TEST-0001", "2015-01-01", "Test Police Force"):
        assert personal not in log


def test_the_outcome_is_computed_not_typed(store, guidance):
    data = final_record(guidance)
    data["outcome"] = {"engine": "do-not-share"}
    saved = store.save(data, guidance, ME)
    assert saved.record.engine_outcome == "share"
    assert saved.record.get("request.response_due").isoformat() == "2026-11-23"  # 15 working days after 2 Nov 2026


def test_an_incomplete_final_record_writes_nothing(store, records, guidance):
    data = final_record(guidance, decision={"reasons": ""}, retention=None)
    with pytest.raises(InputError) as caught:
        store.save(data, guidance, ME)
    assert "decision.reasons" in str(caught.value) and "retention" in str(caught.value)
    assert store.head() is None
    assert not list(store.paths())


def test_draft_then_final(store, records, guidance):
    draft = store.save({"when": {"legitimate_purpose": "yes"}}, guidance, ME, draft=True)
    assert draft.record.status == "draft" and draft.record.engine_outcome == "incomplete"
    data = final_record(guidance)
    data["id"] = draft.id
    final = store.save(data, guidance, ME)
    assert final.id == draft.id and final.record.is_final
    assert final.record.data["created"] == draft.record.data["created"]
    assert [r.action for r in store.history(draft.id)] == ["final", "draft"]
    with pytest.raises(InputError, match="is final"):
        store.save(data, guidance, ME)


def test_the_practitioners_own_judgement_is_kept(store, guidance):
    data = final_record(guidance, decision={"recorded": "do-not-share"})
    with pytest.raises(InputError, match="decision.override_reason"):
        store.save(data, guidance, ME)
    data["decision"]["override_reason"] = "Fictional: the request can be met from the police's own records."
    saved = store.save(data, guidance, ME)
    assert (saved.record.engine_outcome, saved.record.recorded) == ("share", "do-not-share")


def test_amendment_keeps_history(store, records, guidance):
    saved = store.save(final_record(guidance), guidance, ME)
    data = dict(saved.record.data)
    data["retention"] = {"review_on": saved.record.get("retention.review_on").replace(year=2028)}
    other = Identity("Test Team Manager", "test.manager@example.invalid")
    amended = store.amend(saved.id, data, "Fictional: review date agreed with the test police force", guidance, other)
    [amendment] = amended.record.data["amendments"]
    assert amendment["by"] == str(other) and amendment["reason"].startswith("Fictional")
    assert amendment["changes"] == [{"field": "retention.review_on", "before": saved.record.get("retention.review_on"),
                                     "after": data["retention"]["review_on"]}]
    revisions = store.history(saved.id)
    assert [r.action for r in revisions] == ["amend", "final"]
    assert revisions[0].author == "Test Team Manager"
    assert store.record_at(saved.id, revisions[1].commit).data == saved.record.data
    assert git(records, "status", "--porcelain") == ""
    git(records, "fsck", "--strict")


def test_amend_refuses_identity_changes_and_empty_reasons(store, guidance):
    saved = store.save(final_record(guidance), guidance, ME)
    data = dict(saved.record.data, decided={**saved.record.data["decided"], "by": "Someone Else <x@example.invalid>"})
    with pytest.raises(InputError, match="decided.by cannot be amended"):
        store.amend(saved.id, data, "Fictional reason", guidance, ME)
    with pytest.raises(InputError, match="needs a reason"):
        store.amend(saved.id, saved.record.data, "  ", guidance, ME)
    with pytest.raises(InputError, match="nothing changed"):
        store.amend(saved.id, saved.record.data, "Fictional reason", guidance, ME)
    assert len(store.history(saved.id)) == 1


def test_a_directory_that_is_not_a_repository_is_refused(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("fictional")
    with pytest.raises(StoreError, match="not a git repository and is not empty"):
        Store(folder)
    assert not (folder / ".git").exists()


def test_readable_by_others_is_warned(records):
    Store(records)
    os.chmod(records, 0o755)
    assert "can be read by other users" in Store(records).messages[0]


def test_an_interrupted_save_is_completed_on_next_open(store, records, guidance):
    """Killed after the file was written and before the commit: the journal finishes it."""
    saved = store.save(final_record(guidance), guidance, ME)
    record = Record.from_dict(dict(saved.record.data, decision={**saved.record.data["decision"], "reasons": "changed"}))
    journal = store.work / "journal" / f"{record.id}.toml"
    import tomli_w

    atomic_write(journal, tomli_w.dumps({"paths": [record.path], "message": commit_message(record, "amend"),
                                         "author": PRACTITIONER}).encode(), store.work / "tmp")
    atomic_write(records / record.path, record.to_toml().encode(), store.work / "tmp")
    (records / ".git" / "index.lock").write_text("")  # and a git lock left by the killed process
    with Store(records).lock() as again:
        assert any("recovered" in m for m in again.messages)
    assert not journal.exists() and not (records / ".git" / "index.lock").exists()
    assert "Recovered: true" in git(records, "log", "-1", "--format=%B")
    assert git(records, "status", "--porcelain") == ""


def test_a_new_record_cannot_bring_its_own_amendments(store, guidance):
    data = final_record(guidance)
    data["amendments"] = [{"id": "01JDB3M7Q2X8W5ZK4T9N6E1RVA", "reason": "forged", "changes": []}]
    with pytest.raises(InputError, match="amendments"):
        store.save(data, guidance, ME)
    assert store.head() is None


# -- a hand edit is never carried into a save ---------------------------------------------------------------

@pytest.mark.parametrize("command", ["amend", "record", "correct"])
def test_a_hand_edited_record_file_is_refused_naming_the_file(isp, tmp_path, guidance, command):
    """A record file edited by hand, then amended: the commit would change the edited field while the
    amendment, `isp log` and verify named only the amended one. Every save starts from the committed file."""
    import subprocess as sp

    from conftest import write_toml as wt
    from factory import final_record as fr

    from isp_tui.record import record_path as rp

    data = fr(guidance, decision=None) if command == "record" else fr(guidance)
    args = ["record", str(wt(tmp_path / "a.toml", data))] + (["--draft"] if command == "record" else [])
    first = isp(*args).stdout.strip()
    path = isp.records / rp(first)
    committed = path.read_text()
    path.write_text(committed.replace("Test Police Force", "Test Hand-Edited Agency"))
    if command == "amend":
        result = isp("amend", first, str(wt(tmp_path / "m.toml", {"sharing": {"time_limits": "Fictional: 6 months"}})),
                     "--reason", "Fictional: agreed", check=2)
    elif command == "record":
        result = isp("record", str(wt(tmp_path / "b.toml", dict(fr(guidance), id=first))), check=2)
    else:
        result = isp("correct", first, "--description", "Fictional: a correction", "--recipient", "Test Police Force",
                     check=None)
        assert result.returncode != 0
    assert rp(first) in result.stderr and "changed since it was committed" in result.stderr, result.stderr
    assert sp.run(["git", "-C", str(isp.records), "show", f"HEAD:{rp(first)}"], capture_output=True,
                  text=True).stdout == committed
    assert len(sp.run(["git", "-C", str(isp.records), "log", "--format=%H"], capture_output=True,
                      text=True).stdout.split()) == 1
