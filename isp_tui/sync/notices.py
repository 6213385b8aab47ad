"""Telling the practitioner whose version of a record was not kept when sync resolved a collision.

A merge (made here or brought in from another machine) names each collision where a final was involved in
a `Resolved:` trailer: the version kept and the one not kept. After each sync, the collisions whose
version not kept was made here (it was in this machine's history before the sync and, when this machine
knows who is deciding, by that person) are remembered under .git/isp/not-kept, shown by the sync that
finds them and by `isp status` until the practitioner has looked at them (`isp status --seen`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from isp_tui.gitlayer.messages import parse_message, resolution
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.store.files import atomic_write
from isp_tui.sync.objects import is_ancestor

NOT_KEPT = "not-kept"  # under .git/isp: JSON list of NotKept


@dataclass(frozen=True)
class NotKept:
    record: str
    kept: str  # the commit of the version kept
    other: str  # the commit of this machine's version, not kept (it stays in the record's history)
    merge: str
    final: bool  # True: this machine's version was a final; False: a draft edit

    def message(self) -> str:
        mine = "your final" if self.final else "your edit of the draft"
        return (f"record {self.record}: {mine} (commit {self.other[:12]}) was not kept: the record was also "
                f"finalised on another machine, and that final (commit {self.kept[:12]}) is the record now; "
                f"yours stays in its history (isp log {self.record}). Amend the record if it needs your changes")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolutions_between(store: Store, old: str | None, new: str | None) -> list[tuple[str, str, str, str]]:
    """(merge, record, kept, other) for every `Resolved:` trailer of the merges in old..new."""
    if not new or old == new:
        return []
    out = store.git("log", "--merges", "--format=%H%x1f%B%x1e", new, *([f"^{old}"] if old else []))
    found = []
    for chunk in out.split("\x1e"):
        sha, _, body = chunk.strip("\n").partition("\x1f")
        for value in parse_message(body).resolved if sha else ():
            if (parsed := resolution(value)):
                found.append((sha, *parsed))
    return found


def note_not_kept(store: Store, old: str | None, new: str | None, identity: Identity | None) -> list[NotKept]:
    """The collisions resolved in old..new whose version not kept was this machine's; remembered."""
    if not old:
        return []
    found = []
    for merge, record, kept, other in resolutions_between(store, old, new):
        if not is_ancestor(store, other, old):
            continue  # not in this machine's history before the sync: another machine's
        author = store.git("log", "-1", "--format=%ae%x1f%(trailers:key=Action,valueonly)", other).strip()
        email, _, action = author.partition("\x1f")
        if identity is not None and email.strip().lower() != identity.email.lower():
            continue  # made by someone else who used this machine's history before
        found.append(NotKept(record, kept, other, merge, action.strip() == "final"))
    if found:
        kept = {(n.record, n.other) for n in found}
        remember(store, [n for n in not_kept(store) if (n.record, n.other) not in kept] + found)
    return found


def not_kept(store: Store) -> list[NotKept]:
    try:
        return [NotKept(**n) for n in json.loads((store.work / NOT_KEPT).read_text())]
    except (OSError, ValueError, TypeError):
        return []


def remember(store: Store, notices: list[NotKept]) -> None:
    store.work.mkdir(exist_ok=True, mode=0o700)
    atomic_write(store.work / NOT_KEPT, json.dumps([n.as_dict() for n in notices]).encode(), store.work / "tmp")


def forget_seen(store: Store) -> None:
    """The practitioner has looked: stop showing them."""
    (store.work / NOT_KEPT).unlink(missing_ok=True)
