"""Recovery that never loses records: what a clone holds that the organisation's repository lacks, the
last failed sync and its reason, and the advice after a server restored from an older backup, a
force-push, or a deliberate destroy.

- SERVER_REF: the server's branch as last fetched, even when the sync refused to merge it (the
  remote-tracking ref keeps the old view then, so the refusal holds until `isp sync --restore`);
- `lacking`: the commits and records here the server does not have (`isp status` "server lacks");
- `not_on_server`: the records whose version here the server never had, which a re-clone would lose;
- FAILURE: the last failed sync, when and why (cleared by the next sync that succeeds)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from isp_tui.dates import now
from isp_tui.record.ids import RECORD_GLOB
from isp_tui.store import Store
from isp_tui.store.files import atomic_write
from isp_tui.record.ids import id_from_path as id_of
from isp_tui.sync.objects import is_ancestor, records_between, rev, tombstoned

SERVER_REF = "refs/isp/server"
FAILURE = "last-failure"  # under .git/isp: {"at": ISO time, "reason": the message}


def remember_server(store: Store, tip: str | None) -> None:
    if tip:
        store.git("update-ref", "-m", "isp sync: the server as fetched", SERVER_REF, tip)
    elif rev(store, SERVER_REF):
        store.git("update-ref", "-d", SERVER_REF)


def lacking(store: Store, server: str | None, local: str | None) -> tuple[int, list[str]]:
    """(commits, record ids) here that `server` does not have."""
    if local is None:
        return 0, []
    if server is None:
        return int(store.git("rev-list", "--count", local).strip()), sorted(records_between(store, None, local))
    count = int(store.git("rev-list", "--count", local, f"^{server}").strip())
    if not count:
        return 0, []
    out = store.git("log", "--format=", "--name-only", local, f"^{server}", "--", RECORD_GLOB)
    return count, sorted({i for p in out.splitlines() if (i := id_of(p))})


def not_on_server(store: Store, local: str | None, server: str | None) -> list[str]:
    """Records whose version here the server has never had (records destroyed there left aside): what a
    re-clone would lose."""
    if local is None:
        return []
    if server is None:
        return sorted(records_between(store, None, local))
    destroyed = tombstoned(store, server)
    out = store.git("diff-tree", "-r", "-z", "--no-renames", server, local, "--", RECORD_GLOB)
    fields = out.split("\0")
    lost = []
    for info, path in zip(fields[0::2], fields[1::2]):
        record_id = id_of(path) if info else None
        if not record_id or record_id in destroyed:
            continue
        _old_mode, _new_mode, _was, here, status = info.lstrip(":").split()
        if status == "D":
            continue
        if status == "M" and store.git("log", "-1", "--format=%H", f"--find-object={here}", server, "--", path).strip():
            continue  # the server had this version once (and has moved on from it)
        lost.append(record_id)
    return sorted(lost)


def restore_needed(store: Store, remote_ref: str) -> bool:
    """The server no longer has what this machine last knew it had."""
    server, known = rev(store, SERVER_REF), rev(store, remote_ref)
    return bool(known) and (server is None or not is_ancestor(store, known, server))


def rewritten_message(store: Store, local: str | None, server: str | None) -> str:
    commits, records = lacking(store, server, local)
    named = ", ".join(records[:5]) + (" and more" if len(records) > 5 else "")
    return (f"the organisation's repository no longer has {commits} commit(s) this machine holds, for "
            f"{len(records)} record(s){': ' + named if named else ''} (it was restored from an older backup, or its "
            "history was rewritten by a force-push); nothing was merged and nothing here is lost. Put them back with "
            "`isp sync --restore`: it merges what the server has now with what is here and pushes without forcing "
            "(the server's checks run on them again)")


def destroyed_message(store: Store, local: str | None, server: str | None) -> str:
    """This machine still holds a record destroyed on the server: a re-clone, unless it would lose records."""
    lost = not_on_server(store, local, server)
    head = ("a record was destroyed on the organisation's repository (deliberately: its tombstone is there) and this "
            "machine still holds it, so nothing was merged. ")
    if not lost:
        return head + ("Every record on this machine is on the server: move this records repository aside, start "
                       "again with `isp init --clone URL`, then delete the old copy (it still holds the destroyed "
                       "record)")
    named = ", ".join(lost[:10]) + (" and more" if len(lost) > 10 else "")
    return head + (f"Do not start again yet: {len(lost)} record(s) on this machine are not on the server ({named}). "
                   "Start again with `isp init --clone URL NEWPATH`, bring them across with `isp import` and the old "
                   "copy's record files (it keeps their ids, authors and dates), then delete the old copy")


def record_failure(store: Store, reason: str) -> None:
    try:
        store.work.mkdir(exist_ok=True, mode=0o700)
        body = json.dumps({"at": now().isoformat(), "reason": reason})
        atomic_write(store.work / FAILURE, body.encode(), store.work / "tmp")
    except OSError:
        pass  # a read-only copy: the failure is still raised


def clear_failure(store: Store) -> None:
    (store.work / FAILURE).unlink(missing_ok=True)


def last_failure(store: Store) -> dict[str, Any] | None:
    try:
        data = json.loads((store.work / FAILURE).read_text())
        datetime.fromisoformat(data["at"])
        return {"at": data["at"], "reason": str(data["reason"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


__all__ = ["SERVER_REF", "clear_failure", "destroyed_message", "lacking", "last_failure", "not_on_server",
           "record_failure", "remember_server", "restore_needed", "rewritten_message"]
