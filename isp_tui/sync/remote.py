"""The organisation's git remote: which URLs are allowed, setting `origin`, running git against it.

Every git command that talks to a remote runs with NETWORK_CONFIG: only the transports we allow, no
command-running transports, the standard server programs whatever the repository config says, and
every object received checked."""

from __future__ import annotations

import re
import subprocess
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from isp_tui.errors import InputError, StoreError, is_unprintable
from isp_tui.gitlayer.env import git_env

if TYPE_CHECKING:
    from isp_tui.store.repo import Store

REMOTE = "origin"
REMOTE_REF = "refs/remotes/origin/main"
NETWORK_TIMEOUT = 300  # seconds for one fetch or push
SCHEMES = ("https", "ssh", "git", "file")
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
HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")
USER = re.compile(r"^[A-Za-z0-9._~+][A-Za-z0-9._~+-]*$")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:]+):(?P<path>.*)$")


class SyncError(StoreError):
    """A sync could not finish. Local records are committed and safe; the message says what to do."""


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
    scheme = SCHEME.match(url)
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
            if parts.username is not None and not USER.match(parts.username):
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
        match = SCP.match(url)
        if not match or not HOST.match(match["host"]) or (match["user"] and not USER.match(match["user"])) \
                or match["path"].lstrip("/").startswith("-"):
            raise InputError(f"{url!r} is not a URL isp understands; use ssh://host/path, user@host:path, "
                             "https://..., git://... or a local path", field=field)
        return url
    return url  # a local path


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname if SCHEME.match(url) else None
    return host in ("localhost", "127.0.0.1", "::1")


def url_warning(url: str) -> str | None:
    """What to tell an admin about a URL that is allowed but unwise (git:// off this machine)."""
    if url.lower().startswith(("git://",)) and not is_loopback(url):
        return ("warning: git:// is neither encrypted nor authenticated; records hold personal data: "
                "use ssh:// or https:// for anything but a test on this machine")
    return None


def network_git(store: Store, *args: str, timeout: float = NETWORK_TIMEOUT) -> subprocess.CompletedProcess:
    """A git command that talks to the remote, under NETWORK_CONFIG and a time limit (exit 124 on timeout)."""
    env = git_env(NETWORK_CONFIG)
    if not env.get("GIT_SSH_COMMAND") and not env.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=30"
    try:
        return subprocess.run(["git", *args], cwd=store.root, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"", f"timed out after {timeout:.0f} s".encode())


def git_message(text: bytes | str) -> str:
    """Git's or a remote's message, safe to show: no control characters, one short line per line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = []
    for line in text.splitlines():
        line = "".join(c for c in line if c == "\t" or not is_unprintable(c)).strip()
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
