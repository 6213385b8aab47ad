"""The git questions a sync and a destroy ask: revisions, ancestry, blobs, which record files changed."""

from __future__ import annotations

import subprocess

from typing import TYPE_CHECKING

from isp_tui.gitlayer.env import run_git
from isp_tui.record.ids import TOMBSTONES, id_from_path, is_record_id

if TYPE_CHECKING:
    from isp_tui.store.repo import Store


def rev(store: Store, ref: str) -> str | None:
    """The commit a ref names, or None."""
    try:
        return store.git("rev-parse", "--verify", "-q", ref + "^{commit}").strip() or None
    except subprocess.CalledProcessError:
        return None


def delete_ref(store: Store, ref: str) -> None:
    if rev(store, ref):
        store.git("update-ref", "-d", ref)


def is_ancestor(store: Store, a: str, b: str) -> bool:
    return run_git(store.root, "merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def merge_base(store: Store, a: str, b: str) -> str | None:
    try:
        return store.git("merge-base", a, b).strip() or None
    except subprocess.CalledProcessError:
        return None


def has_object(store: Store, spec: str) -> bool:
    return run_git(store.root, "cat-file", "-e", spec, check=False).returncode == 0


def has_path(store: Store, commit: str, path: str) -> bool:
    try:
        store.git("rev-parse", "-q", "--verify", f"{commit}:{path}")
        return True
    except subprocess.CalledProcessError:
        return False


def read_blob(store: Store, spec: str) -> bytes:
    return run_git(store.root, "cat-file", "blob", spec).stdout


def write_blob(store: Store, data: bytes) -> str:
    return run_git(store.root, "hash-object", "-w", "--stdin", input=data).stdout.decode().strip()


def records_between(store: Store, old: str | None, new: str) -> set[str]:
    """Ids of the records whose files differ between two commits (old None: every record in new)."""
    if old is None:
        out = store.git("ls-tree", "-r", "--name-only", "-z", new)
    else:
        out = store.git("diff-tree", "-r", "--name-only", "--no-renames", "-z", old, new)
    return {i for p in out.split("\0") if (i := id_from_path(p))}


def tombstoned(store: Store, commit: str | None) -> set[str]:
    """Ids of the records destroyed as of a commit (their tombstones)."""
    if commit is None or not has_path(store, commit, TOMBSTONES):
        return set()
    out = store.git("ls-tree", "--name-only", "-z", f"{commit}:{TOMBSTONES}/")
    return {name[:-5] for name in out.split("\0") if name.endswith(".toml") and is_record_id(name[:-5])}


def last_change(store: Store, tip: str, path: str) -> int:
    """When a file last changed as of `tip` (commit time, seconds)."""
    out = store.git("log", "-1", "--format=%ct", tip, "--", path).strip()
    return int(out or 0)


def last_commit(store: Store, tip: str, path: str) -> str:
    """The last commit that changed a file as of `tip`."""
    return store.git("log", "-1", "--format=%H", tip, "--", path).strip()


def changes(store: Store, base: str | None, tip: str) -> dict[str, tuple[str, str] | None]:
    """path -> (mode, blob) as in tip, or None if deleted, for every file changed since base."""
    if base is None:
        out = store.git("ls-tree", "-r", "-z", tip)
        listed = {}
        for entry in out.split("\0"):
            if entry:
                info, path = entry.split("\t", 1)
                mode, _kind, blob = info.split()
                listed[path] = (mode, blob)
        return listed
    out = store.git("diff-tree", "-r", "-z", "--no-renames", base, tip)
    fields = out.split("\0")
    changed: dict[str, tuple[str, str] | None] = {}
    for info, path in zip(fields[0::2], fields[1::2]):
        if not info:
            continue
        _old_mode, new_mode, _old, new, status = info.lstrip(":").split()
        changed[path] = None if status == "D" else (new_mode, new)
    return changed


def tree_diff(store: Store, old: str | None, new: str) -> dict[str, tuple[str | None, str | None]]:
    """path -> (blob in old, blob in new), None where absent, for every file that differs."""
    if old is None:
        return {path: (None, entry[1]) for path, entry in changes(store, None, new).items() if entry}
    out = store.git("diff-tree", "-r", "-z", "--no-renames", old, new)
    fields = out.split("\0")
    changed: dict[str, tuple[str | None, str | None]] = {}
    for info, path in zip(fields[0::2], fields[1::2]):
        if info:
            _old_mode, _new_mode, was, becomes, status = info.lstrip(":").split()
            changed[path] = (None if status == "A" else was, None if status == "D" else becomes)
    return changed


FILE_MODES = ("100644", "100755")  # what a records repository holds: files (never links or other repositories)
KINDS = {"160000": "link to another repository (a gitlink, mode 160000)", "120000": "symbolic link (mode 120000)",
         "040000": "folder"}


def not_files(store: Store, old: str | None, new: str) -> list[tuple[str, str]]:
    """(path, mode) of every entry that `new` adds or changes since `old` and that is not a plain file."""
    if old is None:
        out = store.git("ls-tree", "-r", "-z", new)
        entries = [(info.split()[0], path) for entry in out.split("\0") if entry
                   for info, path in [entry.split("\t", 1)]]
    else:
        fields = store.git("diff-tree", "-r", "-z", "--no-renames", old, new).split("\0")
        entries = [(info.lstrip(":").split()[1], path) for info, path in zip(fields[0::2], fields[1::2])
                   if info and not info.endswith(" D")]
    return [(path, mode) for mode, path in entries if mode not in FILE_MODES]
