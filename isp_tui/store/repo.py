"""The records repository: a git repository holding one TOML file per decision. Reading it, and the lock.

One inter-process lock (`.git/isp/lock`) serialises every change, so the TUI, the CLI and a sync can run at
once without a git lock error; taking it first completes any save a crash interrupted (journal.py).
"""

from __future__ import annotations

import os
import stat
import subprocess
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from isp_tui.errors import InputError, StoreError
from isp_tui.gitlayer.env import check_repository_config, run_git, start_git
from isp_tui.gitlayer.messages import LogFormat, parse_trailer_lines
from isp_tui.gitlayer.plumbing import open_repo, resolve
from isp_tui.guidance import Guidance
from isp_tui.record.ids import RECORD_DEPTH, RECORD_GLOB, record_path
from isp_tui.record.model import Record
from isp_tui.store.commit import BRANCH, Committing
from isp_tui.store.journal import Journal
from isp_tui.store.save import Saving
from isp_tui.store.types import Problem, Revision

if TYPE_CHECKING:
    import git

LOCK_TIMEOUT = 60.0
BACKGROUND: list[subprocess.Popen] = []  # commit-graph writers still running
HISTORY_FIELDS = ("%H", "%an", "%ae", "%aI", "%s", "%(trailers:only,unfold)")


class Store(Saving, Journal, Committing):
    """One records repository on disk: reading it, and the lock every change takes (saving: save.py; the
    journal: journal.py; the commit path: commit.py)."""

    def __init__(self, root: Path, *, create: bool = True):
        self.root = Path(root).expanduser().absolute()
        self.messages: list[str] = []  # things a person should be told (recoveries, permissions)
        self._repo: git.Repo | None = None
        if not (self.root / ".git").exists():
            if not create:
                raise StoreError(f"{self.root} is not a records repository (no .git); run `isp init {self.root}`")
            self._init()
        self.gitdir = self.root / ".git"
        if not self.gitdir.is_dir():
            raise StoreError(f"{self.root} is not a records repository: .git is not a directory")
        self.work = self.gitdir / "isp"
        check_repository_config(self.gitdir)  # a config that could run a program is refused before any git runs
        self._check_permissions()

    # -- set-up ------------------------------------------------------------------------------------

    def _init(self) -> None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root} is not a directory")
        if root.is_dir():
            others = [p.name for p in root.iterdir() if p.name not in ("README.md", ".gitkeep")]
            if others:
                raise StoreError(f"{root} is not a git repository and is not empty ({', '.join(sorted(others)[:3])}...); "
                                 "choose an empty directory for the records repository")
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(root, 0o700)
            run_git(root.parent, "init", "-q", "-b", "main", str(root))
        except PermissionError:
            raise StoreError(f"cannot create the records repository at {root}: permission denied") from None
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"cannot create the records repository at {root}: {exc.stderr.decode(errors='replace').strip()}") from None
        for key, value in (("core.splitIndex", "true"), ("index.version", "4"), ("core.untrackedCache", "false")):
            run_git(root, "config", key, value)
        exclude = root / ".git" / "info" / "exclude"
        exclude.parent.mkdir(exist_ok=True)
        with exclude.open("a") as fh:  # a checkout's records/README.md belongs to the project, not here
            fh.write("/README.md\n/.gitkeep\n")

    def _check_permissions(self) -> None:
        mode = stat.S_IMODE(self.root.stat().st_mode)
        if mode & 0o077:
            self.messages.append(f"warning: {self.root} can be read by other users (mode {mode:o}); "
                                 f"records hold personal data: chmod 700 {self.root}")

    @property
    def repo(self) -> git.Repo:
        if self._repo is None:
            self._repo = open_repo(self.root)
        return self._repo

    def close_repo(self) -> None:
        """Let go of GitPython's view (its persistent cat-file): after a gc its view of the packs is stale."""
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    # -- running git ---------------------------------------------------------------------------------

    def git(self, *args: str, input: bytes | None = None) -> str:
        """Run git in the records repository under git_env() (hooks and fsmonitor disabled)."""
        return run_git(self.root, *args, input=input).stdout.decode("utf-8", "replace")

    # -- the lock ------------------------------------------------------------------------------------

    def lock(self) -> RepositoryLock:
        from filelock import FileLock

        self.prepare_work()
        return RepositoryLock(FileLock(str(self.work / "lock"), timeout=LOCK_TIMEOUT), self)

    def prepare_work(self) -> None:
        """.git/isp/ before any change: a plain folder of ours, on main, writable. Nothing in it is ever
        followed through a symbolic link: a link (or anything but a plain file) where the lock should be is
        replaced, with a message; a link anywhere else in it is removed (isp never makes one)."""
        self.refuse_other_branch()
        if self.work.is_symlink() or (self.work.exists() and not self.work.is_dir()):
            raise StoreError(f"refused: {self.work} is not a plain folder (a symbolic link?); isp keeps its "
                             "journal and lock there: remove it and run isp again")
        try:
            self.work.mkdir(exist_ok=True, mode=0o700)
            lock = self.work / "lock"
            if lock.is_symlink() or (lock.exists() and not lock.is_file()):
                (lock.unlink if not lock.is_dir() or lock.is_symlink() else lock.rmdir)()
                self.messages.append("recovered: replaced .git/isp/lock, which was not a plain file")
            for folder, dirs, files in os.walk(self.work):
                for name in dirs + files:
                    here = Path(folder) / name
                    if here.is_symlink():
                        here.unlink()
                        self.messages.append(f"recovered: removed a symbolic link {here.relative_to(self.root)} "
                                             "(isp never follows one)")
            probe = self.work / f".writable.{os.getpid()}"
            probe.touch(mode=0o600)
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"the records repository {self.root} cannot be written here ({exc.strerror or exc}); "
                             "reading commands still work, nothing was changed") from None

    def plain_work(self) -> bool:
        """Whether .git/isp (and its tmp folder) is a plain folder of ours, or not there yet: never a link."""
        work, tmp = self.work, self.work / "tmp"
        return not work.is_symlink() and (not work.exists() or work.is_dir()) and not tmp.is_symlink()

    def refuse_linked_work(self) -> None:
        """Refuse (StoreError, one line) a .git/isp, or its tmp folder, that is a link: for a reading command that
        must write there (the policy's allowed signers, which git then reads). Writers clear links instead, under
        the lock (prepare_work)."""
        if not self.plain_work():
            raise StoreError(f"refused: {self.work} or its tmp folder is not a plain folder (a symbolic link?); "
                             "isp never reads or writes through one: remove it and run isp again")

    def refuse_other_branch(self) -> None:
        """isp writes only to main: another branch checked out, or a detached HEAD, is refused (read from
        .git/HEAD itself: no git runs)."""
        head = self.gitdir / "HEAD"
        try:
            text = head.read_text(errors="replace").strip() if not head.is_symlink() else ""
        except OSError:
            text = ""
        if text != f"ref: {BRANCH}":
            what = (f"branch {text[5:].removeprefix('refs/heads/')!r} is checked out" if text.startswith("ref: ")
                    else "HEAD is detached (no branch checked out)")
            raise StoreError(f"refused: in the records repository {what}; isp records only on main: "
                             f"run `git -C {self.root} switch main` (after saving any work of yours there)")

    # -- reading -----------------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit the branch points to, or None in a repository with no commits yet."""
        if self._repo is not None:  # GitPython's persistent cat-file is open: ask it (no new process)
            return resolve(self._repo, BRANCH)
        try:
            return self.git("rev-parse", "--verify", "-q", BRANCH).strip() or None
        except subprocess.CalledProcessError:
            return None

    def path_of(self, record_id: str) -> Path:
        return self.root / record_path(record_id)

    def exists(self, record_id: str) -> bool:
        return self.path_of(record_id).is_file()

    def linked(self, rel: str) -> str | None:
        """The first part of a path inside the repository that is a symbolic link (a file or a folder that
        could lead out of it), or None. Records are plain files in plain folders; links are never followed."""
        here = self.root
        for part in Path(rel).parts:
            here = here / part
            if here.is_symlink():
                return str(here.relative_to(self.root))
        return None

    def refuse_links(self, rel: str, file: object = None) -> None:
        link = self.linked(rel)
        if link is not None:
            what = "is a symbolic link" if link == rel else f"is under a symbolic link ({link})"
            raise InputError(f"{what}; records are plain files in plain folders and links are not followed",
                             file=file or rel)

    def get(self, record_id: str, guidance: Guidance | None = None) -> Record:
        path = self.path_of(record_id)
        self.refuse_links(record_path(record_id), path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"no record with id {record_id} in {self.root}", field="id") from None
        record = Record.from_toml(raw, path, guidance=guidance)
        if record.id != record_id:
            raise InputError(f"holds id {record.id!r}, but its file name says {record_id!r}", file=path, field="id")
        return record

    def record_at(self, record_id: str, commit: str, guidance: Guidance | None = None) -> Record:
        raw = self.git("show", f"{commit}:{record_path(record_id)}").encode()
        return Record.from_toml(raw, f"{commit[:12]}:{record_path(record_id)}", guidance=guidance)

    def resolve_id(self, given: str) -> str:
        """The record id `given` names, whole or a unique prefix (record.ids.resolve_id over this repository's
        record files; a whole id is not searched for)."""
        from isp_tui.record.ids import is_record_id, resolve_id

        if is_record_id(given):
            return given
        return resolve_id(given, (path.stem for path in self.paths()))

    def hand_edited(self) -> bool:
        """Whether the working tree holds files not committed (planted, copied in) or a record file written
        after the branch's last commit (a hand edit). Neither question hashes anything, so no filter a
        tampered repository names runs: `git ls-files --others`, then the record files' modification times."""
        if self.git("ls-files", "-z", "--others", "--exclude-standard").strip("\0"):
            return True
        head = self.head()
        if not head:
            return False
        since = int(self.git("log", "-1", "--format=%ct", head).strip() or 0) + 2  # commit times are whole seconds
        folders = RECORD_DEPTH - 1  # YYYY/MM/DD
        stack = [(str(self.root), 0)]
        while stack:
            folder, depth = stack.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if depth < folders and entry.name.isdigit() and entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, depth + 1))
                    elif depth == folders and entry.name.endswith(".toml") and \
                            entry.stat(follow_symlinks=False).st_mtime > since:
                        return True
        return False

    def paths(self) -> Iterator[Path]:
        return iter(sorted(self.root.glob(RECORD_GLOB)))

    def records(self, guidance: Guidance | None = None) -> Iterator[Record | Problem]:
        """Every record file in the working tree; a broken one is a Problem naming the file, not an error."""
        for path in self.paths():
            rel = str(path.relative_to(self.root))
            try:
                self.refuse_links(rel)
                record = Record.from_toml(path.read_bytes(), rel, guidance=guidance)
                if record.id != path.stem:
                    raise InputError(f"holds id {record.id!r}, but its file name says {path.stem!r}", file=rel, field="id")
                if record.path != rel:
                    raise InputError(f"is in the wrong folder: record {record.id} belongs at {record.path}", file=rel,
                                     field="id")
                yield record
            except InputError as exc:
                yield Problem(rel, str(exc))
            except OSError as exc:
                yield Problem(rel, f"{rel}: cannot be read ({exc.strerror})")

    def history(self, record_id: str) -> list[Revision]:
        """Every commit that touched the record, newest first: on both sides of a merge (a version sync did
        not keep stays in the history), and the merges that name the record (amendments merged, a
        collision resolved), not the merges that only brought a change across."""
        try:
            fmt = LogFormat(*HISTORY_FIELDS)  # separators no commit can hold
            out = self.git("log", "--full-history", fmt.format, BRANCH, "--", record_path(record_id))
        except subprocess.CalledProcessError:
            return []
        return [revision for fields, _ in fmt.parse(out) if (revision := parse_revision(fields))
                and (revision.trailers.action != "merge" or record_id in revision.trailers.merged_records
                     or any(r.startswith(record_id + " ") for r in revision.trailers.resolved))]

    def update_commit_graph(self, *, wait: bool = True, replace: bool = False) -> None:
        """Write git's commit-graph with changed-path (Bloom) filters, so `git log -- <file>` (a record's
        history) skips the commits that did not touch it. Incremental (`--split`): only new commits are
        added, as a new layer; `replace` writes it whole (the first time, or to add filters to a graph
        some other git wrote without them). With wait=False it runs as a background git process."""
        args = ["commit-graph", "write", "--reachable", "--changed-paths", "--no-progress",
                "--split=replace" if replace else "--split"]
        if wait:  # after any write still running in the background (at the lowest priority it may be slow):
            wait_for_background()  # git takes one commit-graph lock, and the second writer would do nothing
            run_git(self.root, *args, check=False)
            return
        BACKGROUND[:] = [p for p in BACKGROUND if p.poll() is None]
        proc = start_git(self.root, *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:  # the lowest priority: at 125,000 commits it takes 8 s of a core, and a new machine's first verify
            os.setpriority(os.PRIO_PROCESS, proc.pid, 19)  # or browse should not wait behind it
        except (AttributeError, OSError):
            pass
        BACKGROUND.append(proc)

    # -- writing -------------------------------------------------------------------------------------


class RepositoryLock:
    """The repository lock; on taking it, interrupted saves are completed first."""

    def __init__(self, lock: Any, store: Store):
        self._lock, self._store = lock, store

    def __enter__(self) -> Store:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise StoreError(f"the records repository {self._store.root} is busy: another isp has been saving "
                             f"for over {LOCK_TIMEOUT:.0f} s") from None
        try:
            self._store.recover()
        except BaseException:
            self._lock.release()
            raise
        return self._store

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def wait_for_background() -> None:
    """Wait for the git processes the store started in the background (commit-graph writers)."""
    for proc in BACKGROUND:
        proc.wait()


def parse_revision(fields: list[str]) -> Revision:
    """One commit of `git log` output in HISTORY_FIELDS."""
    commit, author, email, when, subject, trailers = fields
    return Revision(commit, author, email, datetime.fromisoformat(when), subject, parse_trailer_lines(trailers))
