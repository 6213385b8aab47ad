"""Reading the records repository's git history in bulk, for history, verification and the timeline.

- `read_log(store)`: every commit on the branch with its raw changes, in one `git log` pass;
- `newest_first(store, start=, skip=)`: commits newest first, read a page at a time (`git log -n` from a
  resume point), stopping when the caller stops: the timeline's first page does not read the whole log;
- `head_files(store)`: path -> blob id at the branch head; `read_blobs(store, ids)`: many blobs at once;
- the shapes of the paths a records repository holds (records, ruleset copies, tombstones).
"""

from __future__ import annotations

import codecs
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator

from isp_tui.gitlayer.env import start_git
from isp_tui.gitlayer.messages import LogFormat, Trailers, parse_message
from isp_tui.gitlayer.plumbing import BRANCH, ZERO, blobs
from isp_tui.record.ids import TOMBSTONE_PATH
from isp_tui.store.repo import Store

RULESET_PATH = re.compile(r"^rulesets/(?P<sha>[0-9a-f]{64})\.toml$")
# Files a records repository may hold besides records and ruleset copies.
OTHER_PATHS = {"README.md", ".gitkeep", ".gitattributes", "signing.toml"}  # signing.toml: audit.policy


def allowed_other(path: str) -> bool:
    """Files a records repository may hold besides records: ruleset copies, tombstones, a few others."""
    return bool(RULESET_PATH.match(path) or TOMBSTONE_PATH.match(path)) or path in OTHER_PATHS


@dataclass
class Change:
    status: str  # A, M, D, T...
    path: str
    old_blob: str
    new_blob: str


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    email: str
    date: datetime
    message: str
    signature: str  # git's %G? letter, or "" when not asked for
    changes: list[Change] = field(default_factory=list)
    parsed: Trailers | None = field(default=None, repr=False, compare=False)  # the message's, once read

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def trailers(self) -> Trailers:
        """The message's trailers, parsed once (verify asks each commit several times: 125,000 commits)."""
        if self.parsed is None:
            self.parsed = parse_message(self.message)
        return self.parsed


LOG_CHUNK = 1 << 20  # bytes of git log's output read at a time


def read_log(store: Store, *, signatures: bool = False, rev: str = BRANCH) -> list[Commit]:
    """Every commit on the branch, oldest first, with its raw changes: one `git log` pass, read as git writes
    it (each commit parsed while git works out the next ones: 125,000 commits on a new machine)."""
    if store.head() is None:
        return []
    # separators no commit can hold (a subject pulled from a remote may hold \x1e or \x1f)
    fmt = LogFormat("%H", "%P", "%an", "%ae", "%aI", "%G?" if signatures else "", "%B")
    args = ["-c", "core.quotePath=false", "log", "--reverse", "--topo-order", "--root", "--raw", "--no-abbrev",
            "--no-renames", fmt.format, rev]
    commits: list[Commit] = []
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nothing to drain meanwhile
        proc = start_git(store.root, *args, stdout=subprocess.PIPE, stderr=err)
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        try:
            for chunk in iter(lambda: proc.stdout.read(LOG_CHUNK), b""):  # type: ignore[union-attr]
                pending += decoder.decode(chunk)
                cut = pending.rfind(fmt.start_mark)  # the commits before the last start are whole
                if cut > 0:
                    commits += parse_commits(fmt, pending[:cut])
                    pending = pending[cut:]
            commits += parse_commits(fmt, pending + decoder.decode(b"", final=True))
        finally:
            proc.stdout.close()  # type: ignore[union-attr]
            code = proc.wait()
        if code != 0:
            err.seek(0)
            raise subprocess.CalledProcessError(code, ["git", *args], b"", err.read())
    return commits


def parse_commits(fmt: LogFormat, out: str) -> list[Commit]:
    """Commits (with their --raw changes) from whole commits of `git log` output in read_log's format."""
    commits = []
    for (sha, parents, author, email, when, signature, message), raw in fmt.parse(out):
        commit = Commit(sha, parents.split(), author, email, datetime.fromisoformat(when), message, signature)
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            _, _, old, new, status = meta.split(" ")
            commit.changes.append(Change(status[0], path, old, new))
        commits.append(commit)
    return commits


FIRST_PAGE = 256  # commits the first `git log -n` reads; each next read doubles, up to MAX_PAGE
MAX_PAGE = 16_384


def newest_first(store: Store, *, start: str | None = None, skip: int = 0) -> Iterator[tuple[int, Commit]]:
    """The branch's commits newest first (git's default order: by commit date), each with its position from
    `start` (a commit: the branch head when first asked, so commits saved meanwhile do not shift a page).

    Read in pages, `git log -n N --skip=S START` with no diff, so a caller that stops after a page reads
    only about that page. Resume later with `start` and `skip` = the position after the last one used."""
    start = start or store.head()
    if start is None:
        return
    fmt = LogFormat("%H", "%P", "%an", "%ae", "%aI", "%B")  # separators no commit can hold
    page = FIRST_PAGE
    while True:
        out = store.git("-c", "core.quotePath=false", "log", f"-n{page}", f"--skip={skip}", fmt.format, start)
        chunks = list(fmt.parse(out))
        for (sha, parents, author, email, when, message), _ in chunks:
            yield skip, Commit(sha, parents.split(), author, email, datetime.fromisoformat(when), message, "")
            skip += 1
        if len(chunks) < page:
            return
        page = min(page * 2, MAX_PAGE)


def head_files(store: Store) -> dict[str, str]:
    """path -> blob id of every file at the branch head."""
    if store.head() is None:
        return {}
    out = store.git("-c", "core.quotePath=false", "ls-tree", "-r", "--full-tree", BRANCH)
    files = {}
    for line in out.splitlines():
        meta, _, path = line.partition("\t")
        _, kind, blob = meta.split(" ")
        if kind == "blob":
            files[path] = blob
    return files


def read_blobs(store: Store, ids: Iterable[str]) -> dict[str, bytes]:
    """Many blobs by id through one `git cat-file --batch` (gitlayer.plumbing.blobs); a missing one is left out."""
    wanted = list(dict.fromkeys(b for b in ids if b and b != ZERO))
    return {blob: raw for blob, raw in zip(wanted, blobs(store.root, wanted)) if raw is not None}
