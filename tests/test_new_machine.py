"""A new machine: `isp init --clone` of a repository holding many records. The first sync has git check
out every file (a tree of records only; any other is written by isp in one batch, made durable once, and
git's index told on stdin); the derived index and the first `isp verify` then share one reading of each
record file, from the files where they hold their blobs. Each gives what the one-by-one path gave.
Timings: bench/new_machine.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git
from isp_tui import sync
from isp_tui.audit import index_and_facts, verify
from isp_tui.audit import verify_state
from isp_tui.index import Index, workers
from isp_tui.store import Store
from isp_tui.sync.remote import REMOTE_REF, first_fetch

ROOT = Path(__file__).resolve().parent.parent
SIZE = 120  # more than Store.sync_index gives git on its command line


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    made = tmp_path_factory.mktemp("made") / "records"
    generate(made, SIZE, gc=False)
    bare = tmp_path_factory.mktemp("server") / "records.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(made), str(bare)], check=True)
    return bare


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_a_first_sync_writes_every_file_in_one_batch_as_git_would(server, tmp_path):
    batch, _ = sync.clone(server.as_uri(), tmp_path / "batch")
    subprocess.run(["git", "clone", "-q", server.as_uri(), str(tmp_path / "plain")], check=True)
    assert len(tree(batch.root)) > SIZE and tree(batch.root) == tree(tmp_path / "plain")
    assert git(batch.root, "status", "--porcelain") == ""
    assert not (batch.work / "moving").exists()
    assert git(batch.root, "ls-files", "-s") == git(tmp_path / "plain", "ls-files", "-s")


def git_commands(trace: Path) -> list[list[str]]:
    """Every git command run, from git's trace2 event log (one JSON object a line)."""
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    return [event["argv"][1:] for event in events if event.get("event") == "start"]


def test_a_first_fetch_is_checked_whole_as_it_arrives_as_git_clone_does_and_later_ones_are_git_fetch(
        server, tmp_path, monkeypatch):
    """git fetch into an empty repository walks every object received a second time to check nothing is
    missing; git clone has the pack checked whole as it is indexed. isp's first fetch is git clone's."""
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    store, _ = sync.clone(server.as_uri(), tmp_path / "m")
    ran = git_commands(trace)
    assert any(cmd[0] == "fetch-pack" for cmd in ran)
    assert any(cmd[0] == "index-pack" and "--check-self-contained-and-connected" in cmd and "--strict" in cmd
               for cmd in ran)
    assert not any(cmd[0] in ("fetch", "rev-list") for cmd in ran), "a second walk over every object"
    assert git(store.root, "rev-parse", REMOTE_REF).strip() == git(server, "rev-parse", "main").strip()
    assert not list((store.gitdir / "objects" / "pack").glob("*.keep")), "a pack kept from gc for good"
    assert "isp sync: the first fetch" in git(store.root, "reflog", "show", REMOTE_REF)
    assert git(store.root, "status", "--porcelain") == ""

    trace.unlink()
    sync.sync(store)
    assert [cmd[0] for cmd in git_commands(trace) if cmd[0] in ("fetch", "fetch-pack")] == ["fetch"]


def test_a_first_fetch_from_an_empty_server_or_a_wrong_path_says_what_it_always_said_trying_once(tmp_path,
                                                                                               monkeypatch):
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    store, result = sync.clone(empty.as_uri(), tmp_path / "m")
    assert store.head() is None and result.received == []
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    with pytest.raises(sync.SyncError) as refused:
        sync.clone((tmp_path / "nowhere.git").as_uri(), tmp_path / "n")
    assert "no records repository at that path" in str(refused.value) and not (tmp_path / "n").exists()
    assert [cmd[0] for cmd in git_commands(trace) if cmd[0] in ("fetch", "fetch-pack")] == ["fetch-pack"]
    https = Store(tmp_path / "h")
    sync.add_remote(https, "https://records.example.invalid/isp.git")
    assert first_fetch(https) is None


def test_a_first_fetch_reaches_the_server_as_git_fetch_would_through_the_persons_url_rewrites(server, tmp_path,
                                                                                             monkeypatch):
    config = tmp_path / "gitconfig"
    config.write_text(f'[url "{server.as_uri()}"]\n\tinsteadOf = records:\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    store, result = sync.clone("records:", tmp_path / "m")
    assert len(result.received) == SIZE and "fetch" not in [cmd[0] for cmd in git_commands(trace)]


def test_the_index_built_with_verifys_facts_gives_the_same_rows_and_the_same_verification(server, tmp_path,
                                                                                          guidance, monkeypatch):
    before, _ = sync.clone(server.as_uri(), tmp_path / "before")
    index = Index(before)
    index.refresh()
    rows = index.rows()
    index.close()
    expected = verify(before, guidance).as_dict()

    after, _ = sync.clone(server.as_uri(), tmp_path / "after")
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)  # the facts come back from a worker process too
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    index = Index(after)
    index_and_facts(after, guidance, index)
    assert index.rows() == rows and index.changed == SIZE
    index.close()

    def unread(*args):
        raise AssertionError("verify read a record file the index had read")

    monkeypatch.setattr(verify_state, "read_facts", unread)
    assert verify(after, guidance).as_dict() == expected and expected["ok"]


def test_a_record_only_the_guidance_refuses_is_indexed_and_still_fails_verify(server, tmp_path, guidance, monkeypatch):
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Administrator")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test.administrator@example.invalid")
    store, _ = sync.clone(server.as_uri(), tmp_path / "m")
    path = next(p for p in git(store.root, "ls-files", "20*").split() if 'method = "' in (store.root / p).read_text())
    text = (store.root / path).read_text()
    start = text.index('method = "')
    end = text.index("\n", start)
    (store.root / path).write_text(text[:start] + 'method = "carrier-pigeon"' + text[end:])  # no such method
    git(store.root, "commit", "-qam", "hand edit")
    index = Index(store)
    index_and_facts(store, guidance, index)
    assert not index.problems and index.changed == SIZE  # the index reads it: no guidance there
    index.close()
    schema = verify(store, guidance).check("schema")
    assert not schema.ok and any("carrier-pigeon" in f["message"] for f in schema.failures)


def test_the_real_isp_init_clone_reads_the_records_while_their_files_are_written(server, tmp_path, isp_process,
                                                                                  guidance, monkeypatch):
    """The real command: the reading starts once the server's commits are here (beside the writing of the
    files), and when it returns the index describes the head and the first verify reads no record file."""
    machine = tmp_path / "machine"
    done = isp_process("init", "--clone", server.as_uri(), str(machine))
    assert "while their files are written" in done.stderr and "Traceback" not in done.stderr
    store = Store(machine)
    index = Index(store)
    assert index.indexed() == store.head() and len(index.rows()) == SIZE
    index.close()

    def unread(*args):
        raise AssertionError("verify read a record file the index had read")

    monkeypatch.setattr(verify_state, "read_facts", unread)
    assert verify(store, guidance).ok


def test_a_clone_refused_part_way_is_removed_only_after_the_reading_has_stopped(tmp_path, isp_process):
    """A server whose history holds a symbolic link: the first sync refuses it after the fetch, when the reading
    has already started; the new folder is removed whole, nothing half made is left."""
    made = tmp_path / "made"
    made.mkdir()
    git(made, "init", "-q", "-b", "main")
    (made / "link").symlink_to("/etc/passwd")
    git(made, "add", "link")
    git(made, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-qm", "test: a link")
    bare = tmp_path / "server.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(made), str(bare)], check=True)
    machine = tmp_path / "machine"
    done = isp_process("init", "--clone", bare.as_uri(), str(machine), check=1)
    assert "symbolic link" in done.stderr and "Nothing was set up" in done.stderr
    assert not machine.exists()


def stat_data(root: Path) -> set[str]:
    """The ctime git's index holds for each entry: "0:0" where git was given a blob id and no stat data."""
    out = git(root, "ls-files", "--debug")
    return {line.split()[1] for line in out.splitlines() if line.strip().startswith("ctime:")}


def test_a_first_sync_of_records_only_is_gits_own_checkout_and_one_with_other_files_is_written_by_isp(tmp_path):
    """git's checkout writes a new machine's records (its index then holds their stat data, so the first
    `git status` hashes no file); a tree with any other file (here a README.md and a .gitattributes, which
    could ask git for a conversion) is written file by file by isp, as any later sync is."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    made = tmp_path / "made"
    generate(made, 5, gc=False)
    records_only = tmp_path / "records-only.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(made), str(records_only)], check=True)
    checked_out, _ = sync.clone(records_only.as_uri(), tmp_path / "a")
    assert "0:0" not in stat_data(checked_out.root) and git(checked_out.root, "status", "--porcelain") == ""

    (made / ".gitattributes").write_text("*.toml text eol=crlf\n")
    (made / "README.md").write_text("Test records: fictional\n")
    git(made, "add", "-f", ".gitattributes", "README.md")
    git(made, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-qm", "test: other files")
    other = tmp_path / "other.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(made), str(other)], check=True)
    written, _ = sync.clone(other.as_uri(), tmp_path / "b")
    assert stat_data(written.root) == {"0:0"}
    record = next(p for p in git(written.root, "ls-files", "20*").split())
    assert b"\r\n" not in (written.root / record).read_bytes()  # the attribute asked for CRLF: not honoured


def test_a_first_sync_cut_short_part_way_through_gits_checkout_is_finished_by_the_next(server, tmp_path):
    """git writes a checkout's files in place: killed part way, a file may be half written and git's index not
    yet written. The next sync takes those files as its own move's (never as the person's changes) and has git
    write them all again before the branch moves."""
    store, _ = sync.clone(server.as_uri(), tmp_path / "m")
    new = store.head()
    paths = git(store.root, "ls-files", "20*").split()
    git(store.root, "update-ref", "-d", "refs/heads/main")
    (store.gitdir / "index").unlink()
    for path in paths[1:]:
        (store.root / path).unlink()
    (store.root / paths[0]).write_bytes((store.root / paths[0]).read_bytes()[:100])  # half written
    (store.work / "moving").write_text(f"{'0' * 40} {new}\n")
    sync.sync(store)
    assert store.head() == new and not (store.work / "moving").exists()
    assert git(store.root, "status", "--porcelain") == "" and len(git(store.root, "ls-files", "20*").split()) == len(paths)


def test_a_file_of_the_machines_where_a_records_folder_goes_is_never_overwritten_by_the_checkout(server, tmp_path):
    """A records repository made empty (`isp init`), then given a file named like a year's folder, then the
    organisation's remote: the first sync's checkout refuses before writing anything, says so, and the file is
    as it was."""
    store = Store(tmp_path / "m")
    year = git(server, "ls-tree", "--name-only", "main").split()[0]
    (store.root / year).write_text("a note of the person's (fictional)\n")
    sync.add_remote(store, server.as_uri())
    with pytest.raises(sync.SyncError, match="files of this machine's are where they go"):
        sync.sync(store)
    assert (store.root / year).read_text() == "a note of the person's (fictional)\n"
    assert store.head() is None and not (store.work / "moving").exists()
