"""Keeping one records repository in step across machines through the organisation's git remote.

remote (allowed URLs, `origin`, git against it), cycle (one sync: fetch, integrate, push; clone),
integrate (fast-forward or a merge built record by record), objects (the git questions asked),
status (health without the network). Retention lives in isp_tui.retention; its names are still
reachable here for the callers that used them as `sync.retention_due`, `sync.extend`, `sync.destroy`."""

from isp_tui.sync.cycle import SyncResult, clone, sync, sync_lock
from isp_tui.sync.remote import REMOTE, SyncError, add_remote, check_url, remote_url, shown_url, url_warning
from isp_tui.sync.status import Status, status

__all__ = ["REMOTE", "Status", "SyncError", "SyncResult", "add_remote", "check_url", "clone", "remote_url", "shown_url",
           "status", "sync", "sync_lock", "url_warning"]

RETENTION = ("retention_due", "extend", "destroy", "Destroyed")


def __getattr__(name: str):  # merge: callers use isp_tui.retention directly; then delete this
    """retention's names, looked up when first used (isp_tui.retention imports this package)."""
    if name in RETENTION:
        from isp_tui import retention

        return getattr(retention, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
