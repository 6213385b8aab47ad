"""Retention (000 6.7.1; 002 "Record"): what is past its review or retain-until date, keeping a record
longer, and destroying one.

`retention_due` reads the derived index (isp_tui.index), never every record file, and counts a date
of today as due (isp_tui.index.due: the one rule). `extend` is an amendment. `destroy` is the only
operation that rewrites history: it removes one record's content from every commit, leaves a
tombstone, and expires reflogs and prunes so the content is really gone here."""

from __future__ import annotations

import re
import subprocess
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import tomli_w

from isp_tui.dates import now
from isp_tui.errors import InputError, StoreError
from isp_tui.gitlayer.messages import destroy_message
from isp_tui.guidance import Guidance, parse_toml
from isp_tui.index import Due, Index
from isp_tui.gitlayer.env import run_git, start_git
from isp_tui.gitlayer.plumbing import BRANCH, ZERO
from isp_tui.identity import Identity
from isp_tui.record.ids import record_path, tombstone_path
from isp_tui.record.model import Record
from isp_tui.record.schema import check_text
from isp_tui.store.commit import REF_LOCKS
from isp_tui.store.files import atomic_write
from isp_tui.store.journal import RESUMERS
from isp_tui.store.repo import Store
from isp_tui.sync.cycle import SyncError, sync_lock
from isp_tui.sync.objects import delete_ref, has_object, has_path, read_blob, rev
from isp_tui.sync.recovery import SERVER_REF
from isp_tui.sync.remote import REMOTE, REMOTE_REF, git_message, remote_url


def retention_due(store: Store, today: date | None = None) -> list[Due]:
    """Final records whose retain-until or review date is today or past, for an admin to review: extend or
    destroy. One item a record: kind "retention" when the retain-until date is due, else "review"."""
    index = Index(store)
    try:
        index.refresh()
        return index.past_review(today or now().date())
    finally:
        index.close()


def extend(store: Store, record_id: str, until: date, reason: str, guidance: Guidance, author: Identity):
    """Keep a record longer: an amendment (who, when, why) moving its retention and review dates."""
    today = now().date()
    if until <= today:
        raise InputError(f"{until} is not in the future; the new date must be after {today}", field="--until")
    current = store.get(record_id, guidance)
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in current.data.items()}
    retention = dict(data.get("retention", {}))
    retention["retain_until"] = until
    if "review_on" in retention:
        retention["review_on"] = until
    data["retention"] = retention
    return store.amend(record_id, data, reason, guidance, author)


def rewrite_without(store: Store, path: str, revisions: list[str]) -> int:
    """Rewrite the given history with `path` gone from every commit: `git fast-export | git fast-import`
    with the file's lines taken out of the stream. Blobs are referred to by id (--no-data), so only
    commits and trees are written again; everything else in each commit is kept as it was (signatures
    cannot be: they are stripped). Returns the number of commits written again."""
    export = start_git(store.root, "fast-export", "--no-data", "--reference-excluded-parents", "--signed-tags=strip",
                       "--tag-of-filtered-object=rewrite", *revisions, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    importer = start_git(store.root, "fast-import", "--force", "--quiet", stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None and importer.stdin is not None
    modify = re.compile(rb"^M [0-7]{6} [0-9a-f]{40} " + re.escape(path.encode()) + rb"\n$")
    delete = b"D " + path.encode() + b"\n"
    commits = 0
    source, sink = export.stdout, importer.stdin
    try:
        while line := source.readline():
            if line.startswith(b"data "):
                sink.write(line + source.read(int(line[5:].strip())))
                continue
            if line.startswith(b"commit "):
                commits += 1
            if modify.match(line) or line == delete:
                continue
            sink.write(line)
    finally:
        sink.close()
        export.wait()
        importer.wait()
    if export.returncode != 0 or importer.returncode != 0:
        raise StoreError("rewriting the history failed: "
                         f"{git_message(export.stderr.read()) or git_message(importer.stderr.read())}; check with git fsck")
    return commits


@dataclass
class Destroyed:
    id: str
    tombstone: str
    commit: str
    rewritten: int  # commits rewritten
    versions_removed: int  # blobs of the record's content that no longer exist here
    old_head: str
    old_remote: str | None
    instructions: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DESTROY_JOURNAL = PENDING = "destroy.toml"  # .git/isp/destroy.toml: a destroy under way (at most one: under both locks)


def destroy(store: Store, record_id: str, reason: str, author: Identity) -> Destroyed:
    """Remove one record's content from every commit of this repository, leave a tombstone, and expire
    reflogs and prune, so that the content is really gone here. History is rewritten: every other clone
    and the remote must follow the returned instructions.

    Journalled like a save, in this order, so that a destroy killed at any instant is completed (or, before
    its tombstone commit, undone) by the next isp that takes the lock (resume_destroy), and the tombstone is
    never missing: (1) the journal, (2) the tombstone committed with the record file removed from the tip
    (an ordinary journalled save), (3) `destroy-pending` for sync, (4) the history rewritten without the
    file, (5) the reflogs expired and the objects pruned, (6) the journal removed."""
    if not reason or not reason.strip():
        raise InputError("destroying a record needs a reason", field="--reason")
    check_text(reason, None, "--reason")
    path = record_path(record_id)
    tomb_path = tombstone_path(record_id)
    with sync_lock(store, timeout=60), store.lock():
        head = store.head()
        if head is None or not store.git("log", "--format=%H", "-n", "1", "--all", "--", path).strip():
            raise InputError(f"no record with id {record_id} in the history of {store.root}", field="id")
        dirty = store.git("status", "--porcelain", "--untracked-files=no")
        if dirty.strip():
            raise StoreError("the records repository has uncommitted changes; commit or discard them first "
                             "(git status shows them), so that the history rewrite loses nothing")
        versions = {line.split()[3] for line in store.git("log", "--all", "--format=", "--raw", "--no-abbrev",
                                                           "--", path).splitlines() if line.startswith(":")}
        versions.discard(ZERO)
        record = Record.from_toml(read_blob(store, f"{head}:{path}"), path) if has_path(store, head, path) else None
        old_remote = rev(store, REMOTE_REF)
        added = store.git("log", "--all", "--format=%H", "--diff-filter=A", "--", path).split()
        tomb = {"id": record_id, "destroyed_at": now(), "authorised_by": str(author), "reason": reason.strip(),
                "history_rewritten_from": added[-1] if added else head}
        if record is not None:
            tomb["record_created"] = record.get("created")
            for key in ("review_on", "retain_until"):
                if record.get(f"retention.{key}"):
                    tomb[key] = record.get(f"retention.{key}")
            if record.get("decided.at"):
                tomb["decided_at"] = record.get("decided.at")
        journal = store.work / DESTROY_JOURNAL
        atomic_write(journal, tomli_w.dumps({"id": record_id, "versions": sorted(versions),
                                             "old_remote": old_remote or ""}).encode(), store.work / "tmp")
        commit = commit_tombstone(store, record_id, tomb, author)
        rewritten = finish_destroy(store, record_id, sorted(versions), old_remote)
    return Destroyed(record_id, tomb_path, commit, rewritten, len(versions), head, old_remote,
                     instructions(store, old_remote))


def commit_tombstone(store: Store, record_id: str, tomb: dict[str, Any], author: Identity) -> str:
    """The tombstone written and the record file removed, in one commit. Not in the save journal (which would
    commit whichever half was on disk): the destroy's own journal undoes both halves if this commit never
    landed (resume_destroy)."""
    path, tomb_path = record_path(record_id), tombstone_path(record_id)
    atomic_write(store.root / tomb_path, tomli_w.dumps(tomb).encode(), store.work / "tmp", mode=0o600)
    (store.root / path).unlink(missing_ok=True)
    return store.commit_paths([tomb_path, path], destroy_message(record_id), author)


def finish_destroy(store: Store, record_id: str, versions: list[str], old_remote: str | None) -> int:
    """Steps (3)-(6) of destroy, for a record whose tombstone is committed: each safe to run again."""
    path = record_path(record_id)
    if old_remote:  # before the rewrite: from here on a sync never fetches the old history back
        atomic_write(store.work / "destroy-pending", old_remote.encode(), store.work / "tmp")
    rewritten = 0
    delete_ref(store, SERVER_REF)  # the server as last fetched: only a note for `isp status`, fetched again
    if store.git("log", "--format=%H", "-n", "1", "--all", "--", path).strip():
        refs = store.git("for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes", "refs/tags").split()
        # commits before the record existed need no rewrite: stop at the parents that lack the file (only when
        # the file was never deleted and added again, which would hide older content; the tombstone's commit
        # deletes it at the tip)
        tombstone_commit = store.git("log", "--format=%H", "-n", "1", "--diff-filter=A", BRANCH, "--",
                                     tombstone_path(record_id)).strip()
        deleted = set(store.git("log", "--all", "--format=%H", "--diff-filter=D", "--", path).split())
        negatives = []
        if deleted <= {tombstone_commit}:
            for commit in store.git("log", "--all", "--format=%H", "--diff-filter=A", "--", path).split():
                for parent in store.git("rev-list", "--parents", "-n", "1", commit).split()[1:]:
                    if not has_path(store, parent, path):
                        negatives.append(f"^{parent}")
        rewritten = rewrite_without(store, path, refs + negatives)
        # the tip's tree is the tombstone commit's, already without the file: the working tree and index stand
    remove_local_copies(store, record_id)
    store.sync_index([path, tombstone_path(record_id)])  # the index of a commit killed before its update
    from isp_tui.audit import forget_verified

    forget_verified(store)  # the head verified last is gone from the history by design
    for attempt in range(2):  # a ref lock a killed rewrite or expiry left: cleared once stale, then again
        if run_git(store.root, "reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all",
                   check=False).returncode == 0:
            break
        for lock in [store.gitdir / name for name in REF_LOCKS] + list((store.gitdir / "logs").rglob("*.lock")):
            if lock.exists():
                store.clear_stale_lock(lock)
    prune(store)
    store.close_repo()  # GitPython's view of the packs is stale after gc: reopened on next use
    left = [v for v in versions if has_object(store, v)]
    (store.work / DESTROY_JOURNAL).unlink(missing_ok=True)
    if left:
        raise StoreError(f"{len(left)} version(s) of the record's content are still in the object database "
                         "after the rewrite; check packs kept by .keep files or alternates")
    return rewritten


def prune(store: Store) -> None:
    """`git gc --prune=now`, so the content is really gone. The commit-graph is left to the store's own
    writer (a save's background one may hold its lock); a lock a killed gc left (packed-refs.lock) is
    cleared once stale, and gc run again."""
    args = ("-c", "gc.writeCommitGraph=false", "gc", "-q", "--prune=now")
    for attempt in range(3):
        done = run_git(store.root, *args, check=False)
        if done.returncode == 0:
            forget_commit_graph(store)
            return
        held = [lock for lock in (store.gitdir / "packed-refs.lock", store.gitdir / "gc.pid") if lock.exists()]
        if attempt == 2 or not held:
            break
        for lock in held:
            store.clear_stale_lock(lock)
    raise StoreError(f"pruning the destroyed content failed: {git_message(done.stderr)}; the destroy is completed "
                     "by the next isp")


def forget_commit_graph(store: Store) -> None:
    """The commit-graph lists commits the rewrite dropped and gc pruned (git fsck then fails on them): it is
    only git's cache of the history, so it is removed and written again from what is there now."""
    import shutil

    from isp_tui.store.repo import wait_for_background

    wait_for_background()
    info = store.gitdir / "objects" / "info"
    graph, chain = info / "commit-graph", info / "commit-graphs"
    if graph.is_file() and not graph.is_symlink():
        graph.unlink()
    if chain.is_dir() and not chain.is_symlink():
        shutil.rmtree(chain)
    store.update_commit_graph(wait=True, replace=True)


def resume_destroy(store: Store) -> str | None:
    """A destroy that was interrupted (its journal is there): completed if its tombstone was committed, else
    undone (nothing had changed). Run by recovery, with the store's lock held. Returns what to tell."""
    journal = store.work / DESTROY_JOURNAL
    if journal.is_symlink() or not journal.is_file():
        journal.unlink(missing_ok=True)
        return None
    try:
        info = parse_toml(journal.read_bytes(), journal)
        record_id, versions, old_remote = info["id"], list(info["versions"]), info.get("old_remote") or None
        path = record_path(record_id)  # a journal naming no record id is refused like a cut-short one
    except (InputError, KeyError, TypeError, ValueError):
        journal.unlink()  # the journal itself was cut short: nothing after it had started
        return None
    # the destroy was killed, and with it any git it was running: a git lock left now (the index, the branch,
    # packed-refs, a reflog) is that git's, so it goes now rather than once it is STALE_GIT_LOCK old
    for lock in [store.gitdir / name for name in ("index.lock", "packed-refs.lock", *REF_LOCKS)] + \
            list((store.gitdir / "logs").rglob("*.lock")) + list((store.gitdir / "refs").rglob("*.lock")):
        if lock.is_file() and not lock.is_symlink():
            store.clear_stale_lock(lock, force=True)
    tomb_path = tombstone_path(record_id)
    head = store.head()
    if not has_path(store, head, tomb_path):  # the tombstone commit never landed: put both files back
        (store.root / tomb_path).unlink(missing_ok=True)
        if head and has_path(store, head, path) and store.differs_from_commit(path, head):
            atomic_write(store.root / path, read_blob(store, f"{head}:{path}"), store.work / "tmp")
        store.sync_index([path, tomb_path])
        journal.unlink()
        return (f"recovered: an interrupted destroy of record {record_id} was undone before it changed anything "
                "(run it again)")
    try:
        with sync_lock(store, timeout=0, reentrant=True):
            finish_destroy(store, record_id, versions, old_remote)
    except SyncError:
        return (f"an interrupted destroy of record {record_id} will be completed once the sync running now ends")
    return f"recovered: completed an interrupted destroy of record {record_id} (its tombstone was already committed)"


def remove_local_copies(store: Store, record_id: str) -> None:
    """What else on this machine holds the record: a save's leftover temporary copy, the app's autosave of
    an edit of it, the derived index (rebuilt on next open)."""
    for leftover in (store.work / "tmp").glob(f"{record_id}.toml.*"):
        leftover.unlink()
    for autosave in (store.work / "autosave").glob("*.toml"):
        if record_id.encode() in autosave.read_bytes():
            autosave.unlink()
    for derived in store.work.glob("index.sqlite*"):
        derived.unlink()


def instructions(store: Store, old_remote: str | None) -> list[str]:
    """What an admin does next, after a destroy, so that every other copy loses the content too."""
    url = remote_url(store) or "the organisation's repository"
    lease = f"--force-with-lease=main:{old_remote}" if old_remote else "--force-with-lease"
    return [
        f"1. Push the rewritten history from this machine (the only force push isp ever asks for): "
        f"git -C {store.root} push {lease} {REMOTE} main",
        f"2. On the server holding {url}, remove the old objects: "
        "git reflog expire --expire=now --all && git gc --prune=now (in the bare repository); a hosted service "
        "keeps cached copies and pull-request refs: ask its support to purge them; backups keep the content "
        "until they expire",
        "3. On every other machine: `isp sync` refuses to continue once it sees the rewrite. Move its records "
        "repository aside and start again with `isp init --clone URL PATH`; then delete the old copy (it still "
        "holds the destroyed content). Records made there since its last sync: ask an admin to bring them "
        "across before deleting it",
    ]


if resume_destroy not in RESUMERS:
    RESUMERS.append(resume_destroy)  # the next isp to take the lock completes (or undoes) an interrupted destroy
