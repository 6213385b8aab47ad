"""The journal: every save is written down (and fsynced) before its record file, and removed only once the
commit and git's index are done. A process killed at any instant leaves either the old state, or a journal
entry that the next store opened on the repository completes (recover(), run each time the lock is taken)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import tomli_w

from isp_tui.errors import InputError, printable
from isp_tui.gitlayer.messages import mark_recovered
from isp_tui.gitlayer.plumbing import blob_id
from isp_tui.tomlfile import parse_toml
from isp_tui.store.commit import REF_LOCKS
from isp_tui.store.files import atomic_write
from isp_tui.identity import Identity

if TYPE_CHECKING:
    from isp_tui.store.repo import Store


# how to complete an interrupted operation of a layer above the store, registered by that layer (the store
# never imports it): retention registers its destroy; a face opening a repository with a destroy pending
# imports retention first (isp_tui.retention.PENDING names the file it leaves)
RESUMERS: list[Callable[[Store], str | None]] = []


class Journal:
    """A Store's journal of saves under way (.git/isp/journal/<id>.toml)."""

    def journal_path(self: Store, record_id: str) -> Path:
        return self.work / "journal" / f"{record_id}.toml"

    def write_journal(self: Store, record_id: str, paths: list[str], message: str, author: Identity) -> Path:
        entry = self.journal_path(record_id)
        atomic_write(entry, tomli_w.dumps({"paths": paths, "message": message, "author": str(author)}).encode(),
                     self.work / "tmp")
        return entry

    def recover(self: Store) -> list[str]:
        """Finish saves a crash interrupted. Called with the lock held, before every change."""
        self.remove_stray_temporaries()
        journal_dir = self.work / "journal"
        entries = sorted(journal_dir.glob("*.toml")) if journal_dir.is_dir() else []
        if not entries:
            return self.resume_pending()
        for lock in [self.gitdir / "index.lock"] + [self.gitdir / name for name in REF_LOCKS]:
            if lock.exists():  # we hold the repository lock and a save of ours was cut short: the lock is ours
                self.clear_stale_lock(lock, force=True)
        # an object write killed half way leaves a temporary file in objects/: part of a record's compressed
        # content that git itself would only prune after weeks
        for garbage in self.object_writer().stray_temporaries():
            garbage.unlink(missing_ok=True)
        done = []
        for entry in entries:
            try:
                info = parse_toml(entry.read_bytes(), entry)
                paths, message, author = info["paths"], info["message"], Identity.parse(info["author"])
            except (InputError, KeyError, TypeError):
                entry.unlink()  # the journal entry itself was cut short: nothing after it had started
                continue
            linked = [p for p in paths if not isinstance(p, str) or self.linked(p)]
            if linked:  # a planted journal, or a record path made a link since: never commit what a link leads to
                entry.unlink()
                done.append(f"refused: an interrupted save names {printable(str(linked[0]))}, which is a symbolic link "
                            "or under one; it was not completed (isp never follows a link in the records tree)")
                continue
            head = self.head()
            changed = [p for p in paths if self.differs_from_commit(p, head)]
            if changed:
                self.commit_paths(paths, mark_recovered(message), author)
                done.append(f"recovered: completed an interrupted save of record {entry.stem}")
            else:
                self.sync_index(paths)
            entry.unlink()
        self.messages.extend(done)
        return done + self.resume_pending()

    def resume_pending(self: Store) -> list[str]:
        """Operations above the store that journal themselves (retention's destroy: .git/isp/destroy.toml)
        register how to complete one a crash interrupted (RESUMERS); each runs here, under the lock."""
        told = [t for resume in RESUMERS if (t := resume(self))]
        self.messages.extend(told)
        return told

    def remove_stray_temporaries(self: Store) -> None:
        """A process killed inside atomic_write leaves `<name>.<pid>.tmp`: a copy of a record (personal data) that
        nothing would ever delete, not even retention. Removed once the process that wrote it is gone."""
        for left in self.work.glob("tmp?*") if self.work.is_dir() else []:
            # a killed sync's temporary index folder (tempfile's tmpXXXXXXXX): syncs use it under this lock
            if left.name != "tmp" and left.is_dir() and not left.is_symlink():
                shutil.rmtree(left, ignore_errors=True)
        tmp_dir = self.work / "tmp"
        for tmp in tmp_dir.glob("*.tmp") if tmp_dir.is_dir() else []:
            pid = tmp.suffixes[-2][1:] if len(tmp.suffixes) >= 2 else ""
            if pid.isdigit() and int(pid) != os.getpid() and not running(int(pid)):
                tmp.unlink(missing_ok=True)

    def differs_from_commit(self: Store, path: str, commit: str | None) -> bool:
        full = self.root / path
        if commit is None:
            return full.is_file()
        try:
            committed = self.git("rev-parse", "-q", "--verify", f"{commit}:{path}").strip()
        except subprocess.CalledProcessError:
            committed = ""
        if not full.is_file():
            return bool(committed)
        current = blob_id(full.read_bytes())  # hashed here: `git hash-object PATH` would run a clean filter
        return current != committed


def running(pid: int) -> bool:
    """Whether a process with this id is still running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
