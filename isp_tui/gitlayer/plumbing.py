"""git objects, trees, commits and refs, on GitPython where it serves.

- Reading objects and resolving names (`refs/heads/main`, `refs/heads/main:2026/11`) goes through
  GitPython's persistent `git cat-file --batch` (Repo.git.get_object_data / get_object_header): one git
  process for the life of the Store, ~0.05 ms a question instead of a process (~1.5-2 ms) each time.
- Loose objects are written by gitdb's LooseObjectDB (GitPython's own object database), in Python.
  Not Repo.odb.store: in GitPython 3.x that starts `git hash-object -w --stdin` for every object.
- Trees are read and written with GitPython's tree codec (tree_entries_from_data, tree_to_stream).
- A commit's bytes are written here (see commit_bytes) and the branch is moved by `git update-ref`
  with the old value (compare-and-swap): GitPython's Commit.create_from_tree would read the records
  repository's own config for the message encoding and moves refs without a compare-and-swap.
bench/README.md ("GitPython: where it serves and where it does not") has the measured reasons.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from isp_tui.errors import StoreError
from isp_tui.gitlayer.env import git_env, run_git, start_git

if TYPE_CHECKING:
    import git

ZERO = "0" * 40
BRANCH = "refs/heads/main"  # the records branch
TREE_MODE = 0o40000
FILE_MODE = 0o100644

Entries = dict[bytes, tuple[int, bytes]]  # a tree: {name: (mode, binary sha)}
# GitPython's persistent cat-file is one pipe: a question and its answer must not interleave with another
# thread's (the app saves in a worker thread while its screens read)
CAT_FILE = threading.Lock()


def open_repo(root: Path) -> git.Repo:
    """GitPython's view of the repository, its git processes (the persistent cat-file) under git_env()."""
    import git

    repo = git.Repo(root)
    repo.git.update_environment(**{k: v for k, v in git_env().items() if k.startswith("GIT_")})
    return repo


def blob_id(data: bytes) -> str:
    """The id git gives a file's bytes as a blob (no filters, no attributes)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def resolve(repo: git.Repo, name: str) -> str | None:
    """The object id `name` (a ref, `REF:path`) names, or None where there is none."""
    try:
        with CAT_FILE:
            return repo.git.get_object_header(name)[0].decode()
    except ValueError:  # "<name> missing"
        return None


def read_objects(repo: git.Repo, names: Iterable[str]) -> list[tuple[str, str, bytes] | None]:
    """(id, kind, content) for each name, None where it names nothing: one persistent cat-file."""
    out: list[tuple[str, str, bytes] | None] = []
    with CAT_FILE:
        for name in names:
            try:
                sha, kind, _, data = repo.git.get_object_data(name)
            except ValueError:
                out.append(None)
                continue
            out.append((sha.decode(), kind.decode(), data))
    return out


def blobs(root: Path, shas: list[str]) -> Iterator[bytes | None]:
    """The content of each blob, in order, from one `git cat-file --batch` of its own (usable in a worker
    process, where no Store is open); None for a missing one. The one batch reader of many blobs."""
    if not shas:
        return
    proc = start_git(root, "cat-file", "--batch", stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = proc.stdout
    try:
        for _ in shas:
            header = out.readline().split()
            if len(header) == 3:
                size = int(header[2])
                data = out.read(size)
                if len(data) != size or out.read(1) != b"\n":  # git stopped part way: never a cut-short file
                    raise StoreError(f"git cat-file stopped part way through the object {header[0].decode('ascii', 'replace')[:12]} "
                                     f"({len(data):,} of {size:,} bytes); nothing was read from it: run isp again")
                yield data
            else:
                yield None  # "<sha> missing": reported as a problem for that file
    finally:
        out.close()
        proc.wait()
        feeder.join()


_FOLDER = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0)
_FILE = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted in the tree never blocks a read


class Folders:
    """The folders under a repository, each opened from its root one name at a time, so that no symbolic
    link is ever followed on the way (a link, or a file, where a folder belongs: OSError ELOOP or ENOTDIR).
    `make`: a missing folder is made, owner-only. Each stays open, for files to be opened in it by `dir_fd`,
    until `release()` or the end of the `with`. The repository's own folder may be reached through a link
    the person made."""

    def __init__(self, root: Path, *, make: bool = False):
        self.make = make
        self.base = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        self.held: dict[str, int | OSError] = {}

    def __enter__(self) -> Folders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        os.close(self.base)

    def __len__(self) -> int:
        return len(self.held)

    def __contains__(self, relative: str) -> bool:
        return not relative or relative in self.held

    def fd(self, relative: str) -> int:
        """The open folder at `relative` ("" for the repository's own). Raises the OSError of the first folder
        on the way that could not be opened (its `filename`: that folder's path), each time it is asked."""
        if not relative:
            return self.base
        held = self.held.get(relative)
        if held is None:
            parent, _, name = relative.rpartition("/")
            try:
                at = self.fd(parent)
            except OSError as exc:
                held = exc  # below a folder that could not be opened: that folder's error, naming it
            else:
                try:
                    if self.make:
                        try:
                            os.mkdir(name, 0o700, dir_fd=at)
                        except FileExistsError:
                            pass
                    held = os.open(name, _FOLDER, dir_fd=at)
                except OSError as exc:
                    held = OSError(exc.errno, exc.strerror, relative)
            self.held[relative] = held
        if isinstance(held, OSError):  # raised afresh: asked again for each file below, its traceback never grows
            raise held.with_traceback(None)
        return held

    def release(self) -> None:
        """Close every folder opened so far (the repository's own stays open)."""
        for held in self.held.values():
            if not isinstance(held, OSError):
                os.close(held)
        self.held.clear()


def committed(root: Path, entries: list[tuple[str, str]], limit: int) -> Iterator[bytes | None]:
    """The content of each (path, blob) entry, in order, as `blobs` gives it: read from its file in the
    working tree where that file holds exactly the blob (its git id is checked), else from git. A new
    machine's files were just written from those blobs, so git inflates none of them a second time (git's
    cat-file resolving 100,000 deltified blobs: 4.7 s of a core here; a file from the page cache and its
    hash, a fraction of that). Nothing is read through a symbolic link (`Folders`), nor more than `limit`
    bytes of a file (a larger one is git's to give)."""
    found: list[bytes | None] = []
    with Folders(root) as folders:
        for path, sha in entries:
            parent, _, name = path.rpartition("/")
            data = None
            try:
                fd = os.open(name, _FILE, dir_fd=folders.fd(parent))
            except OSError:  # absent, a link, or below one
                pass
            else:
                try:
                    data = os.read(fd, limit + 1)
                except OSError:
                    data = None
                finally:
                    os.close(fd)
            found.append(data if data is not None and len(data) <= limit and blob_id(data) == sha else None)
    missing = [sha for data, (_, sha) in zip(found, entries) if data is None]
    from_git = blobs(root, missing)
    try:
        for data in found:
            yield data if data is not None else next(from_git)
    finally:  # a caller that stops early: git's process is ended now, not when the generator is collected
        from_git.close()


def missing_objects(root: Path, ids: list[bytes]) -> list[str]:
    """Which of the object ids are not in the object store: one `git cat-file --batch-check`."""
    found = run_git(root, "cat-file", "--batch-check=%(objectname) %(objecttype)", input=b"\n".join(ids) + b"\n",
                    check=False).stdout
    return [line.split()[0] for line in found.decode("utf-8", "replace").splitlines() if line.endswith(" missing")]


def tree_entries(body: bytes) -> Entries:
    """A raw git tree as {name: (mode, binary sha)}, read by GitPython's tree codec."""
    from git.objects.fun import tree_entries_from_data

    return {name.encode("utf-8", "surrogateescape"): (mode, sha) for sha, mode, name in tree_entries_from_data(body)}


def tree_bytes(entries: Entries) -> bytes:
    """A git tree from {name: (mode, sha)} in git's order (a folder sorts as if its name ended in "/"),
    written by GitPython's tree codec (which also refuses names such as `..` or `.git`)."""
    from git.objects.fun import tree_to_stream

    def key(item: tuple[bytes, tuple[int, bytes]]) -> bytes:
        name, (mode, _) = item
        return name + b"/" if mode == TREE_MODE else name

    ordered = [(sha, mode, name) for name, (mode, sha) in sorted(entries.items(), key=key)]
    out = io.BytesIO()
    try:
        tree_to_stream(ordered, out.write)  # type: ignore[arg-type]  # names as bytes: written as they are
    except ValueError as exc:
        raise StoreError(f"the records repository holds a path git refuses: {exc}") from None
    return out.getvalue()


class ObjectWriter:
    """Loose objects written by gitdb's LooseObjectDB: "<kind> <size>\\0<data>", zlib, named by its SHA-1,
    through a temporary file renamed into place (a failed write removes it)."""

    def __init__(self, gitdir: Path):
        from gitdb.db.loose import LooseObjectDB

        self.objects = gitdir / "objects"
        self._db = LooseObjectDB(str(self.objects))

    def write(self, kind: str, data: bytes) -> str:
        from gitdb import IStream

        sha = hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()
        if (self.objects / sha[:2] / sha[2:]).exists():
            return sha  # already there (the same file saved again, an unchanged folder)
        stored = self._db.store(IStream(kind, len(data), io.BytesIO(data))).hexsha
        stored = stored.decode() if isinstance(stored, bytes) else stored
        os.chmod(self.objects / stored[:2] / stored[2:], 0o400)  # gitdb makes it 0444; owner-only, as git's own
        return stored

    def stray_temporaries(self) -> list[Path]:
        """What a write killed half way leaves: gitdb's `objects/obj*` (mkstemp) and git's `objects/xx/tmp_obj_*`."""
        return [p for p in self.objects.glob("obj*") if p.is_file()] + list(
            self.objects.glob("[0-9a-f][0-9a-f]/tmp_obj_*"))


def commit_bytes(tree: str, parents: Iterable[str], message: str, name: str, email: str, stamp: str) -> bytes:
    """A commit object's content, UTF-8, no encoding header: git's own format, written here (see the module's
    docstring for why not GitPython's Commit.create_from_tree)."""
    person = f"{name} <{email}> {stamp}"
    head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
    return f"{head}author {person}\ncommitter {person}\n\n{message}".encode("utf-8")


def signing_started(root: Path) -> subprocess.Popen:
    """Whether commits are to be signed (commit.gpgsign), asked of git (read with signing_answer). GitPython's
    config reader is not used: it reads ~/.gitconfig, ignoring GIT_CONFIG_GLOBAL and GIT_CONFIG_NOSYSTEM."""
    return start_git(root, "config", "--bool", "commit.gpgsign", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def signing_answer(proc: subprocess.Popen) -> bool:
    out, _ = proc.communicate()
    return proc.returncode == 0 and out.strip() == b"true"
