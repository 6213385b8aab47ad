"""Integrating the remote's commits into this machine's branch, under the store's lock.

Fast-forward when only the remote moved; otherwise a real merge commit whose tree is built here,
file by file, from the merge base and the two sides. Records are one file per decision with unique
ULID paths, so records created on two machines never touch the same file. When both sides changed
the *same* record (an amendment on each machine), the merged record is the merge-base version with
the union of both sides' `[[amendments]]` replayed in order of time (then id): every amendment
survives. A draft edited on both machines keeps the later edit; the other stays in history and is
named in the merge commit. When a final is involved (finalised on one machine while the draft was edited
on another: the final is kept; finalised on two machines: the later finalisation is kept, with every
amendment of both), the merge names both versions in a `Resolved:` trailer (the version kept and the one
not kept), which `isp verify` checks side by side; the practitioner whose version was not kept is told
(isp_tui.sync.notices). A practitioner never sees a TOML conflict. The working tree and git's
index are moved file by file, so `git status` stays clean and uncommitted work is never overwritten."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from isp_tui.audit.gitlog import RULESET_PATH
from isp_tui.config import Config
from isp_tui.errors import InputError, StoreError, printable
from isp_tui.gitlayer.env import git_env, run_git
from isp_tui.gitlayer.messages import merge_message, resolved_value
from isp_tui.gitlayer.plumbing import BRANCH, ZERO, blob_id, blobs
from isp_tui.guidance import Guidance
from isp_tui.identity import Identity, resolve_identity
from isp_tui.record.changes import apply_changes
from isp_tui.record.ids import RECORD_PATH, TOMBSTONE_PATH, id_from_path
from isp_tui.record.model import Record, outcome_table
from isp_tui.store.commit import GIT_LOCK_RETRIES
from isp_tui.store.files import atomic_write, sync_filesystem, write_many
from isp_tui.store.repo import Store
from isp_tui.sync.objects import (KINDS, changes, has_path, is_ancestor, last_change, last_commit, merge_base,
                                  not_files, read_blob, records_between, tree_diff, write_blob)
from isp_tui.sync.remote import REMOTE, SyncError, git_message


@dataclass
class Integrated:
    """What one integration brought in."""

    commit: str | None = None  # the merge commit made, if one was
    received: set[str] = field(default_factory=set)  # record ids that came in (new or changed)
    merged: list[str] = field(default_factory=list)  # records changed on both sides, amendments merged
    drafts_kept: list[str] = field(default_factory=list)  # drafts edited on both sides: the later one kept
    resolved: list[Collision] = field(default_factory=list)  # collisions where a final was involved
    notes: list[str] = field(default_factory=list)


TWO_FINALS = "two-finals"  # finalised separately on two machines: the later finalisation kept
FINAL_OVER_DRAFT = "final-over-draft"  # finalised on one machine, the draft edited on the other: the final kept


@dataclass(frozen=True)
class Collision:
    """One record worked on separately on two machines where a final was involved: the last commit of the
    record on the side kept and on the side not kept."""

    record: str
    kind: str  # TWO_FINALS or FINAL_OVER_DRAFT
    kept: str
    other: str


def integrate(store: Store, local: str | None, remote: str | None, identity: Identity | None) -> Integrated:
    """Bring `remote` into the branch at `local` (the caller holds the store's lock)."""
    done = Integrated()
    if remote is None or local == remote:
        return done
    if local is not None and is_ancestor(store, remote, local):
        return done  # nothing new there
    refuse_not_files(store, merge_base(store, local, remote) if local else None, remote)
    if local is None or is_ancestor(store, local, remote):
        move_to(store, local, remote)  # fast-forward
        done.received = records_between(store, local, remote)
        return done
    base = merge_base(store, local, remote)
    tree, merged, drafts, resolved, notes = merge_trees(store, base, local, remote)
    message = merge_message(REMOTE, merged, drafts, [resolved_value(c.record, c.kept, c.other) for c in resolved])
    commit = commit_tree(store, tree, [local, remote], message, identity or sync_identity(store))
    move_to(store, local, commit)
    done.commit = commit
    done.received = records_between(store, local, commit)
    done.merged = merged
    done.drafts_kept = [d.split()[0] for d in drafts]
    done.resolved = resolved
    done.notes = notes
    return done


def move_to(store: Store, old: str | None, new: str, *, resumed: bool = False) -> None:
    """Move the working tree, git's index and the branch from `old` to `new` together, refusing (changing
    nothing) if that would overwrite uncommitted work. Files are written by us and the index is given blob
    ids, as the store does (a new machine's first files: by git's checkout, where that is safe: write_tree), so
    no filter a tampered repository config names ever runs. A move cut short is
    finished by the next sync (`.git/isp/moving` names it; `resumed`: this is that move again, whose files were
    found not dirty before it began: a first sync's, which git writes in place, may be cut short part way)."""
    moving = store.work / "moving"
    try:
        refuse_not_files(store, old, new)
    except SyncError:
        moving.unlink(missing_ok=True)  # a move an older isp left half done on such a commit is given up
        raise
    changed = tree_diff(store, old, new)
    for folder in sorted({path.rpartition("/")[0] for path in changed} - {""}):
        link = store.linked(folder)  # checked before anything is written or removed: never through a link
        if link is not None:
            raise SyncError(f"the records that came in could not be written here: {printable(link)} is a symbolic "
                            "link, and isp never writes or removes a record through one; nothing was merged and "
                            "nothing is lost. Replace the link with a plain folder, then sync again")
    atomic_write(moving, f"{old or ZERO} {new}\n".encode(), store.work / "tmp")
    dirty = []
    first_again = resumed and old is None  # a first sync cut short: what is here is git's part-written checkout
    present = {folder for folder in {path.rpartition("/")[0] for path in changed} if (store.root / folder).is_dir()}
    for path, (was, becomes) in ({} if first_again else changed).items():
        if was is None and path.rpartition("/")[0] not in present:  # new here, and its folder is not here yet
            continue  # (a new machine: none is), so neither is the file: one look a folder, not one a file
        full = store.root / path
        current = blob_id(full.read_bytes()) if full.is_file() and not full.is_symlink() else None
        if current not in (was, becomes):
            dirty.append(path)
    if dirty:
        moving.unlink()
        raise SyncError("the records that came in could not be written here, because this machine has uncommitted "
                        f"changes to the same files ({', '.join(sorted(dirty)[:3])}); nothing was merged and nothing "
                        "is lost. Save or discard those changes (git status shows them), then sync again")
    write_tree(store, old, new, changed, again=first_again, fresh=not present)
    store.git("update-ref", "-m", "isp sync", BRANCH, new, old or ZERO)
    moving.unlink()


def refuse_not_files(store: Store, old: str | None, new: str) -> None:
    """Refuse, naming the commit, history that brings in anything but plain files: a gitlink (mode 160000)
    has no blob to write and would stop every later sync; a symbolic link could point out of the tree."""
    odd = not_files(store, old, new)
    if not odd:
        return
    path, mode = odd[0]
    commit = store.git("log", "-1", "--format=%H", new, "--", path).strip() or new
    raise SyncError(f"the organisation's repository holds {printable(path)!r}, a "
                    f"{KINDS.get(mode, f'entry of mode {mode}')} where only record files belong (commit "
                    f"{commit[:12]}); nothing was merged and your records are safe. Ask an admin to remove it from "
                    "the organisation's repository, then sync again")


def write_tree(store: Store, old: str | None, new: str, changed: dict[str, tuple[str | None, str | None]], *,
               again: bool = False, fresh: bool = False) -> None:
    """The working tree and git's index moved from `old` to `new` (`changed`: tree_diff's). A new machine's
    first sync, whose every file is a record, a ruleset copy or a tombstone, and none of whose folders is here
    yet (`fresh`), is git's own checkout of `new` (checkout; `again`: a checkout cut short is done again);
    anything else is written file by file (write_files), as are files already here (such as those an older
    isp's sync cut short left, whole)."""
    if old is None and (again or fresh) and changed and \
            all(was is None and git_may_write(path) for path, (was, _) in changed.items()):
        checkout(store, new, again=again)
        sync_filesystem(store.root)  # on disk before the branch is moved, as write_files' files are
    else:
        write_files(store, changed)


def git_may_write(path: str) -> bool:
    """What git's checkout may write on a first sync: records, ruleset copies and tombstones only, so no
    attribute file (.gitattributes) comes with them to ask git for a conversion, a filter or an ident."""
    return bool(RECORD_PATH.match(path) or RULESET_PATH.match(path) or TOMBSTONE_PATH.match(path))


def checkout(store: Store, new: str, *, again: bool = False) -> None:
    """A new machine's files, all of them, written by git from `new` (`git read-tree -m -u`), with git's index and
    its stat data. Git's checkout writes 100,000 files at about two thirds of the CPU of writing them here
    (bench/README.md, "A new machine"), and leaves an index that `git status` need not hash file by file.
    It is safe here: the tree holds plain files only (refuse_not_files), of record, ruleset and tombstone names
    only (git_may_write: no .gitattributes, so no filter, conversion or ident), into a repository whose config was
    checked (gitlayer.env.check_repository_config) and under git_env(): no hook, no fsmonitor, no program runs.
    Git refuses, before writing anything, a file of the person's in the way (where a record or its folder goes).
    It writes each file in place, not whole-or-absent: a checkout cut short leaves `.git/isp/moving`, and the
    next sync has git write them all again (`again`: over its own part-written files), before the branch moves."""
    for attempt in range(GIT_LOCK_RETRIES):
        done = run_git(store.root, "read-tree", *(("--reset",) if again else ("-m",)), "-u", new, check=False)
        if done.returncode == 0:
            return
        if attempt < GIT_LOCK_RETRIES - 1 and store.clear_stale_lock(store.gitdir / "index.lock"):
            continue
        reason = git_message(done.stderr)
        if "would be overwritten" in reason:
            (store.work / "moving").unlink(missing_ok=True)  # refused before any file was written: not begun
            raise SyncError("the records that came in could not be written here: files of this machine's are where "
                            f"they go ({reason}); nothing was merged and nothing is lost. Move those files aside, "
                            "then sync again")
        raise SyncError(f"the records that came in could not be written here ({reason}); nothing was merged and "
                        "nothing is lost: free some space if the disk is full, then sync again")


def write_files(store: Store, changed: dict[str, tuple[str | None, str | None]]) -> None:
    """Write (or remove) the working-tree files to their new blobs, and tell git's index. The blobs come from
    one `git cat-file --batch`, and the files are flushed to disk together (one sync of their filesystem,
    not two fsyncs a file): a clone of 1,000 records spent 24 s here, one git process and two fsyncs per file
    (at 100,000 records, about 40 minutes). They are written by several threads as the blobs arrive, never
    through a symbolic link (store.files.write_many). Each file is still whole or absent; a move cut short is
    written again by the next sync (finish_move). Git's index is told on stdin the blob each file was written
    from, so no file is read back (Store.sync_index)."""
    writes = [(path, becomes) for path, (_was, becomes) in changed.items() if becomes is not None]
    for path, (_was, becomes) in changed.items():
        if becomes is None:
            (store.root / path).unlink(missing_ok=True)

    def contents() -> Iterator[tuple[str, bytes]]:
        for (path, blob), data in zip(writes, blobs(store.root, [blob for _, blob in writes])):
            if data is None:
                raise StoreError(f"the records repository lacks the object {blob[:12]} of {printable(path)}; run "
                                 "`isp verify --full`")
            yield path, data

    write_many(store.root, contents(), store.work / "tmp")
    store.sync_index(list(changed), blobs={path: becomes for path, (_was, becomes) in changed.items()})


def finish_move(store: Store) -> None:
    """A sync killed while moving the working tree: finish writing the files it had started (idempotent)."""
    moving = store.work / "moving"
    if not moving.is_file():
        return
    old, new = moving.read_text().split()
    head = store.head()
    old = None if old == ZERO else old
    if head == new:
        try:
            refuse_not_files(store, old, new)
        except SyncError:
            moving.unlink()
            raise  # the branch moved: only files and index may lag behind
        write_tree(store, old, new, tree_diff(store, old, new))
        moving.unlink()
    elif head == old:
        move_to(store, old, new, resumed=True)
    else:
        moving.unlink()


def sync_identity(store: Store) -> Identity:
    """Who a merge commit is by when no one was named: git's user (identity.resolve_identity), else "isp sync"."""
    try:
        return resolve_identity(None, Config(), store.root)
    except InputError:
        return Identity("isp sync", "isp-sync@localhost.invalid")


def commit_tree(store: Store, tree: str, parents: list[str], message: str, author: Identity) -> str:
    """The merge commit (signed when the store's commits are), made as the store makes its own."""
    try:
        return store.make_commit(tree, parents, message, author, sign=store.signing())
    except StoreError as exc:
        raise SyncError(f"the merge commit could not be made: {exc}") from None


def merge_trees(store: Store, base: str | None, local: str, remote: str
                ) -> tuple[str, list[str], list[str], list[Collision], list[str]]:
    """The merged tree: local, plus remote's changes, with records changed on both sides merged. Returns the
    tree, the records whose amendments were merged, the drafts kept ("<id> <how>"), the collisions where a
    final was involved, and notes."""
    ours, theirs = changes(store, base, local), changes(store, base, remote)
    updates: dict[str, tuple[str, str] | None] = {}
    merged, drafts, notes = [], [], []
    resolved: list[Collision] = []
    for path, change in theirs.items():
        if path not in ours:
            updates[path] = change
            continue
        mine = ours[path]
        if mine == change:
            continue
        record_id = id_from_path(path)
        if record_id and mine and change:
            try:
                blob, kind, ours_kept = merge_record(store, path, base, local, remote, mine[1], change[1])
            except InputError as exc:  # a version that cannot be read as a record: keep ours, lose nothing
                notes.append(f"kept this machine's version of {path}: the other (in commit {remote[:12]}) could not "
                             f"be read ({exc})")
                continue
            updates[path] = ("100644", blob)
            if kind == "amendments" or (kind == TWO_FINALS and blob not in (mine[1], change[1])):
                merged.append(record_id)
            kept_side, other_side = (local, remote) if ours_kept else (remote, local)
            if kind in (TWO_FINALS, FINAL_OVER_DRAFT):  # a final was involved: name both versions
                resolved.append(Collision(record_id, kind, last_commit(store, kept_side, path),
                                          last_commit(store, other_side, path)))
            elif kind == "drafts":
                drafts.append(f"{record_id} kept draft from {kept_side[:12]}; other version in {other_side[:12]}")
        elif mine is None and change is not None:
            updates[path] = change  # deleted here, changed there: keep the change, nothing is lost
            notes.append(f"kept {path}: deleted on this machine but changed on another")
        elif mine is not None and change is None:
            notes.append(f"kept {path}: deleted on another machine but changed on this one")
        else:
            notes.append(f"kept this machine's version of {path}; the other is in commit {remote[:12]}")
    with tempfile.TemporaryDirectory(dir=store.work) as tmp:
        env = {**git_env({"core.splitIndex": "false"}), "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        run = lambda *args, input=None: run_git(store.root, *args, input=input, env=env).stdout  # noqa: E731
        run("read-tree", local)
        lines = [f"0 {ZERO}\t{path}" if change is None else f"{change[0]} {change[1]}\t{path}"
                 for path, change in updates.items()]
        if lines:
            run("update-index", "-z", "--index-info", input=("\0".join(lines) + "\0").encode())
        tree = run("write-tree").decode().strip()
    return tree, sorted(merged), sorted(drafts), sorted(resolved, key=lambda c: c.record), notes


def merge_record(store: Store, path: str, base: str | None, local: str, remote: str, mine: str,
                 theirs: str) -> tuple[str, str, bool]:
    """One record changed on both sides. Returns the merged blob, how ("amendments", TWO_FINALS,
    FINAL_OVER_DRAFT or "drafts") and whether this machine's version is the one kept."""
    a = Record.from_toml(read_blob(store, mine), path)
    b = Record.from_toml(read_blob(store, theirs), path)
    original = None
    if base is not None and has_path(store, base, path):
        original = Record.from_toml(read_blob(store, f"{base}:{path}"), path)
    if a.is_final and b.is_final:
        if original is not None and original.is_final:
            start, how, ours_kept = original, "amendments", True
        else:  # finalised separately on two machines: the later finalisation is the start
            start = max((a, mine), (b, theirs), key=lambda rb: (str(rb[0].get("decided.at")), rb[1]))[0]
            how, ours_kept = TWO_FINALS, start is a
        known = {m["id"] for m in start.data.get("amendments", [])}
        extra: dict[str, dict] = {}
        for side in (a, b):
            for amendment in side.data.get("amendments", []):
                if amendment["id"] not in known:
                    extra.setdefault(amendment["id"], amendment)
        ordered = sorted(extra.values(), key=lambda m: (m["at"], m["id"]))
        data = dict(start.data)
        for amendment in ordered:
            data = apply_changes(data, amendment["changes"])
        data["amendments"] = list(start.data.get("amendments", [])) + ordered
        corrections: dict[str, dict] = {}
        for side in (start, a, b):
            for correction in side.data.get("corrections", []):
                corrections.setdefault(correction["id"], correction)
        if corrections:
            data["corrections"] = sorted(corrections.values(), key=lambda c: (c["found_on"], c["id"]))
        if how == TWO_FINALS and not ordered and len(corrections) == len(start.data.get("corrections", [])):  # nothing to add to the final kept: keep it byte for byte
            return (mine if ours_kept else theirs), how, ours_kept
        return write_blob(store, recompute(data, path).to_toml().encode()), how, ours_kept
    if a.is_final != b.is_final:  # finalised on one machine, the draft edited on the other: final wins
        return (mine if a.is_final else theirs), FINAL_OVER_DRAFT, a.is_final
    # a draft edited on both machines: the later edit is kept, the other stays in history
    ours_kept = (last_change(store, local, path), mine) >= (last_change(store, remote, path), theirs)
    return (mine if ours_kept else theirs), "drafts", ours_kept


@functools.lru_cache(maxsize=1)
def installed_guidance() -> Guidance:
    from isp_tui.guidance import load_guidance

    return load_guidance()


def recompute(data: dict[str, Any], path: str) -> Record:
    """The merged record, with the engine's outcome worked out again from the merged answers when the
    guidance it was made under is here (replayed amendments carry the outcome's engine and path only)."""
    record = Record.from_dict(data, path)
    try:
        guidance = installed_guidance()
        checked = Record.from_dict(data, path, guidance=guidance)
        checked.data["outcome"] = outcome_table(checked, guidance)
        return Record.from_dict(checked.data, path)
    except (InputError, KeyError, OSError):
        return record
