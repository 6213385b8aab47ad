"""A repository's sync health without touching the network: ahead/behind as of the last fetch, drafts,
records not yet pushed, files changed outside isp, and when it last synced."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from isp_tui.gitlayer.env import run_git
from isp_tui.record.ids import RECORD_GLOB, id_from_path
from isp_tui.store.repo import Store
from isp_tui.sync.notices import not_kept as notices_not_kept
from isp_tui.sync.objects import records_between, rev
from isp_tui.sync.recovery import SERVER_REF, lacking, last_failure, restore_needed
from isp_tui.sync.remote import REMOTE_REF, remote_url, shown_url


@dataclass
class Status:
    remote: str | None  # as shown (shown_url): a password or token in the stored URL is never printed
    ahead: int  # commits here not yet on the remote (as of the last fetch)
    behind: int  # commits on the remote not yet here (as of the last fetch)
    unpushed: list[str]  # records changed here and not yet pushed
    drafts: list[str]  # records not yet final
    uncommitted: list[str]  # files changed in the working tree but not committed
    last_sync: datetime | None
    not_kept: list[dict[str, Any]] = field(default_factory=list)  # versions made here that a sync did not keep
    server_lacks: list[str] = field(default_factory=list)  # records with changes here the server does not have
    restore_needed: bool = False  # the server lost commits this machine holds: `isp sync --restore`
    last_failure: dict[str, Any] | None = None  # the last failed sync since the last good one: when, why

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def last_sync(store: Store) -> datetime | None:
    try:
        return datetime.fromisoformat((store.work / "last-sync").read_text().strip())
    except (OSError, ValueError):
        return None


def status(store: Store) -> Status:
    """Health without touching the network: ahead/behind as of the last sync, drafts, unpushed records."""
    local, remote = store.head(), rev(store, REMOTE_REF)
    ahead = behind = 0
    unpushed: set[str] = set()
    if local and remote:
        left, right = store.git("rev-list", "--left-right", "--count", f"{local}...{remote}").split()
        ahead, behind = int(left), int(right)
        if ahead:
            out = store.git("log", "--format=", "--name-only", f"{remote}..{local}")
            unpushed = {i for p in out.splitlines() if (i := id_from_path(p))}
    elif local:
        ahead = int(store.git("rev-list", "--count", local).strip())
        unpushed = records_between(store, None, local)
    drafts = []
    if local:
        grep = run_git(store.root, "grep", "-l", "-z", "-e", '^status = "draft"$', "--", RECORD_GLOB, check=False)
        for path in grep.stdout.decode().split("\0"):
            if (record_id := id_from_path(path)):
                drafts.append(record_id)
    porcelain = store.git("status", "--porcelain", "-z", "--untracked-files=all")
    uncommitted = sorted({entry[3:] for entry in porcelain.split("\0") if len(entry) > 3})
    return Status(shown_url(remote_url(store)), ahead, behind, sorted(unpushed), sorted(drafts), uncommitted, last_sync(store),
                  [n.as_dict() for n in notices_not_kept(store)], server_lacks(store, local, remote),
                  restore_needed(store, REMOTE_REF), last_failure(store))


def server_lacks(store: Store, local: str | None, remote: str | None) -> list[str]:
    """Records with changes here the server does not have, as of the last fetch (which may be newer than
    the remote-tracking ref when a sync refused what it found)."""
    server = rev(store, SERVER_REF) or remote
    if local is None or (server is None and remote_url(store) is None):
        return []
    return lacking(store, server, local)[1]
