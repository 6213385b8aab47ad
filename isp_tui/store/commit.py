"""The commit path: commit files on top of the branch without reading git's index, move the branch, bring
git's index up to date for the changed paths.

The branch's commit and the few trees on the way to each path (root, year, month, day: a handful of small
trees whatever the size of the repository) are read through GitPython's persistent `git cat-file --batch`;
the new blob, trees and commit are written as loose objects by gitdb; the branch is moved with
`git update-ref` (compare-and-swap on the old value). Signed commits (commit.gpgsign) are made by
`git commit-tree -S` instead. Meanwhile `git update-index` brings git's index up to date for the changed
paths, so a person running `git status` sees a clean tree; with a split index that is a small write, but it
reads the whole index, the only cost that grows with the number of records, so it runs side by side with the
commit and the save waits for both.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from isp_tui.dates import now
from isp_tui.errors import InputError, StoreError
from isp_tui.gitlayer.env import run_git, start_git
from isp_tui.gitlayer.plumbing import (BRANCH, FILE_MODE, TREE_MODE, ZERO, ObjectWriter, blob_id, commit_bytes, read_objects,
                                       signing_answer, signing_started, tree_bytes, tree_entries)

if TYPE_CHECKING:
    import git

    from isp_tui.identity import Identity

STALE_GIT_LOCK = 30.0  # seconds after which a git lock file nobody is holding is taken as left by a crash
GIT_LOCK_RETRIES = 20  # a person's git commands may take git's own locks between our tries
REF_LOCKS = (BRANCH + ".lock", "HEAD.lock")  # what a killed `git update-ref` of the branch can leave behind
MANY_PATHS = 256  # paths beyond which git's index is given them on stdin (a command line holds about 2 MB)
RESPLIT_FROM = 64 * 1024  # bytes of split index below which it is never worth writing a new shared index


class Committing:
    """The commit path of a Store (root, gitdir, repo, git(), head(), messages come from the Store)."""

    root: Path
    gitdir: Path
    messages: list[str]
    _objects: ObjectWriter | None = None

    @property
    def repo(self) -> git.Repo:  # pragma: no cover - the Store's
        raise NotImplementedError

    def git(self, *args: str, input: bytes | None = None) -> str:  # pragma: no cover - the Store's
        raise NotImplementedError

    def head(self) -> str | None:  # pragma: no cover - the Store's
        raise NotImplementedError

    def commit_paths(self, paths: list[str], message: str, author: Identity, *,
                     indexing: subprocess.Popen | None = None) -> str:
        """Commit the working-tree content of `paths` on top of the branch, without reading the index.
        `indexing` is the `update-index` the caller started (index_started): it only needs the files on disk,
        so it runs beside the commit; this returns only once both are done."""
        for path in paths:  # what a symbolic link leads to (a key, another repository's file) is never committed
            if self.linked(path):  # type: ignore[attr-defined]
                if indexing is not None:
                    indexing.kill()
                    indexing.wait()
                raise StoreError(f"cannot commit {path}: it is a symbolic link or under one; records are plain "
                                 "files in plain folders")
        try:
            commit = self._commit_objects(paths, message, author)
        finally:
            indexed = indexing is not None and indexing.wait() == 0
        if not indexed:
            self.sync_index(paths)  # not started, or it failed (a stale index.lock?): the careful way
        return commit

    def signing(self) -> bool:
        """Whether commits are to be signed (commit.gpgsign); sync's merge commits ask this too."""
        return signing_answer(signing_started(self.root))

    def index_started(self, paths: list[str]) -> subprocess.Popen:
        """`git update-index` for `paths`, started and not waited for. Entries are given by blob id
        (--cacheinfo): git hashes nothing itself, so no clean filter a tampered repository names runs."""
        return start_git(self.root, *self._index_args(paths), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sync_index(self, paths: list[str], blobs: dict[str, str | None] | None = None) -> None:
        """Bring git's index up to date for the changed paths only (split index: a small write); a person's
        `git status` refreshes their stat data. `blobs`: the blob each path was just written from (None: it
        was removed), so its file is not read and hashed again."""
        for attempt in range(GIT_LOCK_RETRIES):
            try:
                if len(paths) > MANY_PATHS:  # a first sync's 100,000 paths: on stdin, not as arguments
                    run_git(self.root, "update-index", *self._resplit(), "-z", "--index-info",
                            input=self._index_info(paths, blobs or {}))
                else:
                    run_git(self.root, *self._index_args(paths))
                return
            except subprocess.CalledProcessError as exc:
                if attempt < GIT_LOCK_RETRIES - 1 and self.clear_stale_lock(self.gitdir / "index.lock"):
                    continue
                raise StoreError(f"git's index could not be updated: {exc.stderr.decode(errors='replace').strip()}") from None

    def _index_args(self, paths: list[str]) -> list[str]:
        present = [p for p in paths if (self.root / p).is_file()]
        gone = [p for p in paths if p not in present]
        args = ["update-index", "--add", *self._resplit()]
        for p in present:
            args += ["--cacheinfo", f"100644,{blob_id((self.root / p).read_bytes())},{p}"]
        if gone:
            args += ["--force-remove", "--", *gone]
        return args

    def _index_info(self, paths: list[str], known: dict[str, str | None]) -> bytes:
        """`_index_args` as `git update-index -z --index-info` lines (mode 0 removes a path); `known`: paths
        whose blob is known (None: removed)."""
        lines = []
        for p in paths:
            if p in known:
                blob = known[p]
            else:
                full = self.root / p
                blob = blob_id(full.read_bytes()) if full.is_file() else None
            lines.append(f"100644 {blob}\t{p}" if blob else f"0 {ZERO}\t{p}")
        return ("\0".join(lines) + "\0").encode("utf-8", "surrogateescape")

    def _resplit(self) -> list[str]:
        """`--split-index` when git's split index has grown to an eighth of its shared index, else nothing.

        Each `update-index` reads both files and writes the split one again. A save adds one entry to it,
        but a `git status` after files were touched (a copy, a restore, a checkout) writes fresh stat data
        for every entry there: at 100,000 records a 6 MB split index made each save's update-index 80 ms
        instead of 25. `--split-index` makes git write a new shared index holding everything (130 ms, once)."""
        try:
            split = (self.gitdir / "index").stat().st_size
            shared = max((p.stat().st_size for p in self.gitdir.glob("sharedindex.*")), default=0)
        except OSError:
            return []
        # an index as big as a shared one is not split at all (core.splitIndex turned off by hand, old
        # shared files left behind): leave it as the repository's owner set it
        return ["--split-index"] if shared and max(shared // 8, RESPLIT_FROM) < split < shared else []

    def object_writer(self) -> ObjectWriter:
        if self._objects is None:
            self._objects = ObjectWriter(self.gitdir)
        return self._objects

    def _commit_objects(self, paths: list[str], message: str, author: Identity) -> str:
        dirs = sorted({"/".join(path.split("/")[:n]) for path in paths for n in range(path.count("/") + 1)},
                      key=lambda d: (d.count("/") if d else -1, d))
        signing = signing_started(self.root)  # asked of git while the trees are read: the two run side by side
        try:
            parent, trees = self._read_trees(dirs)
        except BaseException:
            signing.kill()
            signing.wait()
            raise
        objects = self.object_writer()
        for path in paths:
            folder, _, name = path.rpartition("/")
            full = self.root / path
            if full.is_file():
                trees[folder][name.encode()] = (FILE_MODE, bytes.fromhex(objects.write("blob", full.read_bytes())))
            else:
                trees[folder].pop(name.encode(), None)
        for folder in sorted(dirs, key=lambda d: (-(d.count("/") + 1) if d else 0, d)):
            if not folder:
                continue
            up, _, name = folder.rpartition("/")
            if trees[folder]:
                trees[up][name.encode()] = (TREE_MODE, bytes.fromhex(objects.write("tree", tree_bytes(trees[folder]))))
            else:
                trees[up].pop(name.encode(), None)
        tree = objects.write("tree", tree_bytes(trees[""]))
        commit = self.make_commit(tree, [parent] if parent else [], message, author, sign=signing_answer(signing))
        self.update_branch(commit, parent, message)
        return commit

    def _read_trees(self, dirs: list[str]) -> tuple[str | None, dict[str, dict[bytes, tuple[int, bytes]]]]:
        """The branch's commit and the entries of each of `dirs` in its tree (empty where absent)."""
        asks = [BRANCH] + [f"{BRANCH}^{{tree}}" if not d else f"{BRANCH}:{d}" for d in dirs]
        try:
            found = read_objects(self.repo, asks)
        except Exception as exc:  # the cat-file process died or could not start
            raise StoreError(f"the records repository could not be read: {exc}") from None
        head = found[0]
        parent = head[0] if head and head[1] == "commit" else None
        trees = {d: (tree_entries(obj[2]) if obj and obj[1] == "tree" else {}) for d, obj in zip(dirs, found[1:])}
        return parent, trees

    def make_commit(self, tree: str, parents: list[str], message: str, author: Identity, *, sign: bool) -> str:
        """The commit object of `tree` on `parents` by `author`, now: signed by `git commit-tree -S` when `sign`,
        else written here. The branch is not moved (update_branch does that)."""
        stamp = f"{int(now().timestamp())} +0000"
        if any(ord(c) < 32 for c in author.name + author.email):
            raise InputError("an identity cannot hold control characters", field="--as")
        if sign:
            args = ["commit-tree", tree, "-S"] + [arg for parent in parents for arg in ("-p", parent)]
            env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_AUTHOR_DATE": stamp,
                   "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email, "GIT_COMMITTER_DATE": stamp}
            result = run_git(self.root, *args, input=message.encode(), env=env, check=False)
            if result.returncode != 0:
                raise StoreError(f"signing the commit failed: {result.stderr.decode(errors='replace').strip()}")
            return result.stdout.decode().strip()
        body = commit_bytes(tree, parents, message, author.name, author.email, stamp)
        return self.object_writer().write("commit", body)

    def update_branch(self, commit: str, parent: str | None, message: str) -> None:
        """Move the branch from `parent` to `commit` (compare-and-swap: refused if it moved meanwhile)."""
        subject = message.splitlines()[0]
        for attempt in range(GIT_LOCK_RETRIES):
            try:
                self.git("update-ref", "-m", subject, BRANCH, commit, parent or ZERO)
                return
            except subprocess.CalledProcessError as exc:
                # moving the branch locks the branch and HEAD (a symbolic ref to it, for its reflog)
                locks = [self.gitdir / name for name in REF_LOCKS]
                held = next((lock for lock in locks if lock.exists()), locks[0])
                if attempt < GIT_LOCK_RETRIES - 1 and self.clear_stale_lock(held):
                    continue
                raise StoreError(f"the branch could not be moved: {exc.stderr.decode(errors='replace').strip()}") from None

    def clear_stale_lock(self, lock: Path, *, force: bool = False) -> bool:
        """A git lock file in the way. One a running git holds (a person's `git status`) goes within moments:
        wait for it. One nobody holds, left by a crash, is removed once it is STALE_GIT_LOCK old, and we say so."""
        while not force:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                return True  # gone: try again
            if age >= STALE_GIT_LOCK:
                break
            time.sleep(0.05)
        lock.unlink(missing_ok=True)
        self.messages.append(f"recovered: removed a stale git lock {lock.relative_to(self.root)} left by an interrupted git command")
        return True
