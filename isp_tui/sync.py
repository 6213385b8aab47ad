"""Keeping one records repository in step across machines through the organisation's git remote.

Git is the engine: there is no server of ours. A sync (one at a time per repository: `sync_lock`)
fetches, integrates under the store's lock, and pushes; saves wait only for the integration, never
for the network (fetch and push touch only `refs/remotes/origin/main` and the object database):

- **fetch** `origin` (the organisation's repository) into `refs/remotes/origin/main`;
- **integrate**: fast-forward when only the remote moved; otherwise a real merge commit whose tree
  is built here, file by file, from the merge base and the two sides. Records are one file per
  decision with unique ULID paths, so records created on two machines never touch the same file.
  When both sides changed the *same* record (an amendment on each machine), the merged record is
  the merge-base version with the union of both sides' `[[amendments]]` replayed in order of time
  (then id): every amendment survives. A draft edited on both machines keeps the later edit; the
  other stays in history and is named in the merge commit. A practitioner never sees a TOML
  conflict. The working tree and git's index are moved with `git read-tree -m -u`, so `git status`
  stays clean and uncommitted work is never overwritten;
- **push** `main`, never forced. A push refused because the remote moved is retried after fetching
  and integrating again, a bounded number of times.

A sync that fails half-way leaves every local record committed; the next sync completes it.
History is never rewritten by a sync. The only operation that rewrites history is `destroy` (an
explicit, confirmed admin operation for records past retention), which removes one record's
content from every commit and leaves a tombstone.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import tomli_w

from isp_tui.dates import now
from isp_tui.errors import InputError, StoreError
from isp_tui.guidance import Guidance
from isp_tui.record import Record, apply_changes, check_text, is_record_id, record_path
from isp_tui.store import BRANCH, RECORD_GLOB, ZERO, Identity, Store, atomic_write, blob_id, git_env

REMOTE = "origin"
REMOTE_REF = "refs/remotes/origin/main"
PUSH_ATTEMPTS = 4
NETWORK_TIMEOUT = 300  # seconds for one fetch or push
TOMBSTONES = "retention/destroyed"
SCHEMES = ("https", "ssh", "git", "file")
# Every git command that talks to a remote runs with these: only the transports we allow, no
# command-running transports, the standard server programs whatever the repository config says,
# and every object received checked.
NETWORK_CONFIG = {
    "protocol.allow": "never",
    **{f"protocol.{scheme}.allow": "always" for scheme in SCHEMES},
    "protocol.ext.allow": "never",
    "protocol.fd.allow": "never",
    f"remote.{REMOTE}.uploadpack": "git-upload-pack",
    f"remote.{REMOTE}.receivepack": "git-receive-pack",
    "fetch.fsckObjects": "true",
    "transfer.fsckObjects": "true",
    "credential.interactive": "false",
    "gc.auto": "0",  # no background gc racing the store's own ref and index updates
    "maintenance.auto": "false",
}
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")
_USER = re.compile(r"^[A-Za-z0-9._~+][A-Za-z0-9._~+-]*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:]+):(?P<path>.*)$")
Progress = Callable[[str], None]


class SyncError(StoreError):
    """A sync could not finish. Local records are committed and safe; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# Remote URLs


def check_url(url: str, *, field: str = "URL") -> str:
    """Refuse a remote URL that could run a command, carries a password, or is no transport we know.

    Allowed: https://, ssh:// and scp-like user@host:path, git://, file:// and local paths.
    Refused: anything starting with "-" (it would be read as an option), `<transport>::address`
    helper syntax (ext:: runs any command), other schemes, control characters and passwords.
    """
    if not isinstance(url, str) or not url:
        raise InputError("a remote URL is needed, e.g. ssh://git@records.example.org/isp/records.git", field=field)
    if url != url.strip() or any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise InputError("the URL holds spaces at its ends or control characters; refused", field=field)
    if url.startswith("-"):
        raise InputError(f"{url!r} starts with '-' and would be read as a git option; refused", field=field)
    if "::" in url:
        raise InputError(f"{url.split('::')[0]!r}:: transports run programs on this machine; refused "
                         f"(use https://, ssh://, user@host:path, git:// or a path)", field=field)
    scheme = _SCHEME.match(url)
    if scheme:
        kind = scheme.group(1).lower()
        if kind not in SCHEMES:
            raise InputError(f"{kind}:// is not an allowed transport; use https://, ssh://, user@host:path, "
                             "git:// or a local path", field=field)
        parts = urlsplit(url)
        if parts.password is not None:
            raise InputError("the URL holds a password; credentials are never stored in the records repository: "
                             "use SSH keys or a git credential helper", field=field)
        if kind != "file":
            host = parts.hostname or ""
            if not host or host.startswith("-") or not re.match(r"^[A-Za-z0-9:.-]+$", host):
                raise InputError(f"{url!r} has no valid host name", field=field)
            if parts.username is not None and not _USER.match(parts.username):
                raise InputError(f"{url!r} has an unusual user name; refused", field=field)
            try:
                parts.port
            except ValueError:
                raise InputError(f"{url!r} has an invalid port", field=field) from None
        if parts.path.lstrip("/").startswith("-"):
            raise InputError(f"{url!r} has a path starting with '-'; refused", field=field)
        return url
    before_slash = url.split("/", 1)[0]
    if ":" in before_slash:  # scp-like: [user@]host:path, which git hands to ssh
        match = _SCP.match(url)
        if not match or not _HOST.match(match["host"]) or (match["user"] and not _USER.match(match["user"])) \
                or match["path"].lstrip("/").startswith("-"):
            raise InputError(f"{url!r} is not a URL isp understands; use ssh://host/path, user@host:path, "
                             "https://..., git://... or a local path", field=field)
        return url
    return url  # a local path


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname if _SCHEME.match(url) else None
    return host in ("localhost", "127.0.0.1", "::1")


def url_warning(url: str) -> str | None:
    if url.lower().startswith(("git://",)) and not is_loopback(url):
        return ("warning: git:// is neither encrypted nor authenticated; records hold personal data: "
                "use ssh:// or https:// for anything but a test on this machine")
    return None


def _net(store: Store, *args: str, timeout: float = NETWORK_TIMEOUT) -> subprocess.CompletedProcess:
    env = git_env(NETWORK_CONFIG)
    if not env.get("GIT_SSH_COMMAND") and not env.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=30"
    try:
        return subprocess.run(["git", *args], cwd=store.root, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"", f"timed out after {timeout:.0f} s".encode())


def _clean(text: bytes | str) -> str:
    """Git's or a remote's message, safe to show: no control characters, one short line per line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = []
    for line in text.splitlines():
        line = "".join(c for c in line if c == "\t" or (ord(c) >= 32 and ord(c) != 127)).strip()
        if line and not line.lower().startswith(("hint:", "warning: redirecting")):
            lines.append(line[:300])
    return "; ".join(lines[-4:])


def remote_url(store: Store) -> str | None:
    try:
        return store.git("config", "--get", f"remote.{REMOTE}.url").strip() or None
    except subprocess.CalledProcessError:
        return None


def add_remote(store: Store, url: str) -> str:
    """Set the organisation's repository (`origin`). Returns the URL; nothing is contacted."""
    check_url(url)
    with store.lock():
        if remote_url(store) is None:
            store.git("remote", "add", REMOTE, url)
        else:
            store.git("remote", "set-url", REMOTE, url)
        store.git("config", f"remote.{REMOTE}.fetch", f"+refs/heads/main:{REMOTE_REF}")
        store.git("config", f"remote.{REMOTE}.tagOpt", "--no-tags")
    return url


def clone(url: str, path: Path, *, progress: Progress | None = None) -> tuple[Store, SyncResult]:
    """Start a machine from the organisation's repository: a new records repository with `origin` set,
    brought up to date by a first sync (nothing to push)."""
    check_url(url)
    path = Path(path).expanduser().absolute()
    if (path / ".git").exists():
        raise StoreError(f"{path} is already a records repository; use `isp remote add URL` and `isp sync` there")
    existed = path.exists()
    store = Store(path)
    add_remote(store, url)
    try:
        return store, sync(store, progress=progress)
    except SyncError:
        if not existed and store.head() is None:  # nothing half-made is left behind
            shutil.rmtree(path, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------------------------
# Sync


@dataclass
class SyncResult:
    remote: str
    received: list[str] = field(default_factory=list)  # record ids that came in (new or changed)
    sent: list[str] = field(default_factory=list)  # record ids that went out
    merged: list[str] = field(default_factory=list)  # records changed on both sides, amendments merged
    drafts_kept: list[str] = field(default_factory=list)  # drafts edited on both sides: the later one kept
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
        return "synced: " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync(store: Store, *, identity: Identity | None = None, progress: Progress | None = None) -> SyncResult:
    """Fetch, integrate (under the store's lock), push. `progress(message)` is called at each step (the TUI
    runs this in a worker). Raises SyncError with a clear message on a fault;
    whatever happens, local records stay committed."""
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
        _check_pending_destroy(store, url)
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            result.attempts = attempt
            say(f"fetching from {url}" + (f" (attempt {attempt})" if attempt > 1 else ""))
            # fetch and push only touch refs/remotes/origin/main and the object database, which no save
            # touches: the store's lock is taken only to integrate, so saves never wait on the network
            before_fetch = _rev(store, REMOTE_REF)
            fetched = _net(store, "fetch", "--no-tags", "--no-write-fetch-head", REMOTE,
                           f"+refs/heads/main:{REMOTE_REF}")
            if fetched.returncode != 0:
                reason = _clean(fetched.stderr)
                if "couldn't find remote ref" in reason.lower():
                    before_fetch = None  # an empty organisation repository: nothing to integrate
                    _delete_ref(store, REMOTE_REF)
                else:
                    raise SyncError(f"could not fetch from {url}: {reason or 'git fetch failed'}. Your records are "
                                    "committed on this machine and safe; sync again when the remote can be reached")
            remote = _rev(store, REMOTE_REF)
            with store.lock():
                _finish_move(store)
                _refuse_rewritten(store, before_fetch, remote)
                say("integrating")
                _integrate(store, store.head(), remote, identity, result)
                local = store.head()
            if local is None or local == remote or (remote and _is_ancestor(store, local, remote)):
                result.pushed = True  # nothing here the remote lacks
                break
            result.sent = sorted(set(result.sent) | _records_between(store, remote, local))
            say(f"pushing {len(result.sent)} record(s)")
            pushed = _net(store, "push", "--porcelain", "--no-verify", REMOTE, f"{local}:{BRANCH}")
            if pushed.returncode == 0:
                result.pushed = True
                store.git("update-ref", "-m", "isp sync: pushed", REMOTE_REF, local)
                break
            out = pushed.stdout.decode("utf-8", "replace")
            # the remote moved under us (another machine pushed first, or was pushing that instant): try again
            transient = ("fetch first", "non-fast-forward", "failed to update ref", "failed to lock", "cannot lock ref")
            moved = any(line.startswith("!") and any(t in line for t in transient) for line in out.splitlines()) or \
                "cannot lock ref" in pushed.stderr.decode("utf-8", "replace")
            if moved and attempt < PUSH_ATTEMPTS:
                result.messages.append("the remote moved while pushing: fetching and integrating again")
                continue
            reason = _clean(pushed.stderr) or _clean(out) or "git push failed"
            if moved:
                raise SyncError(f"the remote kept moving; gave up after {attempt} attempts. Your records are committed "
                                "here and safe; sync again")
            if any(line.startswith("!") for line in out.splitlines()):
                raise SyncError(f"the remote did not accept the push: {reason}. Your records are committed on this "
                                "machine and safe; sync again when the problem is solved")
            raise SyncError(f"could not push to {url}: {reason}. Your records are committed on this machine and "
                            "safe; sync again when the remote can be reached")
        result.last_sync = now()
        atomic_write(store.work / "last-sync", result.last_sync.isoformat().encode(), store.work / "tmp")
    return result


class sync_lock:
    """One sync (or destroy) at a time per records repository; a second one is told so at once."""

    def __init__(self, store: Store, timeout: float = 2.0):
        from filelock import FileLock

        store.work.mkdir(exist_ok=True, mode=0o700)
        self._lock, self._timeout = FileLock(str(store.work / "sync-lock")), timeout

    def __enter__(self) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=self._timeout)
        except Timeout:
            raise SyncError("a sync of this records repository is already running; wait for it to finish") from None

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _check_pending_destroy(store: Store, url: str) -> None:
    """After `isp retention destroy` here, the remote must take the rewritten history before any fetch,
    or the destroyed content would come back into this repository."""
    marker = store.work / "destroy-pending"
    if not marker.is_file():
        return
    old = marker.read_text().strip()
    seen = _net(store, "ls-remote", REMOTE, BRANCH)
    if seen.returncode != 0:
        raise SyncError(f"could not reach {url}: {_clean(seen.stderr)}. Your records are committed here and safe")
    now_there = seen.stdout.decode().split()[0] if seen.stdout.strip() else ""
    known = bool(now_there) and subprocess.run(["git", "cat-file", "-e", f"{now_there}^{{commit}}"], cwd=store.root,
                                               env=git_env(), capture_output=True).returncode == 0
    if now_there and now_there != old and not known:
        raise SyncError("a record was destroyed here, and since then the organisation's repository has moved on its "
                        "old history; nothing was fetched. Ask every machine to pause syncing, bring their new "
                        f"records across, then: git -C {store.root} push --force-with-lease=main:{now_there} {REMOTE} main")
    if now_there == old:
        raise SyncError("a record was destroyed here and the organisation's repository still has the old history; "
                        f"push the rewritten history first: git -C {store.root} push "
                        f"--force-with-lease=main:{old} {REMOTE} main")
    marker.unlink()


def _rev(store: Store, ref: str) -> str | None:
    try:
        return store.git("rev-parse", "--verify", "-q", ref + "^{commit}").strip() or None
    except subprocess.CalledProcessError:
        return None


def _delete_ref(store: Store, ref: str) -> None:
    if _rev(store, ref):
        store.git("update-ref", "-d", ref)


def _is_ancestor(store: Store, a: str, b: str) -> bool:
    return subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=store.root, env=git_env(),
                          capture_output=True).returncode == 0


def _merge_base(store: Store, a: str, b: str) -> str | None:
    try:
        return store.git("merge-base", a, b).strip() or None
    except subprocess.CalledProcessError:
        return None


def _records_between(store: Store, old: str | None, new: str) -> set[str]:
    """Ids of the records whose files differ between two commits (old None: every record in new)."""
    if old is None:
        out = store.git("ls-tree", "-r", "--name-only", "-z", new)
    else:
        out = store.git("diff-tree", "-r", "--name-only", "--no-renames", "-z", old, new)
    return {_id_of(p) for p in out.split("\0") if _id_of(p)}


def _id_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) == 4 and parts[3].endswith(".toml") and is_record_id(parts[3][:-5]):
        return parts[3][:-5]
    return None


def _tombstoned(store: Store, commit: str | None) -> set[str]:
    if commit is None:
        return set()
    out = store.git("ls-tree", "--name-only", "-z", f"{commit}:{TOMBSTONES}/") if _has_path(store, commit, TOMBSTONES) else ""
    return {name[:-5] for name in out.split("\0") if name.endswith(".toml") and is_record_id(name[:-5])}


def _has_path(store: Store, commit: str, path: str) -> bool:
    try:
        store.git("rev-parse", "-q", "--verify", f"{commit}:{path}")
        return True
    except subprocess.CalledProcessError:
        return False


def _refuse_rewritten(store: Store, before: str | None, remote: str | None) -> None:
    """A destroy rewrote history somewhere: never merge the destroyed content back in."""
    local = store.head()
    # a tombstone on both sides was checked when the second side took it: only the difference needs a look
    destroyed = _tombstoned(store, local) ^ _tombstoned(store, remote)
    if destroyed and (local or remote):
        tips = [c for c in (local, remote) if c]
        paths = [record_path(i) for i in sorted(destroyed)]
        touched = store.git("log", "--format=%H", "-n", "1", *tips, "--", *paths).strip()
        if touched:
            holder = ("the organisation's repository" if remote and store.git(
                "log", "--format=%H", "-n", "1", remote, "--", *paths).strip() else "this machine's history")
            raise SyncError(f"{holder} still holds a record that was destroyed (its tombstone is under {TOMBSTONES}/); "
                            "syncing would bring it back, so nothing was merged. If this machine is behind: move "
                            "this records repository aside and start again with `isp init --clone URL`. If the "
                            "destroy was done here: push the rewritten history as `isp retention destroy` printed")
    if before and remote and before != remote and not _is_ancestor(store, before, remote):
        store.git("update-ref", "-m", "isp sync: remote rewritten; kept the old view", REMOTE_REF, before)
        raise SyncError("the organisation's repository history was rewritten since this machine last synced (a record "
                        "was destroyed); nothing was merged. Move this records repository aside and start again with "
                        "`isp init --clone URL`; records made here since the last sync are in the old copy: "
                        "ask an admin to bring them across")


def _integrate(store: Store, local: str | None, remote: str | None, identity: Identity | None,
               result: SyncResult) -> None:
    if remote is None or local == remote:
        return
    if local is not None and _is_ancestor(store, remote, local):
        return  # nothing new there
    if local is None or _is_ancestor(store, local, remote):
        _move_to(store, local, remote)  # fast-forward
        result.received = sorted(set(result.received) | _records_between(store, local, remote))
        return
    base = _merge_base(store, local, remote)
    tree, merged, drafts, notes = _merge_trees(store, base, local, remote)
    trailers = ["Action: merge"] + [f"Merged-Record: {i}" for i in merged] + [f"Draft-Kept: {d}" for d in drafts]
    message = (f"sync: merge {REMOTE}/main ({len(merged)} record(s) changed on both sides)\n\n"
               + "\n".join(trailers) + "\n")
    commit = _commit_tree(store, tree, [local, remote], message, identity or _sync_identity(store))
    _move_to(store, local, commit)
    result.merge_commit = commit
    result.received = sorted(set(result.received) | _records_between(store, local, commit))
    result.merged = sorted(set(result.merged) | set(merged))
    result.drafts_kept = sorted(set(result.drafts_kept) | {d.split()[0] for d in drafts})
    result.messages.extend(notes)


def _move_to(store: Store, old: str | None, new: str) -> None:
    """Move the working tree, git's index and the branch from `old` to `new` together, refusing (changing
    nothing) if that would overwrite uncommitted work. Files are written by us and the index is given blob
    ids, as the store does, so no filter a tampered repository config names ever runs. A move cut short is
    finished by the next sync (`.git/isp/moving` names it)."""
    moving = store.work / "moving"
    atomic_write(moving, f"{old or ZERO} {new}\n".encode(), store.work / "tmp")
    changed = _tree_diff(store, old, new)
    dirty = []
    for path, (was, becomes) in changed.items():
        full = store.root / path
        current = blob_id(full.read_bytes()) if full.is_file() and not full.is_symlink() else None
        if current not in (was, becomes):
            dirty.append(path)
    if dirty:
        moving.unlink()
        raise SyncError("the records that came in could not be written here, because this machine has uncommitted "
                        f"changes to the same files ({', '.join(sorted(dirty)[:3])}); nothing was merged and nothing "
                        "is lost. Save or discard those changes (git status shows them), then sync again")
    for path, (_was, becomes) in changed.items():
        full = store.root / path
        if becomes is None:
            full.unlink(missing_ok=True)
        else:
            atomic_write(full, _blob(store, becomes), store.work / "tmp")
    store._sync_index(list(changed))
    store.git("update-ref", "-m", "isp sync", BRANCH, new, old or ZERO)
    moving.unlink()


def _finish_move(store: Store) -> None:
    """A sync killed while moving the working tree: finish writing the files it had started (idempotent)."""
    moving = store.work / "moving"
    if not moving.is_file():
        return
    old, new = moving.read_text().split()
    head = store.head()
    old = None if old == ZERO else old
    if head == new:  # the branch moved: only files and index may lag behind
        for path, (_was, becomes) in _tree_diff(store, old, new).items():
            full = store.root / path
            if becomes is None:
                full.unlink(missing_ok=True)
            else:
                atomic_write(full, _blob(store, becomes), store.work / "tmp")
        store._sync_index(list(_tree_diff(store, old, new)))
        moving.unlink()
    elif head == old:
        _move_to(store, old, new)
    else:
        moving.unlink()


def _tree_diff(store: Store, old: str | None, new: str) -> dict[str, tuple[str | None, str | None]]:
    """path -> (blob in old, blob in new), None where absent, for every file that differs."""
    if old is None:
        return {path: (None, entry[1]) for path, entry in _changes(store, None, new).items() if entry}
    out = store.git("diff-tree", "-r", "-z", "--no-renames", old, new)
    fields = out.split("\0")
    changed: dict[str, tuple[str | None, str | None]] = {}
    for meta, path in zip(fields[0::2], fields[1::2]):
        if meta:
            _old_mode, _new_mode, was, becomes, status = meta.lstrip(":").split()
            changed[path] = (None if status == "A" else was, None if status == "D" else becomes)
    return changed


def _sync_identity(store: Store) -> Identity:
    try:
        name = store.git("config", "user.name").strip()
        email = store.git("config", "user.email").strip()
        if name and email:
            return Identity(name, email)
    except subprocess.CalledProcessError:
        pass
    return Identity("isp sync", "isp-sync@localhost.invalid")


def _commit_tree(store: Store, tree: str, parents: list[str], message: str, author: Identity) -> str:
    stamp = f"{int(now().timestamp())} +0000"
    env = {**git_env(), "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_AUTHOR_DATE": stamp,
           "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email, "GIT_COMMITTER_DATE": stamp}
    args = ["commit-tree", tree] + (["-S"] if store._signing() else [])
    for parent in parents:
        args += ["-p", parent]
    done = subprocess.run(["git", *args], cwd=store.root, env=env, input=message.encode(), capture_output=True)
    if done.returncode != 0:
        raise SyncError(f"the merge commit could not be made: {_clean(done.stderr)}")
    return done.stdout.decode().strip()


def _changes(store: Store, base: str | None, tip: str) -> dict[str, tuple[str, str] | None]:
    """path -> (mode, blob) as in tip, or None if deleted, for every file changed since base."""
    if base is None:
        out = store.git("ls-tree", "-r", "-z", tip)
        changed = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                mode, _kind, blob = meta.split()
                changed[path] = (mode, blob)
        return changed
    out = store.git("diff-tree", "-r", "-z", "--no-renames", base, tip)
    fields = out.split("\0")
    changed: dict[str, tuple[str, str] | None] = {}
    for meta, path in zip(fields[0::2], fields[1::2]):
        if not meta:
            continue
        _old_mode, new_mode, _old, new, status = meta.lstrip(":").split()
        changed[path] = None if status == "D" else (new_mode, new)
    return changed


def _merge_trees(store: Store, base: str | None, local: str, remote: str) -> tuple[str, list[str], list[str], list[str]]:
    """The merged tree: local, plus remote's changes, with records changed on both sides merged."""
    ours, theirs = _changes(store, base, local), _changes(store, base, remote)
    updates: dict[str, tuple[str, str] | None] = {}
    merged, drafts, notes = [], [], []
    for path, change in theirs.items():
        if path not in ours:
            updates[path] = change
            continue
        mine = ours[path]
        if mine == change:
            continue
        record_id = _id_of(path)
        if record_id and mine and change:
            try:
                blob, how = _merge_record(store, path, base, local, remote, mine[1], change[1])
            except InputError as exc:  # a version that cannot be read as a record: keep ours, lose nothing
                notes.append(f"kept this machine's version of {path}: the other (in commit {remote[:12]}) could not "
                             f"be read ({exc})")
                continue
            updates[path] = ("100644", blob)
            if how == "amendments":
                merged.append(record_id)
            else:
                drafts.append(f"{record_id} {how}")
        elif mine is None and change is not None:
            updates[path] = change  # deleted here, changed there: keep the change, nothing is lost
            notes.append(f"kept {path}: deleted on this machine but changed on another")
        elif mine is not None and change is None:
            notes.append(f"kept {path}: deleted on another machine but changed on this one")
        else:
            notes.append(f"kept this machine's version of {path}; the other is in commit {remote[:12]}")
    with tempfile.TemporaryDirectory(dir=store.work) as tmp:
        env = {**git_env({"core.splitIndex": "false"}), "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        run = lambda *args, input=None: subprocess.run(  # noqa: E731
            ["git", *args], cwd=store.root, env=env, input=input, capture_output=True, check=True).stdout
        run("read-tree", local)
        lines = []
        for path, change in updates.items():
            if change is None:
                lines.append(f"0 {ZERO}\t{path}")
            else:
                lines.append(f"{change[0]} {change[1]}\t{path}")
        if lines:
            run("update-index", "-z", "--index-info", input=("\0".join(lines) + "\0").encode())
        tree = run("write-tree").decode().strip()
    return tree, sorted(merged), sorted(drafts), notes


def _blob(store: Store, spec: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", spec], cwd=store.root, env=git_env(), capture_output=True,
                          check=True).stdout


def _merge_record(store: Store, path: str, base: str | None, local: str, remote: str, mine: str,
                  theirs: str) -> tuple[str, str]:
    """One record changed on both sides. Returns the merged blob and how: "amendments" or "<kept-commit>"."""
    a = Record.from_toml(_blob(store, mine), path)
    b = Record.from_toml(_blob(store, theirs), path)
    original = None
    if base is not None and _has_path(store, base, path):
        original = Record.from_toml(_blob(store, f"{base}:{path}"), path)
    if a.is_final and b.is_final:
        if original is not None and original.is_final:
            start, how = original, "amendments"
        else:  # finalised separately on two machines: the later finalisation is the start
            start = max((a, mine), (b, theirs), key=lambda rb: (str(rb[0].get("decided.at")), rb[1]))[0]
            how = f"kept final from {(local if start is a else remote)[:12]}; other version in {(remote if start is a else local)[:12]}"
        known = {m["id"] for m in start.data.get("amendments", [])}
        extra: dict[str, dict] = {}
        for side in (a, b):
            for amendment in side.data.get("amendments", []):
                if amendment["id"] not in known:
                    extra.setdefault(amendment["id"], amendment)
        ordered = sorted(extra.values(), key=lambda m: (m["at"], m["id"]))
        data = dict(start.data)
        for amendment in ordered:
            data = apply_changes(data, amendment["changes"])
        data["amendments"] = list(start.data.get("amendments", [])) + ordered
        corrections: dict[str, dict] = {}
        for side in (start, a, b):
            for correction in side.data.get("corrections", []):
                corrections.setdefault(correction["id"], correction)
        if corrections:
            data["corrections"] = sorted(corrections.values(), key=lambda c: (c["found_on"], c["id"]))
        return _write_blob(store, _recompute(data, path).to_toml().encode()), how
    if a.is_final != b.is_final:  # finalised on one machine, the draft edited on the other: final wins
        ours_kept = a.is_final
    else:  # a draft edited on both machines: the later edit is kept, the other stays in history
        ours_kept = (_last_change(store, local, path), mine) >= (_last_change(store, remote, path), theirs)
    kept, kept_side, other_side = (a, local, remote) if ours_kept else (b, remote, local)
    return (mine if ours_kept else theirs), f"kept {kept.status} from {kept_side[:12]}; other version in {other_side[:12]}"


@functools.lru_cache(maxsize=1)
def _guidance() -> Guidance:
    from isp_tui.guidance import load_guidance

    return load_guidance()


def _recompute(data: dict[str, Any], path: str) -> Record:
    """The merged record, with the engine's outcome worked out again from the merged answers when the
    guidance it was made under is here (replayed amendments carry the outcome's engine and path only)."""
    record = Record.from_dict(data, path)
    try:
        from isp_tui.store import _outcome

        guidance = _guidance()
        checked = Record.from_dict(data, path, guidance=guidance)
        checked.data["outcome"] = _outcome(checked, guidance)
        return Record.from_dict(checked.data, path)
    except (InputError, KeyError, OSError):
        return record


def _last_change(store: Store, tip: str, path: str) -> int:
    out = store.git("log", "-1", "--format=%ct", tip, "--", path).strip()
    return int(out or 0)


def _write_blob(store: Store, data: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=store.root, env=git_env(), input=data,
                          capture_output=True, check=True).stdout.decode().strip()


# ---------------------------------------------------------------------------------------------
# Health


@dataclass
class Status:
    remote: str | None
    ahead: int  # commits here not yet on the remote (as of the last fetch)
    behind: int  # commits on the remote not yet here (as of the last fetch)
    unpushed: list[str]  # records changed here and not yet pushed
    drafts: list[str]  # records not yet final
    uncommitted: list[str]  # files changed in the working tree but not committed
    last_sync: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def last_sync(store: Store) -> datetime | None:
    try:
        return datetime.fromisoformat((store.work / "last-sync").read_text().strip())
    except (OSError, ValueError):
        return None


def status(store: Store) -> Status:
    """Health without touching the network: ahead/behind as of the last sync, drafts, unpushed records."""
    local, remote = store.head(), _rev(store, REMOTE_REF)
    ahead = behind = 0
    unpushed: set[str] = set()
    if local and remote:
        left, right = store.git("rev-list", "--left-right", "--count", f"{local}...{remote}").split()
        ahead, behind = int(left), int(right)
        if ahead:
            out = store.git("log", "--format=", "--name-only", f"{remote}..{local}")
            unpushed = {i for p in out.splitlines() if (i := _id_of(p))}
    elif local:
        ahead = int(store.git("rev-list", "--count", local).strip())
        unpushed = _records_between(store, None, local)
    drafts = []
    if local:
        grep = subprocess.run(["git", "grep", "-l", "-z", "-e", '^status = "draft"$', "--", RECORD_GLOB],
                              cwd=store.root, env=git_env(), capture_output=True)
        for path in grep.stdout.decode().split("\0"):
            if (record_id := _id_of(path)):
                drafts.append(record_id)
    porcelain = store.git("status", "--porcelain", "-z", "--untracked-files=all")
    uncommitted = sorted({entry[3:] for entry in porcelain.split("\0") if len(entry) > 3})
    return Status(remote_url(store), ahead, behind, sorted(unpushed), sorted(drafts), uncommitted, last_sync(store))


# ---------------------------------------------------------------------------------------------
# Retention (000 6.7.1; 002 "Record")


@dataclass
class Due:
    id: str
    created: datetime
    review_on: date | None
    retain_until: date | None
    because: str  # "retention" (past retain_until) or "review" (past review_on)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retention_due(store: Store, today: date | None = None) -> list[Due]:
    """Final records past their retain-until or review date, for an admin to review: extend or destroy."""
    today = today or now().date()
    out = []
    for record in store.records():
        if not isinstance(record, Record) or not record.is_final:
            continue
        retain, review = record.get("retention.retain_until"), record.get("retention.review_on")
        because = "retention" if retain and retain <= today else "review" if review and review <= today else None
        if because:
            out.append(Due(record.id, record.get("created"), review, retain, because))
    return sorted(out, key=lambda d: (d.retain_until or d.review_on or date.max, d.id))


def extend(store: Store, record_id: str, until: date, reason: str, guidance: Guidance, author: Identity):
    """Keep a record longer: an amendment (who, when, why) moving its retention and review dates."""
    today = now().date()
    if until <= today:
        raise InputError(f"{until} is not in the future; the new date must be after {today}", field="--until")
    current = store.get(record_id, guidance)
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in current.data.items()}
    retention = dict(data.get("retention", {}))
    retention["retain_until"] = until
    if "review_on" in retention:
        retention["review_on"] = until
    data["retention"] = retention
    return store.amend(record_id, data, reason, guidance, author)


def _rewrite_without(store: Store, path: str, revisions: list[str]) -> int:
    """Rewrite the given history with `path` gone from every commit: `git fast-export | git fast-import`
    with the file's lines taken out of the stream. Blobs are referred to by id (--no-data), so only
    commits and trees are written again; everything else in each commit is kept as it was (signatures
    cannot be: they are stripped). Returns the number of commits written again."""
    env = git_env()
    export = subprocess.Popen(["git", "fast-export", "--no-data", "--reference-excluded-parents",
                               "--signed-tags=strip", "--tag-of-filtered-object=rewrite", *revisions],
                              cwd=store.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    importer = subprocess.Popen(["git", "fast-import", "--force", "--quiet"], cwd=store.root, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None and importer.stdin is not None
    modify = re.compile(rb"^M [0-7]{6} [0-9a-f]{40} " + re.escape(path.encode()) + rb"\n$")
    delete = b"D " + path.encode() + b"\n"
    commits = 0
    source, sink = export.stdout, importer.stdin
    try:
        while line := source.readline():
            if line.startswith(b"data "):
                sink.write(line + source.read(int(line[5:].strip())))
                continue
            if line.startswith(b"commit "):
                commits += 1
            if modify.match(line) or line == delete:
                continue
            sink.write(line)
    finally:
        sink.close()
        export.wait()
        importer.wait()
    if export.returncode != 0 or importer.returncode != 0:
        raise StoreError("rewriting the history failed: "
                         f"{_clean(export.stderr.read()) or _clean(importer.stderr.read())}; check with git fsck")
    return commits


@dataclass
class Destroyed:
    id: str
    tombstone: str
    commit: str
    rewritten: int  # commits rewritten
    versions_removed: int  # blobs of the record's content that no longer exist here
    old_head: str
    old_remote: str | None
    instructions: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def destroy(store: Store, record_id: str, reason: str, author: Identity) -> Destroyed:
    """Remove one record's content from every commit of this repository, leave a tombstone, and expire
    reflogs and prune, so that the content is really gone here. History is rewritten: every other clone
    and the remote must follow the returned instructions."""
    if not reason or not reason.strip():
        raise InputError("destroying a record needs a reason", field="--reason")
    check_text(reason, None, "--reason")
    path = record_path(record_id)
    tomb_path = f"{TOMBSTONES}/{record_id}.toml"
    with sync_lock(store, timeout=60), store.lock():
        head = store.head()
        if head is None or not store.git("log", "--format=%H", "-n", "1", "--all", "--", path).strip():
            raise InputError(f"no record with id {record_id} in the history of {store.root}", field="id")
        dirty = store.git("status", "--porcelain", "--untracked-files=no")
        if dirty.strip():
            raise StoreError("the records repository has uncommitted changes; commit or discard them first "
                             "(git status shows them), so that the history rewrite loses nothing")
        blobs = {line.split()[3] for line in store.git("log", "--all", "--format=", "--raw", "--no-abbrev",
                                                        "--", path).splitlines() if line.startswith(":")}
        blobs.discard(ZERO)
        record = Record.from_toml(_blob(store, f"{head}:{path}"), path) if _has_path(store, head, path) else None
        old_remote = _rev(store, REMOTE_REF)
        added = store.git("log", "--all", "--format=%H", "--diff-filter=A", "--", path).split()
        first = added[-1] if added else head
        refs = store.git("for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes", "refs/tags").split()
        # commits before the record existed need no rewrite: stop at the parents that lack the file
        # (only when the file was never deleted and added again, which would hide older content)
        negatives = []
        if not store.git("log", "--all", "--format=%H", "-n", "1", "--diff-filter=D", "--", path).strip():
            for commit in added:
                for parent in store.git("rev-list", "--parents", "-n", "1", commit).split()[1:]:
                    if not _has_path(store, parent, path):
                        negatives.append(f"^{parent}")
        rewritten = _rewrite_without(store, path, refs + negatives)
        store.git("read-tree", "-m", "-u", head, BRANCH)  # the working tree and index follow, minus the file
        (store.root / path).unlink(missing_ok=True)
        for leftover in (store.work / "tmp").glob(f"{record_id}.toml.*"):  # a save cut short left a copy
            leftover.unlink()
        for autosave in (store.work / "autosave").glob("*.toml"):  # the app's autosave of an edit of it
            if record_id.encode() in autosave.read_bytes():
                autosave.unlink()
        for derived in store.work.glob("index.sqlite*"):  # the derived index holds its row: rebuilt on next open
            derived.unlink()
        store.git("update-index", "--force-remove", "--", path)
        tomb = {"id": record_id, "destroyed_at": now(), "authorised_by": str(author), "reason": reason.strip(),
                "history_rewritten_from": first}
        if record is not None:
            tomb["record_created"] = record.get("created")
            for key in ("review_on", "retain_until"):
                if record.get(f"retention.{key}"):
                    tomb[key] = record.get(f"retention.{key}")
            if record.get("decided.at"):
                tomb["decided_at"] = record.get("decided.at")
        atomic_write(store.root / tomb_path, tomli_w.dumps(tomb).encode(), store.work / "tmp", mode=0o600)
        message = (f"record {record_id}: destroy (destroyed)\n\nRecord-Id: {record_id}\nAction: destroy\n")
        commit = store._commit([tomb_path], message, author)
        from isp_tui.audit import forget_verified

        forget_verified(store)  # the head verified last is gone from the history by design
        store.git("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")
        store.git("gc", "-q", "--prune=now")
        if store._repo is not None:  # GitPython's view of the packs is stale after gc: reopen on next use
            store._repo.close()
            store._repo = None
        left = [b for b in blobs if subprocess.run(["git", "cat-file", "-e", b], cwd=store.root, env=git_env(),
                                                     capture_output=True).returncode == 0]
        if old_remote:
            atomic_write(store.work / "destroy-pending", old_remote.encode(), store.work / "tmp")
        if left:
            raise StoreError(f"{len(left)} version(s) of the record's content are still in the object database "
                             "after the rewrite; check packs kept by .keep files or alternates")
    url = remote_url(store) or "the organisation's repository"
    lease = f"--force-with-lease=main:{old_remote}" if old_remote else "--force-with-lease"
    instructions = [
        f"1. Push the rewritten history from this machine (the only force push isp ever asks for): "
        f"git -C {store.root} push {lease} {REMOTE} main",
        f"2. On the server holding {url}, remove the old objects: "
        "git reflog expire --expire=now --all && git gc --prune=now (in the bare repository); a hosted service "
        "keeps cached copies and pull-request refs: ask its support to purge them; backups keep the content "
        "until they expire",
        "3. On every other machine: `isp sync` refuses to continue once it sees the rewrite. Move its records "
        "repository aside and start again with `isp init --clone URL PATH`; then delete the old copy (it still "
        "holds the destroyed content). Records made there since its last sync: ask an admin to bring them "
        "across before deleting it",
    ]
    return Destroyed(record_id, tomb_path, commit, rewritten, len(blobs), head, old_remote, instructions)
