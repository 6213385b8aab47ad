"""Reading the records repository's git history in bulk, for history, verification and the timeline.

- `read_log(store)`: every commit on the branch with its raw changes, in one `git log` pass;
- `head_files(store)`: path -> blob id at the branch head; `read_blobs(store, ids)`: many blobs at once;
- `parse_message(text)`: a commit message's subject and trailers, the one place audit reads them;
- the shapes of the paths a records repository holds (records, ruleset copies, tombstones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from isp_tui.gitlayer.messages import LogFormat
from isp_tui.store import BRANCH, ZERO, Store  # merge: use gitlayer (BRANCH, ZERO) once the store is a package

# merge: use record.ids.RECORD_PATH (the same regex, group `id`)
RECORD_PATH = re.compile(r"^\d{4}/\d{2}/\d{2}/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")
RULESET_PATH = re.compile(r"^rulesets/(?P<sha>[0-9a-f]{64})\.toml$")
# A destroyed record's tombstone (sync.destroy): id, dates, who authorised it and why; no personal data.
TOMBSTONE_PATH = re.compile(r"^retention/destroyed/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")
# Files a records repository may hold besides records and ruleset copies.
OTHER_PATHS = {"README.md", ".gitkeep", ".gitattributes"}
# The subject the store writes (store.commit_message): `record <id>: <action> (<outcome>)`.
SUBJECT = re.compile(r"^record (?P<id>[0-9A-HJKMNP-TV-Z]{26}): (?P<action>[a-z]+) \((?P<outcome>[a-z-]+)\)$")


def allowed_other(path: str) -> bool:
    """Files a records repository may hold besides records: ruleset copies, tombstones, a few others."""
    return bool(RULESET_PATH.match(path) or TOMBSTONE_PATH.match(path)) or path in OTHER_PATHS


@dataclass(frozen=True)
class Message:
    """A commit message read: its subject, what the store's subject says (empty when it is not the
    store's), the lines after the subject, and the trailer block."""

    subject: str
    record_id: str
    action: str
    outcome: str  # the `(outcome)` of the subject: the recorded decision, else the engine's outcome
    body: tuple[str, ...]  # the lines after the subject, as written
    trailers: dict[str, str]


# merge: use gitlayer.messages.parse_message (this is audit's only parser of subjects and trailers)
def parse_message(text: str) -> Message:
    """The subject, the store's fields in it, and the trailers: the last paragraph, if every line of it is
    `Key: value` (else there are none)."""
    lines = text.strip("\n").split("\n")
    match = SUBJECT.match(lines[0])
    paragraphs = [p for p in text.strip("\n").split("\n\n") if p.strip()]
    trailers: dict[str, str] = {}
    if len(paragraphs) >= 2:
        for line in paragraphs[-1].splitlines():
            key, sep, value = line.partition(":")
            if not sep or not re.fullmatch(r"[A-Za-z0-9-]+", key):
                trailers = {}
                break
            trailers[key] = value.strip()
    return Message(lines[0], match["id"] if match else "", match["action"] if match else "",
                   match["outcome"] if match else "", tuple(lines[1:]), trailers)


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

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def trailers(self) -> dict[str, str]:
        return parse_message(self.message).trailers


def read_log(store: Store, *, signatures: bool = False, rev: str = BRANCH) -> list[Commit]:
    """Every commit on the branch, oldest first, with its raw changes: one `git log` pass."""
    if store.head() is None:
        return []
    # separators no commit can hold (a subject pulled from a remote may hold \x1e or \x1f)
    fmt = LogFormat("%H", "%P", "%an", "%ae", "%aI", "%G?" if signatures else "", "%B")
    out = store.git("-c", "core.quotePath=false", "log", "--reverse", "--topo-order", "--root", "--raw", "--no-abbrev",
                    "--no-renames", fmt.format, rev)
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


def read_blobs(store: Store, blobs: Iterable[str]) -> dict[str, bytes]:
    """Many blobs by id through one `git cat-file --batch` (isp_tui.index.blobs); a missing one is left out."""
    from isp_tui.index import blobs as stream  # merge: use gitlayer.plumbing's cat-file batch

    wanted = list(dict.fromkeys(b for b in blobs if b and b != ZERO))
    return {blob: raw for blob, raw in zip(wanted, stream(store.root, wanted)) if raw is not None}
