"""The bad-input harness, continued: hostile history pulled by sync from the organisation's repository.

Separators in a commit subject, a gitlink in the tree, an amendment of the whole checklists table on a
record also amended here, and commit messages of any bytes. Each gives one line naming the commit (never
a traceback), merges nothing it should not, and every later sync and command still works.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import git
from test_bad_input_leaks import last_line, new_record


# ---------------------------------------------------------------------------------------------
# Hostile history pulled by sync


@pytest.fixture
def remote(tmp_path):
    """(the organisation's bare repository, a clone of it an attacker pushes from by hand)."""
    bare = tmp_path / "server" / "records.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    return bare


def pushed_by_hand(bare: Path, tmp_path: Path, change, message: str) -> str:
    """Clone the organisation's repository, make one commit with plain git (`change(worktree)` stages it),
    push it; returns the commit."""
    hand = tmp_path / "by-hand"
    if not hand.exists():
        git(tmp_path, "clone", "-q", bare.as_uri(), str(hand))
    git(hand, "pull", "-q", "origin", "main")
    change(hand)
    git(hand, "-c", "user.name=Test Tamperer", "-c", "user.email=test.tamperer@example.invalid", "commit", "-q",
        "--allow-empty", "-m", message)
    git(hand, "push", "-q", "origin", "HEAD:main")
    return git(hand, "rev-parse", "HEAD").strip()


def first_machine(isp, remote, tmp_path, guidance) -> str:
    from isp_tui import sync

    sync.clone(remote.as_uri(), isp.records)
    record_id = new_record(isp, tmp_path, guidance)
    isp("sync")
    return record_id


def test_separators_in_a_pulled_commit_subject_break_nothing(isp, remote, tmp_path, guidance):
    """\\x1e and \\x1f were git log's field separators: a subject holding them gave ValueError in verify, log
    and export, and the app's history pane stayed on "loading..."."""
    from isp_tui import audit
    from isp_tui.record import record_path
    from isp_tui.store import Store

    record_id = first_machine(isp, remote, tmp_path, guidance)

    def touch(hand: Path) -> None:
        path = hand / record_path(record_id)
        path.write_text(path.read_text() + "# fictional note\n")
        git(hand, "add", record_path(record_id))

    pushed_by_hand(remote, tmp_path, touch, "record \x1e one\x1f two\x1d three\x00".rstrip("\x00"))
    assert isp("sync").returncode == 0
    for args in (("log",), ("log", record_id), ("log", record_id, "--json"), ("export", record_id),
                 ("show", record_id)):
        result = isp(*args)
        assert "\x1e" not in result.stdout and "\x1f" not in result.stdout, args
    result = isp("verify", check=1)  # the hand-made commit is named, not a traceback
    assert "shape" in result.stdout
    found = audit.history(Store(isp.records), record_id)
    assert len(found.revisions) == 2 and found.revisions[0]["subject"].startswith("record \x1e one")


def test_history_text_in_the_app_makes_every_string_printable():
    from isp_tui.audit.history import History
    from isp_tui.tui.screens.browse import history_text
    from datetime import datetime, timezone

    hostile = "\x1b]0;pwned\x07\x1b[31mred\u202e\x1e"
    when = datetime(2026, 11, 21, tzinfo=timezone.utc)
    found = History("01JDB3M7Q2X8W5ZK4T9N6E1RVA", [
        {"n": 1, "commit": hostile, "author": hostile, "email": hostile, "date": when, "action": hostile,
         "outcome": hostile, "status": hostile, "reason": hostile, "subject": hostile,
         "changes": [{"field": hostile}]}],
        [{"at": when, "by": hostile, "reason": hostile, "changes": [{"field": hostile, "before": hostile,
                                                                      "after": hostile}]}])
    shown = history_text(found).plain
    assert not any(c in shown for c in "\x1b\x07\u202e\x1e") and "\\x1b" in shown


def test_a_gitlink_from_the_remote_is_refused_naming_the_commit_and_later_syncs_work(isp, remote, tmp_path,
                                                                                      guidance):
    from isp_tui.store import Store

    first_machine(isp, remote, tmp_path, guidance)

    def gitlink(hand: Path) -> None:
        git(hand, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},2026/11/21/submodule")

    commit = pushed_by_hand(remote, tmp_path, gitlink, "add a submodule")
    line = last_line(isp("sync", check=1))
    assert commit[:12] in line and "gitlink" in line
    store = Store(isp.records)
    assert not (store.work / "moving").exists() and not (isp.records / "2026/11/21/submodule").exists()
    assert commit[:12] in last_line(isp("sync", check=1))  # refused again, the same way: no CalledProcessError
    # once an admin removes it from the organisation's repository, the next sync works
    pushed_by_hand(remote, tmp_path, lambda hand: git(hand, "rm", "-q", "--cached", "2026/11/21/submodule"),
                   "remove the submodule")
    assert isp("sync").returncode == 0
    # a marker an older isp left on a move to such a commit is cleared, not retried on every sync
    (store.work / "moving").write_text(f"{store.head()} {commit}\n")
    assert commit[:12] in last_line(isp("sync", check=1))
    assert not (store.work / "moving").exists()
    assert isp("sync").returncode == 0
    new_record(isp, tmp_path, guidance, "second.toml")  # the machine keeps working


def test_a_remote_amendment_of_the_whole_checklists_table_merges_with_a_local_one(isp, remote, tmp_path, guidance):
    """A remote amendment with `field = "checklists"` on a record also amended here gave IndexError in
    apply_changes on every sync."""
    from datetime import datetime, timezone

    import tomli_w

    from isp_tui import sync
    from isp_tui.record import Record, record_path
    from isp_tui.identity import Identity
    from isp_tui.store import Store

    record_id = first_machine(isp, remote, tmp_path, guidance)
    other, _ = sync.clone(remote.as_uri(), tmp_path / "other")
    path = other.root / record_path(record_id)
    data = Record.from_toml(path.read_bytes(), record_path(record_id)).data
    checklist = next(iter(guidance.checklists.values()))
    answers = {checklist.id: {checklist.items[0].id: "yes"}}
    data["checklists"] = answers
    data["amendments"] = data.get("amendments", []) + [{
        "id": "01JDB3M7Q2X8W5ZK4T9N6E1RVB", "at": datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc),
        "by": "Test Practitioner Two <test.two@example.invalid>", "reason": "Fictional: checklist filled in",
        "changes": [{"field": "checklists", "before": {}, "after": answers}]}]
    path.write_text(tomli_w.dumps(data))
    git(other.root, "add", record_path(record_id))
    git(other.root, "-c", "user.name=Test Practitioner Two", "-c", "user.email=test.two@example.invalid", "commit",
        "-qm", f"record {record_id}: amend (share)")
    assert sync.sync(other).pushed
    store = Store(isp.records)
    current = store.get(record_id, guidance)
    mine = dict(current.data, decision={**current.data["decision"], "reasons": "Fictional: reasons amended here."})
    store.amend(record_id, mine, "Fictional: reasons amended", guidance,
                Identity("Test Practitioner", "test.practitioner@example.invalid"))
    for _ in range(2):  # and every later sync
        result = isp("sync", "--json")
        assert json.loads(result.stdout)["ok"], result.stderr
    merged = store.get(record_id, guidance)
    assert merged.data["checklists"] == answers
    assert merged.get("decision.reasons") == "Fictional: reasons amended here."
    assert len(merged.data["amendments"]) == 2


def test_commit_messages_of_any_bytes_parse_without_an_error():
    from hypothesis import given, settings, strategies as st

    from isp_tui.audit.gitlog import parse_message as audit_parse
    from isp_tui.gitlayer.messages import parse_message

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.binary(), st.text(alphabet=st.sampled_from("\x1e\x1f\x1d\x00\n:- aZ\u202e\udcff")),
                     st.text()))
    def parse(message):
        parse_message(message)
        audit_parse(message.decode("utf-8", "replace") if isinstance(message, bytes) else message)

    parse()
