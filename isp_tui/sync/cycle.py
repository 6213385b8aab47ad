"""One sync: fetch, integrate under the store's lock, push; and starting a machine from the remote.

Git is the engine: there is no server of ours. A sync (one at a time per repository: `sync_lock`)
fetches `origin` into `refs/remotes/origin/main`, integrates (isp_tui.sync.integrate) and pushes
`main`, never forced; saves wait only for the integration, never for the network. A push refused
because the remote moved is retried after fetching and integrating again, a bounded number of times.
A sync that fails half-way leaves every local record committed; the next sync completes it. History
is never rewritten by a sync (only `retention destroy` rewrites it, and a sync refuses to bring the
destroyed content back)."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol

from isp_tui.dates import now
from isp_tui.errors import InputError, StoreError
from isp_tui.gitlayer.plumbing import BRANCH
from isp_tui.identity import Identity
from isp_tui.record.ids import TOMBSTONES, record_path
from isp_tui.store.files import atomic_write
from isp_tui.store.repo import Store
from isp_tui.sync.integrate import FINAL_OVER_DRAFT, TWO_FINALS, finish_move, integrate
from isp_tui.sync.notices import note_not_kept
from isp_tui.sync.objects import delete_ref, has_object, is_ancestor, records_between, rev, tombstoned
from isp_tui.sync.recovery import clear_failure, destroyed_message, record_failure, remember_server, rewritten_message
from isp_tui.sync.remote import (REMOTE, REMOTE_REF, SyncError, add_remote, check_url, first_fetch, git_message,
                                 network_error, network_git, remote_url)

PUSH_ATTEMPTS = 4
Progress = Callable[[str], None]


@dataclass
class SyncResult:
    remote: str
    received: list[str] = field(default_factory=list)  # record ids that came in (new or changed)
    sent: list[str] = field(default_factory=list)  # record ids that went out
    merged: list[str] = field(default_factory=list)  # records changed on both sides, amendments merged
    drafts_kept: list[str] = field(default_factory=list)  # drafts edited on both sides: the later one kept
    two_finals: list[str] = field(default_factory=list)  # final decided on two machines: the later final kept
    final_over_draft: list[str] = field(default_factory=list)  # finalised on one machine, edited on another
    not_kept: list[str] = field(default_factory=list)  # records whose version made here was not kept
    merge_commit: str | None = None
    pushed: bool = False
    attempts: int = 0
    last_sync: datetime | None = None
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.received)} record(s) in", f"{len(self.sent)} out"]
        if self.merged:
            parts.append(f"{len(self.merged)} merged")
        if self.drafts_kept:
            parts.append(f"{len(self.drafts_kept)} draft(s) edited on two machines (later edit kept)")
        if self.two_finals:
            parts.append(f"{len(self.two_finals)} final decided on two machines (later final kept, both in history)")
        if self.final_over_draft:
            parts.append(f"{len(self.final_over_draft)} record(s) finalised on one machine while edited on another "
                         "(final kept, both in history)")
        if self.not_kept:
            parts.append(f"{len(self.not_kept)} of yours not kept (see above, and `isp status`)")
        return "synced: " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


HELD: set[str] = set()  # the sync locks this process holds (a destroy's recovery inside a sync needs no other)


class sync_lock:
    """One sync (or destroy) at a time per records repository; a second one is told so at once, even in
    this process. `reentrant`: already held here counts as taken (a destroy's recovery inside a sync)."""

    def __init__(self, store: Store, timeout: float = 2.0, *, reentrant: bool = False):
        from filelock import FileLock

        store.work.mkdir(exist_ok=True, mode=0o700)
        self._path = str(store.work / "sync-lock")
        self._lock, self._timeout, self._reentrant, self._mine = FileLock(self._path), timeout, reentrant, False

    def __enter__(self) -> None:
        from filelock import Timeout

        if self._reentrant and self._path in HELD:
            return
        try:
            self._lock.acquire(timeout=self._timeout)
        except Timeout:
            raise SyncError("a sync of this records repository is already running; wait for it to finish") from None
        HELD.add(self._path)
        self._mine = True

    def __exit__(self, *exc: object) -> None:
        if self._mine:
            HELD.discard(self._path)
            self._mine = False
            self._lock.release()


class Reader(Protocol):
    """What a new machine does with its records while the first sync writes their files (cli's init reads
    them for the index and the first verify): `start(commit)` once the server's commits are here, `join()`
    to wait for it to end."""

    def start(self, commit: str) -> None: ...

    def join(self) -> None: ...


def clone(url: str, path: Path, *, progress: Progress | None = None,
          reader: Reader | None = None) -> tuple[Store, SyncResult]:
    """Start a machine from the organisation's repository: a new records repository with `origin` set,
    brought up to date by a first sync (nothing to push). `reader` is started once the server's commits
    are here, before the files are written, and is waited for before anything half made is removed."""
    check_url(url)
    path = Path(path).expanduser().absolute()
    if (path / ".git").exists():
        raise StoreError(f"{path} is already a records repository; use `isp remote add URL` and `isp sync` there")
    existed = path.exists()
    store = Store(path)
    add_remote(store, url)
    try:
        return store, sync(store, progress=progress, on_fetched=reader.start if reader else None)
    except SyncError as exc:
        if reader is not None:
            reader.join()  # it reads this repository: never remove it from under the reader
        if store.head() is not None:
            raise
        if not existed:  # nothing half-made is left behind
            shutil.rmtree(path, ignore_errors=True)
        # no record was ever here: none is "committed and safe"; say what failed and how to start again
        reason = str(exc).split(". Your records are committed")[0]
        error = SyncError(f"{reason}. Nothing was set up at {path}; once that is solved, run `isp init --clone` again")
        error.detail = exc.detail
        raise error from None


def sync(store: Store, *, identity: Identity | None = None, progress: Progress | None = None,
         restore: bool = False, on_fetched: Callable[[str], None] | None = None) -> SyncResult:
    """Fetch, integrate (under the store's lock), push. `progress(message)` is called at each step (the TUI
    runs this in a worker). Raises SyncError with a clear message on a fault, remembered for `isp status`
    until a sync succeeds; whatever happens, local records stay committed. `restore`: the server lost
    commits this machine holds (restored from an older backup, or force-pushed): merge what it has now with
    what is here and push, never forced (a destroyed record is still never brought back)."""
    try:
        result = run_sync(store, identity, progress, restore, on_fetched)
    except SyncError as exc:
        if not str(exc).startswith("a sync of this records repository is already running"):
            record_failure(store, str(exc))
        raise
    clear_failure(store)
    return result


def run_sync(store: Store, identity: Identity | None, progress: Progress | None, restore: bool,
             on_fetched: Callable[[str], None] | None = None) -> SyncResult:
    say = progress or (lambda message: None)
    url = remote_url(store)
    if url is None:
        raise SyncError("no remote is set: an admin gives this machine the organisation's repository with "
                        "`isp remote add URL` (or starts it with `isp init --clone URL`)")
    try:
        check_url(url)
    except InputError as exc:
        raise SyncError(f"the configured remote is refused: {exc.message}") from None
    result = SyncResult(remote=url)
    with sync_lock(store):
        check_pending_destroy(store, url)
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            result.attempts = attempt
            say(f"fetching from {url}" + (f" (attempt {attempt})" if attempt > 1 else ""))
            # fetch and push only touch refs/remotes/origin/main and the object database, which no save
            # touches: the store's lock is taken only to integrate, so saves never wait on the network
            before_fetch = rev(store, REMOTE_REF)
            fetched = first_fetch(store) if before_fetch is None and store.head() is None else None
            if fetched is None:
                fetched = network_git(store, "fetch", "--no-tags", "--no-write-fetch-head", REMOTE,
                                      f"+refs/heads/main:{REMOTE_REF}")
            if fetched.returncode != 0:
                reason = git_message(fetched.stderr)
                if "couldn't find remote ref" in reason.lower():
                    before_fetch = None  # an empty organisation repository: nothing to integrate
                    delete_ref(store, REMOTE_REF)
                else:
                    raise network_error(f"could not fetch from {url}", fetched.stderr, "Your records are committed "
                                        "on this machine and safe; sync again when the remote can be reached",
                                        "git fetch failed")
            remote = rev(store, REMOTE_REF)
            if on_fetched is not None and remote and store.head() is None:  # a first sync: said once
                on_fetched(remote)
                on_fetched = None
            remember_server(store, remote)
            with store.lock():
                finish_move(store)
                refuse_rewritten(store, before_fetch, remote, restore=restore)
                say("integrating")
                before = store.head()
                done = integrate(store, before, remote, identity)
                local = store.head()
                for notice in note_not_kept(store, before, local, identity):
                    result.not_kept = sorted(set(result.not_kept) | {notice.record})
                    result.messages.append(notice.message())
            result.received = sorted(set(result.received) | done.received)
            if done.commit:
                result.merge_commit = done.commit
                result.merged = sorted(set(result.merged) | set(done.merged))
                result.drafts_kept = sorted(set(result.drafts_kept) | set(done.drafts_kept))
                for kind, ids in ((TWO_FINALS, result.two_finals), (FINAL_OVER_DRAFT, result.final_over_draft)):
                    ids[:] = sorted(set(ids) | {c.record for c in done.resolved if c.kind == kind})
                result.messages.extend(done.notes)
            if local is None or local == remote or (remote and is_ancestor(store, local, remote)):
                result.pushed = True  # nothing here the remote lacks
                break
            result.sent = sorted(set(result.sent) | records_between(store, remote, local))
            say(f"pushing {len(result.sent)} record(s)")
            pushed = network_git(store, "push", "--porcelain", "--no-verify", REMOTE, f"{local}:{BRANCH}")
            if pushed.returncode == 0:
                result.pushed = True
                store.git("update-ref", "-m", "isp sync: pushed", REMOTE_REF, local)
                remember_server(store, local)
                break
            out = pushed.stdout.decode("utf-8", "replace")
            # the remote moved under us (another machine pushed first, or was pushing that instant): try again
            transient = ("fetch first", "non-fast-forward", "failed to update ref", "failed to lock", "cannot lock ref")
            moved = any(line.startswith("!") and any(t in line for t in transient) for line in out.splitlines()) or \
                "cannot lock ref" in pushed.stderr.decode("utf-8", "replace")
            if moved and attempt < PUSH_ATTEMPTS:
                result.messages.append("the remote moved while pushing: fetching and integrating again")
                continue
            reason = git_message(pushed.stderr) or git_message(out) or "git push failed"
            if moved:
                raise SyncError(f"the remote kept moving; gave up after {attempt} attempts. Your records are committed "
                                "here and safe; sync again")
            if any(line.startswith("!") for line in out.splitlines()):
                from isp_tui.sync.explain import explain

                advice = explain(reason)
                error = SyncError(f"the remote did not accept the push: {reason}" + (f"; {advice}" if advice else "")
                                  + ". Your records are committed on this machine and safe; sync again when the "
                                  "problem is solved")
                error.detail = reason
                raise error
            raise network_error(f"could not push to {url}", pushed.stderr or out, "Your records are committed on this "
                                "machine and safe; sync again when the remote can be reached", "git push failed")
        result.last_sync = now()
        atomic_write(store.work / "last-sync", result.last_sync.isoformat().encode(), store.work / "tmp")
    return result


def check_pending_destroy(store: Store, url: str) -> None:
    """After `isp retention destroy` here, the remote must take the rewritten history before any fetch,
    or the destroyed content would come back into this repository."""
    marker = store.work / "destroy-pending"
    if not marker.is_file():
        return
    old = marker.read_text().strip()
    seen = network_git(store, "ls-remote", REMOTE, BRANCH)
    if seen.returncode != 0:
        raise network_error(f"could not reach {url}", seen.stderr, "Your records are committed here and safe")
    now_there = seen.stdout.decode().split()[0] if seen.stdout.strip() else ""
    known = bool(now_there) and has_object(store, f"{now_there}^{{commit}}")
    if now_there and now_there != old and not known:
        raise SyncError("a record was destroyed here, and since then the organisation's repository has moved on its "
                        "old history; nothing was fetched. Ask every machine to pause syncing, bring their new "
                        f"records across, then: git -C {store.root} push --force-with-lease=main:{now_there} {REMOTE} main")
    if now_there == old:
        raise SyncError("a record was destroyed here and the organisation's repository still has the old history; "
                        f"push the rewritten history first: git -C {store.root} push "
                        f"--force-with-lease=main:{old} {REMOTE} main")
    marker.unlink()


def refuse_rewritten(store: Store, before: str | None, remote: str | None, *, restore: bool = False) -> None:
    """A destroy rewrote history somewhere: never merge the destroyed content back in. The server lost
    commits this machine holds: say so, and merge only when asked (`restore`)."""
    local = store.head()
    # a tombstone on both sides was checked when the second side took it: only the difference needs a look
    destroyed = tombstoned(store, local) ^ tombstoned(store, remote)
    if destroyed and (local or remote):
        tips = [c for c in (local, remote) if c]
        paths = [record_path(i) for i in sorted(destroyed)]
        touched = store.git("log", "--format=%H", "-n", "1", *tips, "--", *paths).strip()
        if touched:
            if remote and store.git("log", "--format=%H", "-n", "1", remote, "--", *paths).strip():
                raise SyncError("the organisation's repository still holds a record that was destroyed (its "
                                f"tombstone is under {TOMBSTONES}/); syncing would bring it back, so nothing was "
                                "merged. If the destroy was done here: push the rewritten history as `isp retention "
                                "destroy` printed")
            raise SyncError(destroyed_message(store, local, remote))
    if before and remote and before != remote and not is_ancestor(store, before, remote):
        if restore:
            return  # integrate merges the two; the push that follows is an ordinary one
        store.git("update-ref", "-m", "isp sync: remote rewritten; kept the old view", REMOTE_REF, before)
        raise SyncError(rewritten_message(store, local, remote))
