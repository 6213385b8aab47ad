"""Behaviour at size, sized for CI: the derived index agrees with the repository after creates,
amendments, hand edits with plain git, a deleted or corrupt cache file and a sync from another
clone; `git status` is clean after saves; the commit-graph is kept. No timings here: see bench/.

The repository (600 records, ~750 commits) is made once with bench/generate.py, the same
generator the benchmarks use, and copied for each test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from factory import final_record
from conftest import git
from isp_tui.index import Index, Row, reported_values
from isp_tui.index.db import discard
from isp_tui.record import record_path
from isp_tui.identity import Identity
from isp_tui.store import Problem, Store

SIZE = 600
ROOT = Path(__file__).resolve().parent.parent
AUTHOR = Identity("Test Practitioner", "test.practitioner@example.invalid")


@pytest.fixture(autouse=True)
def administrator(monkeypatch):
    """Plain git, as an administrator would run it by hand."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Administrator")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test.administrator@example.invalid")


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    target = tmp_path_factory.mktemp("generated") / "records"
    generate(target, SIZE, gc=False)
    return target


@pytest.fixture
def store(generated, tmp_path) -> Store:
    target = tmp_path / "records"
    shutil.copytree(generated, target, symlinks=True)
    return Store(target)


def from_files(store: Store) -> tuple[dict[str, Row], list[str]]:
    """The truth: every record file in the working tree, parsed afresh (the old full scan)."""
    rows, problems = {}, []
    for item in store.records():
        if isinstance(item, Problem):
            problems.append(item.path)
        else:
            rows[item.id] = Row.of(item)
    return rows, problems


def matches(row: Row, query: str) -> bool:
    """What a search means: every word of the query is in the row's search text."""
    return all(word in row.search_text for word in query.casefold().split())


def assert_agrees(store: Store, index: Index | None = None) -> Index:
    index = index or Index(store)
    index.refresh()
    assert index.commit == store.head()
    rows, problems = from_files(store)
    indexed = {row.id: row for row in index.rows()}
    assert indexed.keys() == rows.keys()
    assert indexed == rows
    assert [p.path for p in index.problems] == sorted(problems)
    assert index.count() == len(rows)
    # and what the reports read, column for column
    expected = sorted((r.path, *reported_values(r)) for r in store.records() if not isinstance(r, Problem))
    assert index.reported().execute("SELECT * FROM reported ORDER BY path").fetchall() == expected
    return index


def status(store: Store) -> str:
    return git(store.root, "status", "--porcelain")


def test_a_generated_repository_is_indexed_whole_and_agrees(store):
    assert status(store) == ""
    index = assert_agrees(store)
    assert index.changed == SIZE
    assert index.count() == SIZE
    assert index.count(status="draft") == 0  # every draft was finalised
    assert any(row.amendments for row in index.rows())


def test_saves_and_amendments_update_the_index_from_the_diff_and_leave_git_status_clean(store, guidance):
    index = assert_agrees(store)
    saved = [store.save(final_record(guidance), guidance, AUTHOR) for _ in range(3)]
    assert status(store) == ""
    draft = store.save(final_record(guidance, decision=None), guidance, AUTHOR, draft=True)
    assert status(store) == ""
    index.refresh()
    assert index.changed == 4  # only the files git's diff names were read, not a rebuild
    assert index.get(draft.id).status == "draft"
    data = {**store.get(saved[0].id).data, "recipient": {"agency": "Test Amended Agency", "person": "Test Officer"}}
    store.amend(saved[0].id, data, "Fictional correction of the recipient", guidance, AUTHOR)
    assert status(store) == ""
    index.refresh()
    assert index.changed == 1
    assert index.get(saved[0].id).amendments == 1
    assert [r.id for r in index.rows("amended agency")] == [saved[0].id]
    assert_agrees(store, index)
    assert len(store.history(saved[0].id)) == 2


def test_a_split_index_grown_by_a_status_refresh_is_folded_into_a_new_shared_one(store, guidance, monkeypatch):
    """A `git status` after every file was touched writes fresh stat data for each entry into git's split
    index; the next save has git write a new shared index, so later saves read and write a small one."""
    monkeypatch.setattr("isp_tui.store.commit.RESPLIT_FROM", 0)  # at 600 records the split index stays under it
    for path in store.root.glob("20*/*/*/*.toml"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    assert status(store) == ""
    split = store.gitdir / "index"
    grown = split.stat().st_size
    assert grown > max(p.stat().st_size for p in store.gitdir.glob("sharedindex.*")) // 8
    store.save(final_record(guidance), guidance, AUTHOR)
    assert split.stat().st_size < grown // 2  # what stays: the new entry and the cache-tree extension
    assert status(store) == ""
    assert_agrees(store)


def test_hand_edits_committed_with_plain_git_are_picked_up(store):
    index = assert_agrees(store)
    first, second, third = index.page(limit=3, newest_first=False)
    path = store.root / record_path(first.id)
    before = f'[recipient]\nagency = "{first.recipient}"'
    assert before in path.read_text()
    path.write_text(path.read_text().replace(before, '[recipient]\nagency = "Test Hand Edited Agency"'))
    (store.root / record_path(second.id)).write_text("this is = not [valid toml\n")
    git(store.root, "rm", "-q", record_path(third.id))
    git(store.root, "commit", "-qam", "hand edits by a test administrator")
    index.refresh()
    assert index.changed == 2  # the deletion needs no reading
    assert index.get(first.id).recipient == "Test Hand Edited Agency"
    assert index.get(second.id) is None and index.get(third.id) is None
    assert [p.path for p in index.problems] == [record_path(second.id)]
    assert "is not valid TOML" in index.problems[0].message
    assert_agrees(store, index)
    git(store.root, "checkout", "-q", "HEAD~1", "--", record_path(second.id))  # put it right again
    git(store.root, "commit", "-qm", "restore a record")
    index = assert_agrees(store, index)
    assert index.problems == []


def test_a_deleted_or_corrupt_cache_is_rebuilt_from_the_repository(store, guidance, monkeypatch):
    import isp_tui.index.workers

    monkeypatch.setattr(isp_tui.index.workers, "PARALLEL_FROM", 100)  # rebuilds here use the worker interpreters
    index = assert_agrees(store)
    index.close()
    index.path.unlink()
    store.save(final_record(guidance), guidance, AUTHOR)
    fresh = assert_agrees(store)
    assert fresh.changed == SIZE + 1
    fresh.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{fresh.path}{suffix}").unlink(missing_ok=True)
    fresh.path.write_bytes(b"not a database at all" * 100)
    again = assert_agrees(store)
    assert again.changed == SIZE + 1
    seen = []
    again.close()
    discard(again.path)  # thrown away: the next refresh builds it again from the repository
    again.refresh(progress=lambda done, total: seen.append((done, total)))
    assert again.changed == SIZE + 1
    assert seen and seen[-1] == (SIZE + 1, SIZE + 1) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_index_pointing_at_a_commit_that_is_gone_is_rebuilt(store, guidance):
    index = assert_agrees(store)
    store.save(final_record(guidance), guidance, AUTHOR)
    index.refresh()
    git(store.root, "reset", "-q", "--hard", "HEAD~1")
    git(store.root, "reflog", "expire", "--expire=now", "--all")
    git(store.root, "gc", "-q", "--prune=now")
    assert_agrees(store, index)


def test_commits_arriving_from_another_clone_by_fetch_and_merge(store, guidance, tmp_path):
    index = assert_agrees(store)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(store.root), str(other))
    for key, value in (("core.splitIndex", "true"), ("index.version", "4")):
        git(other, "config", key, value)
    elsewhere = Store(other)
    theirs = [elsewhere.save(final_record(guidance), guidance, AUTHOR) for _ in range(2)]
    some = index.page(limit=1, offset=10)[0]
    elsewhere.amend(some.id, {**elsewhere.get(some.id).data, "recipient": {"agency": "Test Synced Agency", "person": "Test Officer"}},
                    "Fictional correction made on another machine", guidance, AUTHOR)
    ours = store.save(final_record(guidance), guidance, AUTHOR)  # meanwhile, here
    git(store.root, "fetch", "-q", str(other), "main")
    git(store.root, "merge", "-q", "--no-edit", "FETCH_HEAD")
    assert status(store) == ""
    index.refresh()
    assert index.changed == 4  # their two records and their amendment, and ours: only what the diff names
    assert {r.id for r in (index.get(s.id) for s in (*theirs, ours))} == {*(s.id for s in theirs), ours.id}
    assert index.get(some.id).recipient == "Test Synced Agency"
    assert_agrees(store, index)


def test_search_filters_and_pages_agree_with_the_rows(store):
    index = assert_agrees(store)
    every = index.rows()
    for query in ("alpha", "ALPHA police", "test-0012", "share-part", "nothing-matches-this"):
        expected = [row for row in every if matches(row, query)]
        assert index.rows(query) == expected
        assert index.count(query) == len(expected)
        assert index.page(query, limit=25, newest_first=False) == expected[:25]
        assert index.page(query, limit=25) == expected[::-1][:25]
    for query in ("a", "al", "alp", "alpha", "alph", "alpha p", "alpha pol", "pol alpha", "pol", "x", ""):  # typing
        assert index.page(query, limit=1000, newest_first=False) == [row for row in every if matches(row, query)]
    assert index.rows(outcome="share-part") == [r for r in every if "share-part" in (r.outcome, r.decision)]
    today = date(2026, 11, 1)
    from isp_tui.index import due

    assert index.due(today) == due(every, today)


def test_isp_list_json_reads_the_index(store):
    import json
    import os

    result = subprocess.run([sys.executable, "-m", "isp_tui", "--records", str(store.root), "list", "--json"],
                            capture_output=True, text=True, env=os.environ.copy(), check=True)
    listed = json.loads(result.stdout)
    assert len(listed) == SIZE
    assert set(listed[0]) == {"id", "created", "status", "outcome", "decision", "recipient", "ruleset",
                              "response_due", "review_on", "amendments"}
    assert (store.gitdir / "isp" / "index.sqlite").is_file()
    row = Index(store).rows()[7]
    summary = {"id": row.id, "created": row.created, "status": row.status, "outcome": row.outcome or None,
               "decision": row.decision or None, "recipient": row.recipient or None, "ruleset": row.ruleset or None,
               "response_due": row.response_due, "review_on": row.review_on, "amendments": row.amendments}
    iso = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in summary.items()}
    assert listed[7] == iso  # the same values the Rows hold, dates as ISO text


def test_the_commit_graph_is_written_with_changed_paths_and_history_reads_the_same(store):
    some = Index(store).page(limit=1, offset=100)[0].id
    before = store.history(some)
    store.update_commit_graph(replace=True)
    assert git(store.root, "commit-graph", "verify") == ""
    assert (store.gitdir / "objects" / "info" / "commit-graphs" / "commit-graph-chain").is_file()
    assert store.history(some) == before
    index = Index(store)
    index.refresh()  # the graph is recorded as current: nothing to write
    from isp_tui.store.repo import wait_for_background

    wait_for_background()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen signs the test commits")
def test_signed_commits_still_go_through_git_and_are_indexed(tmp_path, guidance):
    store = Store(tmp_path / "signed")
    key = tmp_path / "test-signing-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test@example.invalid", "-f", str(key)],
                   check=True)
    for name, value in (("gpg.format", "ssh"), ("user.signingkey", str(key)), ("commit.gpgsign", "true")):
        git(store.root, "config", name, value)
    saved = store.save(final_record(guidance), guidance, AUTHOR)
    assert "-----BEGIN SSH SIGNATURE-----" in git(store.root, "cat-file", "-p", saved.commit)
    assert status(store) == ""
    assert [row.id for row in assert_agrees(store).rows()] == [saved.id]


def test_an_empty_repository_has_an_empty_index(tmp_path, guidance):
    store = Store(tmp_path / "empty")
    index = Index(store)
    assert index.rows() == [] and index.count() == 0 and index.page("alpha") == [] and index.problems == []
    saved = store.save(final_record(guidance), guidance, AUTHOR)
    index.refresh()
    assert [row.id for row in index.rows("test")] == [saved.id]


def test_destroying_a_record_leaves_nothing_of_it_in_the_derived_index(tmp_path, guidance):
    from isp_tui import retention

    store = Store(tmp_path / "retention")
    kept = store.save(final_record(guidance), guidance, AUTHOR)
    gone = store.save(final_record(guidance, subject={"name": "Test Child Zulu", "reference": "TEST-9999"}),
                      guidance, AUTHOR)
    index = Index(store)
    assert index.count("zulu") == 1
    index.close()
    retention.destroy(store, gone.id, "Fictional: retention period over", AUTHOR)
    assert not any(b"Zulu" in f.read_bytes() for f in store.work.glob("index.sqlite*"))
    index = assert_agrees(store)
    assert [row.id for row in index.rows()] == [kept.id] and index.count("zulu") == 0
    index.close()
    assert not any(b"Zulu" in f.read_bytes() for f in store.work.glob("index.sqlite*"))


def test_verify_reads_a_big_repository_on_every_core(store, guidance, monkeypatch):
    """The first run (and --full) reads every record file in worker interpreters, as the index's rebuild does:
    what a worker finds wrong is reported by name like any other."""
    import isp_tui.index.workers
    from isp_tui import audit

    monkeypatch.setattr(isp_tui.index.workers, "PARALLEL_FROM", 100)
    result = audit.verify(store, guidance)
    assert result.ok and result.records == SIZE
    broken = Index(store).rows()[SIZE // 2].id
    (store.root / record_path(broken)).write_text("not = [valid TOML\n")
    git(store.root, "commit", "-qam", "hand edit by a test administrator")
    schema = {c.name: c for c in audit.verify(store, guidance, full=True).checks}["schema"]
    assert [f["path"] for f in schema.failures] == [record_path(broken)]
