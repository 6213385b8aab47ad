"""Sync through real remotes on this machine: a bare repository over file:// and `git daemon` on
loopback. Several clones make records and amendments and sync in arbitrary (seeded) orders; faults
are real (a dead port, a daemon stopped mid-push, a pre-receive hook refusing the push)."""

from __future__ import annotations

import random
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from isp_tui import sync
from isp_tui.record import record_path
from isp_tui.identity import Identity
from isp_tui.store import Store

from conftest import PRACTITIONER, git
from factory import final_record

ME = Identity.parse(PRACTITIONER)
OTHER = Identity("Test Practitioner Two", "test.two@example.invalid")


def bare_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


@pytest.fixture
def bare(tmp_path) -> Path:
    return bare_repo(tmp_path / "server" / "records.git")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """`git daemon` serving tmp_path/server on a free loopback port, push enabled."""

    def __init__(self, base: Path):
        self.base, self.port, self.proc = base, free_port(), None

    def url(self, name: str = "records.git") -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--informative-errors",
             f"--base-path={self.base}", "--listen=127.0.0.1", f"--port={self.port}", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):  # bounded: at most ~10 s
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("git daemon did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def daemon(bare):
    d = Daemon(bare.parent)
    d.start()
    yield d
    d.stop()


def machine(tmp_path: Path, name: str, url: str) -> Store:
    store, _ = sync.clone(url, tmp_path / name)
    return store


def create(store: Store, guidance, who: Identity = ME, **overrides) -> str:
    return store.save(final_record(guidance, **overrides), guidance, who).id


def amend(store: Store, guidance, record_id: str, reasons: str, who: Identity = ME, **tables) -> str:
    current = store.get(record_id, guidance)
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in current.data.items()}
    data["decision"] = {**data["decision"], "reasons": reasons}
    for key, value in tables.items():
        data[key] = {**data.get(key, {}), **value}
    saved = store.amend(record_id, data, f"fictional test amendment: {reasons}", guidance, who)
    return saved.record.data["amendments"][-1]["id"]


def contents(store: Store) -> dict[str, tuple[str, set[str]]]:
    """id -> (status, amendment ids) for every record in the working tree."""
    out = {}
    for record in store.records():
        assert not hasattr(record, "message"), record
        out[record.id] = (record.status, {a["id"] for a in record.data.get("amendments", [])})
    return out


def assert_healthy(store: Store) -> None:
    assert git(store.root, "status", "--porcelain") == ""
    git(store.root, "fsck", "--strict", "--no-dangling")
    assert not list(store.root.rglob("*.orig")) and "<<<<<<<" not in "".join(
        p.read_text() for p in store.paths())


# ---------------------------------------------------------------------------------------------
# Basic flow


def test_clone_an_empty_remote_then_records_flow_both_ways(tmp_path, bare, guidance):
    url = bare.as_uri()
    a = machine(tmp_path, "a", url)
    first = create(a, guidance)
    result = sync.sync(a)
    assert result.sent == [first] and result.received == [] and result.pushed
    b = machine(tmp_path, "b", url)
    assert b.get(first, guidance).id == first
    second = create(b, guidance, OTHER)
    assert sync.sync(b).sent == [second]
    result = sync.sync(a)
    assert result.received == [second] and result.merge_commit is None  # a fast-forward
    assert set(contents(a)) == set(contents(b)) == {first, second}
    for store in (a, b):
        assert_healthy(store)
    assert git(bare, "rev-parse", "main") == git(a.root, "rev-parse", "main")


def test_two_amendments_to_the_same_record_on_two_machines_both_survive(tmp_path, bare, guidance):
    url = bare.as_uri()
    a = machine(tmp_path, "a", url)
    rid = create(a, guidance)
    sync.sync(a)
    b = machine(tmp_path, "b", url)
    one = amend(a, guidance, rid, "Fictional: reasons clarified on machine A.")
    two = amend(b, guidance, rid, "Fictional: reasons clarified on machine B.", OTHER,
                advice={"sought": True, "from": "Test Designated Safeguarding Lead"})
    sync.sync(a)
    result = sync.sync(b, identity=OTHER)
    assert result.merged == [rid] and result.merge_commit
    sync.sync(a)
    for store in (a, b):
        record = store.get(rid, guidance)
        assert [m["id"] for m in record.data["amendments"]] == sorted([one, two], key=lambda i: (
            {one: 0, two: 1}[i],))  # ordered by time: A amended first
        assert record.get("advice.from") == "Test Designated Safeguarding Lead"  # B's change kept
        assert record.get("decision.reasons") == "Fictional: reasons clarified on machine B."  # the later one
        assert_healthy(store)
    assert a.get(rid, guidance).data == b.get(rid, guidance).data
    merge = result.merge_commit
    assert len(git(b.root, "rev-list", "--parents", "-n", "1", merge).split()) == 3  # a real merge commit
    trailers = git(b.root, "log", "-1", "--format=%(trailers:only,unfold)", merge)
    assert "Action: merge" in trailers and f"Merged-Record: {rid}" in trailers
    assert git(b.root, "log", "-1", "--format=%an", merge).strip() == OTHER.name
    # history is never rewritten: both machines' amendment commits are in the shared history
    assert len(a.history(rid)) >= 3


def test_a_draft_edited_on_two_machines_keeps_the_later_and_says_so(tmp_path, bare, guidance):
    url = bare.as_uri()
    a = machine(tmp_path, "a", url)
    draft = final_record(guidance, decision={"reasons": "Fictional draft v1."})
    rid = a.save(draft, guidance, ME, draft=True).id
    sync.sync(a)
    b = machine(tmp_path, "b", url)
    a.save({**draft, "id": rid, "decision": {**draft["decision"], "reasons": "Fictional draft from A."}}, guidance, ME,
           draft=True)
    time.sleep(1.1)  # commit times have one-second resolution: B's edit is the later one
    b.save({**draft, "id": rid, "decision": {**draft["decision"], "reasons": "Fictional draft from B."}}, guidance, OTHER,
           draft=True)
    sync.sync(b)
    result = sync.sync(a)
    assert result.drafts_kept == [rid]
    assert a.get(rid, guidance).get("decision.reasons") == "Fictional draft from B."
    trailers = git(a.root, "log", "-1", "--format=%(trailers:only,unfold)", result.merge_commit)
    assert f"Draft-Kept: {rid} kept draft from" in trailers
    assert "Fictional draft from A." in git(a.root, "show", f"{result.merge_commit}^1:{record_path(rid)}")
    assert sync.status(a).drafts == [rid]


def test_unrelated_histories_two_machines_started_apart(tmp_path, bare, guidance):
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    ra, rb = create(a, guidance), create(b, guidance, OTHER)
    for store in (a, b):
        sync.add_remote(store, str(bare))
    sync.sync(a)
    assert sync.sync(b).received == [ra]
    sync.sync(a)
    assert set(contents(a)) == set(contents(b)) == {ra, rb}
    assert_healthy(a)
    assert_healthy(b)


# ---------------------------------------------------------------------------------------------
# Many machines, arbitrary orders


def test_three_machines_random_orders_nothing_lost(tmp_path, daemon, guidance):
    rng = random.Random(20261121)
    url = daemon.url()
    seed = Store(tmp_path / "seed")
    base_ids = [create(seed, guidance) for _ in range(2)]
    sync.add_remote(seed, url)
    sync.sync(seed)
    machines = [machine(tmp_path, f"m{n}", url) for n in range(3)]
    people = [ME, OTHER, Identity("Test Practitioner Three", "test.three@example.invalid")]
    made: set[str] = set(base_ids)
    amendments: dict[str, set[str]] = {rid: set() for rid in base_ids}
    for step in range(36):
        n = rng.randrange(3)
        store, who = machines[n], people[n]
        action = rng.choice(["create", "amend", "amend", "sync", "sync"])
        if action == "create":
            rid = create(store, guidance, who)
            made.add(rid)
            amendments[rid] = set()
        elif action == "amend":
            known = sorted(contents(store))
            rid = rng.choice(known)
            amendments[rid].add(amend(store, guidance, rid, f"Fictional step {step} on machine {n}.", who))
        else:
            sync.sync(store, identity=who)
    for _ in range(2):  # two rounds bring everyone in step
        for store, who in zip(machines, people):
            sync.sync(store, identity=who)
    expected = {rid: ("final", ids) for rid, ids in amendments.items()}
    for store in machines:
        assert contents(store) == expected
        assert_healthy(store)
        state = sync.status(store)
        assert (state.ahead, state.behind, state.unpushed) == (0, 0, [])
    datas = [{rid: s.get(rid, guidance).data for rid in made} for s in machines]
    assert datas[0] == datas[1] == datas[2]
    assert sum(len(v) for v in amendments.values()) > 5  # the scenario did amend concurrently


def test_machines_syncing_at_the_same_moment_retry_and_converge(tmp_path, daemon, guidance):
    url = daemon.url()
    first = machine(tmp_path, "m0", url)
    shared = create(first, guidance)
    sync.sync(first)
    machines = [first] + [machine(tmp_path, f"m{n}", url) for n in (1, 2)]
    made = {create(store, guidance) for store in machines for _ in range(2)} | {shared}
    amended = {amend(store, guidance, shared, f"Fictional: amended on {store.root.name}.") for store in machines}
    errors: list[Exception] = []

    def run(store: Store) -> None:
        try:
            sync.sync(store)
        except sync.SyncError as exc:  # a machine that lost every race: its next sync completes
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(store,)) for store in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for store in machines + machines:
        sync.sync(store)
    for store in machines:
        assert set(contents(store)) == made
        assert contents(store)[shared] == ("final", amended)
        assert_healthy(store)
    assert all("kept moving" in str(e) for e in errors), [str(e) for e in errors]


# ---------------------------------------------------------------------------------------------
# Faults: each ends with a clear message and nothing lost


def test_remote_unreachable_then_the_next_sync_completes(tmp_path, bare, guidance):
    store = machine(tmp_path, "a", bare.as_uri())
    rid = create(store, guidance)
    sync.add_remote(store, f"git://127.0.0.1:{free_port()}/records.git")  # nobody listening
    with pytest.raises(sync.SyncError, match="could not fetch.*committed on this machine and safe"):
        sync.sync(store)
    assert store.get(rid, guidance).id == rid and git(store.root, "status", "--porcelain") == ""
    assert sync.status(store).unpushed == [rid] and sync.status(store).last_sync is not None  # from the clone
    sync.add_remote(store, bare.as_uri())
    assert sync.sync(store).sent == [rid]


def test_remote_gone_mid_push_then_the_next_sync_completes(tmp_path, daemon, guidance):
    store = machine(tmp_path, "a", daemon.url())
    rid = create(store, guidance)
    stages: list[str] = []

    def progress(message: str) -> None:
        stages.append(message)
        if message.startswith("pushing"):
            daemon.stop()  # the network goes away between fetch and push

    with pytest.raises(sync.SyncError, match="could not push to git://127.0.0.1.*committed on this machine and safe"):
        sync.sync(store, progress=progress)
    assert stages[0].startswith("fetching") and any(s.startswith("pushing") for s in stages)
    assert sync.status(store).unpushed == [rid]
    assert_healthy(store)
    daemon.start()
    result = sync.sync(store)
    assert result.sent == [rid] and result.pushed
    assert sync.status(store).unpushed == []


def test_a_rejected_push_is_reported_and_the_next_sync_completes(tmp_path, bare, guidance):
    store = machine(tmp_path, "a", bare.as_uri())
    rid = create(store, guidance)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'test policy: pushes are closed for maintenance' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(sync.SyncError, match="did not accept the push.*maintenance.*safe"):
        sync.sync(store)
    assert sync.status(store).unpushed == [rid]
    hook.unlink()
    assert sync.sync(store).sent == [rid]
    assert git(bare, "log", "--format=%s", "-1").startswith(f"record {rid}")


def test_uncommitted_changes_are_never_overwritten(tmp_path, bare, guidance):
    url = bare.as_uri()
    a = machine(tmp_path, "a", url)
    rid, other = create(a, guidance), create(a, guidance)
    sync.sync(a)
    b = machine(tmp_path, "b", url)
    draft = b.save(final_record(guidance), guidance, OTHER, draft=True).id  # a committed draft syncs as any record
    amend(a, guidance, rid, "Fictional: changed on A.")
    sync.sync(a)
    edited = b.path_of(rid)
    edited.write_text(edited.read_text() + "# an uncommitted edit made outside isp\n")
    unrelated = b.path_of(other)
    unrelated.write_text(unrelated.read_text() + "# another uncommitted edit\n")
    with pytest.raises(sync.SyncError, match="uncommitted changes to the same files.*nothing is lost"):
        sync.sync(b)
    assert edited.read_text().endswith("# an uncommitted edit made outside isp\n")
    state = sync.status(b)
    assert record_path(rid) in state.uncommitted and state.drafts == [draft]
    git(b.root, "checkout", "--", record_path(rid))  # the person discards their stray edit
    result = sync.sync(b)
    assert rid in result.received and result.sent == [draft]
    assert unrelated.read_text().endswith("# another uncommitted edit\n")  # untouched by the sync
    assert b.get(rid, guidance).get("decision.reasons") == "Fictional: changed on A."


def test_saving_while_a_sync_is_on_the_network(tmp_path, bare, guidance):
    store = machine(tmp_path, "a", bare.as_uri())
    first = create(store, guidance)
    during: list[str] = []

    def progress(message: str) -> None:
        if message.startswith("pushing"):  # the app saves a record while the push is in flight
            during.append(create(Store(store.root), guidance))
            with pytest.raises(sync.SyncError, match="already running"):
                sync.sync(Store(store.root))

    assert sync.sync(store, progress=progress).sent == [first]
    assert sync.status(store).unpushed == during
    assert sync.sync(store).sent == during
    assert_healthy(store)


def test_a_remote_whose_history_was_rewritten_is_never_merged(tmp_path, bare, guidance):
    a = machine(tmp_path, "a", bare.as_uri())
    mine = create(a, guidance)
    sync.sync(a)
    rogue = Store(tmp_path / "rogue")
    create(rogue, guidance, OTHER)
    git(rogue.root, "push", "-q", "--force", str(bare), "main:main")  # someone force-pushed other history
    local = create(a, guidance)
    for _ in range(2):  # and it stays refused, sync after sync
        with pytest.raises(sync.SyncError, match="history was rewritten.*nothing was merged"):
            sync.sync(a)
    assert set(contents(a)) == {mine, local}
    assert_healthy(a)


# ---------------------------------------------------------------------------------------------
# URLs


def test_malicious_urls_run_nothing_through_the_cli(isp, tmp_path, records):
    marker = tmp_path / "pwned"
    isp("init")
    assert "no remote is set" in isp("sync", check=1).stderr
    for args in (["remote", "add", f"ext::sh -c touch% {marker}"],
                 ["remote", "add", "--", f"--upload-pack=touch {marker}"],
                 ["init", "--clone", f"ext::sh -c touch% {marker}", str(tmp_path / "new")],
                 ["init", "--clone", f"--upload-pack=touch {marker}", str(tmp_path / "new")]):
        result = isp(*args, check=2)
        assert result.stderr.startswith("isp") and len(result.stderr.strip().splitlines()) <= 2
        assert not marker.exists()
    assert not (tmp_path / "new").exists()
    assert git(records, "remote") == ""
    # a remote written into the repository's config by hand is refused at sync time too
    git(records, "remote", "add", "origin", f"ext::sh -c touch% {marker}")
    result = isp("sync", check=1)
    assert "transports run programs" in result.stderr and not marker.exists()


def test_a_password_in_the_url_is_refused_with_advice(isp):
    result = isp("remote", "add", "https://user:secret@git.example.invalid/records.git", check=2)
    assert "SSH keys or a git credential helper" in result.stderr and "secret" not in git(isp.records, "config", "-l")


# ---------------------------------------------------------------------------------------------
# The command line and status


def test_cli_remote_sync_status(isp, tmp_path, bare, guidance, write_toml_record):
    isp("init")
    assert "no remote" in isp("remote", "show").stdout
    isp("remote", "add", bare.as_uri())
    assert isp("remote", "show").stdout.strip() == f"origin {bare.as_uri()}"
    state = isp.json("status")
    assert state["last_sync"] is None and state["remote"] == bare.as_uri()
    rid = isp("record", str(write_toml_record)).stdout.strip()
    state = isp.json("status")
    assert state["unpushed"] == [rid] and state["ahead"] >= 1
    result = isp.json("sync")
    assert result["ok"] and result["sent"] == [rid]
    state = isp.json("status")
    assert (state["ahead"], state["behind"], state["unpushed"]) == (0, 0, []) and state["last_sync"]
    text = isp("status").stdout
    assert "ahead / behind:  0 / 0" in text and "not yet pushed:  0" in text
    other = tmp_path / "other"
    out = isp("init", "--clone", bare.as_uri(), str(other)).stdout
    assert "1 record(s) in" in out and (other / record_path(rid)).is_file()
    assert isp("--records", str(other), "sync").returncode == 0
    nowhere = tmp_path / "nowhere"
    failed = isp("init", "--clone", f"git://127.0.0.1:{free_port()}/records.git", str(nowhere), check=1)
    assert "could not fetch" in failed.stderr and not nowhere.exists()  # nothing half-made left behind
    isp("remote", "add", f"git://127.0.0.1:{free_port()}/records.git")
    failed = isp("sync", check=1)
    assert "could not fetch" in failed.stderr and "safe" in failed.stderr


@pytest.fixture
def write_toml_record(tmp_path, guidance):
    from conftest import write_toml

    return write_toml(tmp_path / "record.toml", final_record(guidance))


# ---------------------------------------------------------------------------------------------
# The README's admin set-up, run as written


def readme_hook() -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("hooks/pre-receive` (executable):\n\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(line[4:] for line in block.splitlines()) + "\n"


def test_the_readme_signed_commit_hook_with_signing_machines(tmp_path, bare, guidance):
    keys = {}
    for name in ("a", "b"):
        key = tmp_path / "keys" / f"id_{name}"
        key.parent.mkdir(exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        keys[name] = key
    signers = tmp_path / "allowed_signers"
    signers.write_text("".join(f"{n}@example.invalid {keys[n].with_suffix('.pub').read_text().split(' ', 2)[0]} "
                               f"{keys[n].with_suffix('.pub').read_text().split(' ', 2)[1]}\n" for n in keys))
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(readme_hook().replace("/srv/git/allowed_signers", str(signers)))
    hook.chmod(0o755)
    url = bare.as_uri()
    unsigned = machine(tmp_path, "unsigned", url)
    create(unsigned, guidance)
    with pytest.raises(sync.SyncError, match="did not accept the push.*not signed by a known key"):
        sync.sync(unsigned)
    stores = []
    for name in ("a", "b"):
        store = machine(tmp_path, name, url)
        for key, value in (("gpg.format", "ssh"), ("user.signingkey", str(keys[name])), ("commit.gpgsign", "true")):
            git(store.root, "config", key, value)
        stores.append(store)
    a, b = stores
    rid = create(a, guidance)
    sync.sync(a)
    sync.sync(b)
    amend(a, guidance, rid, "Fictional: signed amendment on A.")
    amend(b, guidance, rid, "Fictional: signed amendment on B.", OTHER)
    sync.sync(a)
    result = sync.sync(b)  # a signed merge commit, accepted by the hook
    assert result.merged == [rid] and result.pushed
    assert "Good" in subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={signers}", "verify-commit",
                                     result.merge_commit], cwd=b.root, capture_output=True, text=True).stderr


def test_a_sync_killed_while_writing_the_incoming_records_is_finished_by_the_next(tmp_path, bare, guidance):
    a = machine(tmp_path, "a", str(bare))
    b = machine(tmp_path, "b", str(bare))
    first, second = create(a, guidance), create(a, guidance)
    sync.sync(a, identity=ME)
    # b fetches, starts moving to a's head, writes one of the two files, and is killed
    git(b.root, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
    new = git(b.root, "rev-parse", "refs/remotes/origin/main").strip()
    old = b.head()
    (b.work / "moving").write_text(f"{old} {new}\n")
    (b.root / record_path(first)).parent.mkdir(parents=True, exist_ok=True)
    (b.root / record_path(first)).write_bytes(git(b.root, "show", f"{new}:{record_path(first)}").encode())
    sync.sync(b, identity=ME)
    assert set(contents(b)) == {first, second}
    assert not (b.work / "moving").exists()
    assert_healthy(b)
