"""History of one record, diffs between revisions, the repository timeline, and corrections
(000 12.2-12.3), through the real CLI; plain git reads well on its own."""

from __future__ import annotations

from datetime import date

import pytest

from isp_tui import audit
from isp_tui.errors import InputError
from isp_tui.identity import Identity
from isp_tui.store import Store

from conftest import PRACTITIONER, git, write_toml
from factory import final_record

MANAGER = "Test Team Manager <test.manager@example.invalid>"


@pytest.fixture
def two(records, guidance):
    """Two records by two practitioners for two agencies; the first amended by a manager. Made through the
    store in-process (the CLI's own record and amend commands are tested in test_cli.py)."""
    store = Store(records)
    me, manager = Identity.parse(PRACTITIONER), Identity.parse(MANAGER)
    first = store.save(final_record(guidance), guidance, me)
    other = final_record(guidance, recipient={"agency": "Test School"},
                         decision={"recorded": "do-not-share", "override_reason": "Fictional: not needed."})
    second = store.save(other, guidance, manager)
    data = dict(first.record.data, retention={"review_on": date(2028, 1, 4)},
                decision={**first.record.data["decision"], "reasons": "Fictional: reasons made clearer."})
    store.amend(first.id, data, "Fictional: review date agreed", guidance, manager)
    return first.id, second.id


def test_history_of_one_record(isp, two):
    first, _ = two
    log = isp.json("log", first)
    assert [(r["n"], r["action"], r["author"]) for r in log["revisions"]] == [
        (2, "amend", "Test Team Manager"), (1, "final", "Test Practitioner")]
    assert log["revisions"][0]["reason"] == "Fictional: review date agreed"
    out = isp("log", first).stdout
    assert "Fictional: review date agreed" in out and f"isp log {first} --diff 1 2" in out


def test_field_by_field_diff_between_revisions(isp, two, records):
    first, _ = two
    result = isp.json("log", first, "--diff", "1", "2")
    fields = {c["field"]: (c.get("before"), c.get("after")) for c in result["changes"]}
    assert fields["retention.review_on"] == ("2027-11-03", "2028-01-04")
    assert fields["decision.reasons"][1] == "Fictional: reasons made clearer."
    assert fields["amendments"] == (0, 1)
    # commits work as revisions too, and the text form reads as fields, not TOML
    commits = git(records, "log", "--format=%H", "--", f"{records}").split()
    out = isp("log", first, "--diff", commits[-1], "head").stdout
    assert "retention.review_on" in out and "before: 2027-11-03" in out and "after:  2028-01-04" in out
    assert "no field changed" in isp("log", first, "--diff", "2", "2").stdout


def test_diff_bad_revisions(isp, two):
    first, second = two
    assert "there is no 3" in isp("log", first, "--diff", "1", "3", check=2).stderr
    assert "is not a revision number or a commit" in isp("log", first, "--diff", "1", "nonsense", check=2).stderr
    sha = isp.json("log", second)["revisions"][0]["commit"]
    assert "did not change record" in isp("log", first, "--diff", "1", sha, check=2).stderr
    assert "--diff compares two revisions of one record" in isp("log", "--diff", "1", "2", check=2).stderr


def test_timeline_filters(isp, two):
    first, second = two
    everything = isp.json("log")
    assert [r["action"] for r in everything] == ["amend", "final", "final"]
    assert {r["record"] for r in isp.json("log", "--by", "manager")} == {first, second}
    assert [r["action"] for r in isp.json("log", "--by", "test.practitioner@")] == ["final"]
    assert {r["record"] for r in isp.json("log", "--agency", "school")} == {second}
    assert [r["record"] for r in isp.json("log", "--outcome", "do-not-share")] == [second]
    assert [r["record"] for r in isp.json("log", "--action", "amend")] == [first]
    assert isp.json("log", "--since", "2999-01-01") == []
    assert len(isp.json("log", "--until", "2999-01-01", "-n", "2")) == 2
    assert "--since" in isp("log", "--since", "yesterday", check=2).stderr


def test_plain_git_reads_well(isp, two, records):
    """No app needed: git log --grep, --author and shortlog answer an auditor's questions."""
    first, second = two
    amends = git(records, "log", "--grep", "^Action: amend", "--format=%s").splitlines()
    assert amends == [f"record {first}: amend (share)"]
    assert git(records, "log", "--author", "Test Team Manager", "--format=%(trailers:key=Record-Id,valueonly)",
               ).split() == [first, second]
    shortlog = git(records, "shortlog", "-sn", "HEAD")
    assert "Test Team Manager" in shortlog and "Test Practitioner" in shortlog
    assert git(records, "log", "--grep", f"Record-Id: {second}", "--format=%(trailers:key=Outcome,valueonly)"
               ).split() == ["do-not-share"]


def test_a_correction_and_telling_recipients(isp, two, records):
    first, _ = two
    cid = isp("correct", first, "--description", "Fictional: the attendance figure was wrong",
              "--found-on", "2026-11-02", "--recipient", "Test Police Force=2026-11-04",
              "--recipient", "Test School").stdout.strip()
    record = isp.json("show", first)
    [correction] = record["corrections"]
    assert correction["id"] == cid and correction["by"] == PRACTITIONER
    assert correction["recipients"] == [{"agency": "Test Police Force", "told_on": "2026-11-04"},
                                        {"agency": "Test School"}]
    assert git(records, "log", "-1", "--format=%(trailers:key=Action,valueonly)").strip() == "correct"
    late = isp.json("report", "corrections", "--as-of", "2026-11-20")["reports"]["corrections"]["rows"]
    assert [(r["agency"], r["told_on"]) for r in late] == [("Test School", None)]
    isp("correct", first, "--correction", cid, "--recipient", "Test School=2026-11-21")
    late = isp.json("report", "corrections", "--as-of", "2026-11-30")["reports"]["corrections"]["rows"]
    assert [(r["agency"], r["told_on"], r["days_late"]) for r in late] == [("Test School", "2026-11-21", 5)]
    # the told date, once recorded, stays; the repository still verifies, deep checks too
    assert "already recorded as told" in isp("correct", first, "--correction", cid, "--recipient",
                                             "Test School=2026-11-22", check=2).stderr
    isp("verify", "--full")
    revisions = isp.json("log", first)["revisions"]
    assert [(r["action"], r["reason"]) for r in revisions][:2] == [
        ("correct", "recipients told of a correction"), ("correct", "correction: Fictional: the attendance figure was wrong")]


def test_correction_bad_input(isp, two, tmp_path, guidance):
    first, _ = two
    assert "--description" in isp("correct", first, "--recipient", "Test School", check=2).stderr
    assert "--recipient" in isp("correct", first, "--description", "Fictional", check=2).stderr
    assert "--found-on" in isp("correct", first, "--description", "x", "--found-on", "soon", "--recipient", "A",
                               check=2).stderr
    assert "has no correction" in isp("correct", first, "--correction", "01JDB3M7Q2X8W5ZK4T9N6E1RVA",
                                      "--recipient", "A=2026-11-01", check=2).stderr
    draft = isp("record", str(write_toml(tmp_path / "d.toml", {"when": {"legitimate_purpose": "yes"}})),
                "--draft").stdout.strip()
    assert "is a draft" in isp("correct", draft, "--description", "x", "--recipient", "A", check=2).stderr


def test_store_correct_refuses_rewriting_corrections(records, guidance):
    store = Store(records)
    me = Identity.parse(PRACTITIONER)
    saved = store.save(final_record(guidance), guidance, me)
    audit.record_correction(store, saved.id, guidance, me, description="Fictional", found_on=date(2026, 11, 2),
                            recipients=[("Test School", date(2026, 11, 3))])
    current = store.get(saved.id, guidance).data["corrections"]
    with pytest.raises(InputError, match="cannot be removed"):
        store.correct(saved.id, [], guidance, me)
    with pytest.raises(InputError, match="description cannot be changed"):
        store.correct(saved.id, [dict(current[0], description="Rewritten")], guidance, me)
    with pytest.raises(InputError, match="told date changed"):
        store.correct(saved.id, [dict(current[0], recipients=[{"agency": "Test School", "told_on": date(2026, 11, 9)}])],
                      guidance, me)
    with pytest.raises(InputError, match="nothing changed"):
        store.correct(saved.id, current, guidance, me)
    assert len(store.history(saved.id)) == 2


def test_a_hand_made_commit_with_terminal_escapes_is_shown_not_obeyed(isp, two, records):
    (records / "README.md").write_text("Fictional\n")
    git(records, "add", "-f", "README.md")
    git(records, "-c", "user.name=Test \x1b[31mRed", "-c", "user.email=t@example.invalid", "commit", "-qm",
        "notes \x1b]0;title\x07")
    out = isp("log").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "Test \\x1b[31mRed" in out


def test_verify_and_report_do_not_create_a_repository(isp, tmp_path):
    result = isp("--records", str(tmp_path / "typo"), "verify", check=2)
    assert "is not a records repository" in result.stderr and not (tmp_path / "typo").exists()
    isp("--records", str(tmp_path / "typo"), "report", check=2)
    assert not (tmp_path / "typo").exists()


def test_the_timeline_reads_newest_first_a_page_at_a_time(tmp_path, guidance, monkeypatch):
    """The timeline's first page does not read the whole log (100,000 records took 12.8 s): git log -n from
    a resume point, newest first; the pages joined are the whole timeline, and a commit saved between two
    pages does not shift the second."""
    from isp_tui import audit
    from isp_tui.audit import gitlog
    from isp_tui.identity import Identity
    from isp_tui.store import Store

    from conftest import PRACTITIONER
    from factory import final_record

    store = Store(tmp_path / "records")
    me = Identity.parse(PRACTITIONER)
    ids = [store.save(final_record(guidance), guidance, me).id for _ in range(7)]
    whole = audit.timeline(store)
    assert [r["record"] for r in whole] == list(reversed(ids))  # newest first
    monkeypatch.setattr(gitlog, "FIRST_PAGE", 2)
    calls: list[tuple] = []
    git = store.git
    monkeypatch.setattr(store, "git", lambda *args, **kw: calls.append(args) or git(*args, **kw))
    first, resume = audit.timeline_page(store, limit=3)
    assert [r["commit"] for r in first] == [r["commit"] for r in whole[:3]] and resume.skip == 3
    logs = [a for a in calls if "log" in a]
    assert len(logs) == 2 and all(any(str(x).startswith("-n") for x in a) for a in logs)
    assert not any("--reverse" in a or "--raw" in a for a in logs)  # never the whole history
    store.save(final_record(guidance), guidance, me)  # saved meanwhile: the next page is where it was
    second, resume = audit.timeline_page(store, limit=3, resume=resume)
    third, end = audit.timeline_page(store, limit=3, resume=resume)
    assert [r["commit"] for r in first + second + third] == [r["commit"] for r in whole] and end is None
    assert audit.timeline_page(store, practitioner="nobody-matches", limit=3) == ([], None)  # read to the end
