"""Keeping one records repository in step across machines through the organisation's git remote.

remote (allowed URLs, `origin`, git against it), cycle (one sync: fetch, integrate, push; clone),
integrate (fast-forward or a merge built record by record), objects (the git questions asked),
status (health without the network). Retention lives in isp_tui.retention."""

from isp_tui.sync.cycle import SyncResult, clone, sync, sync_lock
from isp_tui.sync.remote import REMOTE, SyncError, add_remote, check_url, remote_url, shown_url, url_warning
from isp_tui.sync.status import Status, status

__all__ = ["REMOTE", "Status", "SyncError", "SyncResult", "add_remote", "check_url", "clone", "remote_url", "shown_url",
           "status", "sync", "sync_lock", "url_warning"]
