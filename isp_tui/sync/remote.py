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
from isp_tui.gitlayer.plumbing import BRANCH

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
    "transfer.credentialsInUrl": "die",  # git 2.41+: never send a password written into a URL (older git ignores it)
    "gc.auto": "0",  # no background gc racing the store's own ref and index updates
    "maintenance.auto": "false",
}
HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")
USER = re.compile(r"^[A-Za-z0-9._~+][A-Za-z0-9._~+-]*$")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:]+):(?P<path>.*)$")
# A user part of an http(s) URL that is a token, not a login name: a forge's token prefix, or long and mixed.
TOKEN_PREFIX = re.compile(r"^(gh[opsur]_|github_pat_|glpat-|glptt-|gldt-|xox[bpas]-|sk-|pat[-_]|oauth|x-access-token|"
                          r"x-token-auth|bearer)", re.IGNORECASE)
CREDENTIALS_ADVICE = ("credentials are never stored in the records repository (its config is readable, and isp prints "
                      "the URL): remove them from the URL and use SSH keys or a git credential helper")


class SyncError(StoreError):
    """A sync could not finish. Local records are committed and safe; the message says what to do.
    `detail`: git's or ssh's own text, when the message puts it in other words (`isp --verbose` shows it)."""

    detail: str = ""


def network_error(prefix: str, stderr: bytes | str, suffix: str, fallback: str = "git failed") -> SyncError:
    """`prefix: <what to do, or git's text>. suffix`, with git's own text kept as `detail`."""
    from isp_tui.sync.explain import explain

    raw = git_message(stderr)
    advice = explain(raw)
    error = SyncError(f"{prefix}: {advice or raw or fallback}" + (f". {suffix}" if suffix else ""))
    error.detail = raw
    return error


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
        if has_credentials(url):
            raise InputError(f"{shown_url(url)!r} holds a password or a token; {CREDENTIALS_ADVICE}", field=field)
        if kind != "file":
            host = parts.hostname or ""
            if not host or host.startswith("-") or not re.match(r"^[A-Za-z0-9:.-]+$", host):
                raise InputError(f"{shown_url(url)!r} has no valid host name", field=field)
            if parts.username is not None and not USER.match(parts.username):
                raise InputError(f"{shown_url(url)!r} has an unusual user name; refused", field=field)
            try:
                parts.port
            except ValueError:
                raise InputError(f"{shown_url(url)!r} has an invalid port", field=field) from None
        if parts.path.lstrip("/").startswith("-"):
            raise InputError(f"{shown_url(url)!r} has a path starting with '-'; refused", field=field)
        return url
    before_slash = url.split("/", 1)[0]
    if has_credentials(url):
        raise InputError(f"{shown_url(url)!r} holds a password; {CREDENTIALS_ADVICE}", field=field)
    if ":" in before_slash:  # scp-like: [user@]host:path, which git hands to ssh
        match = SCP.match(url)
        if not match or not HOST.match(match["host"]) or (match["user"] and not USER.match(match["user"])) \
                or match["path"].lstrip("/").startswith("-"):
            raise InputError(f"{url!r} is not a URL isp understands; use ssh://host/path, user@host:path, "
                             "https://..., git://... or a local path", field=field)
        return url
    return url  # a local path


def token_like(user: str) -> bool:
    """A URL's user part that is a secret (an access token), not a login name such as `git` or `alice`."""
    if TOKEN_PREFIX.match(user):
        return True
    letters, digits = any(c.isalpha() for c in user), any(c.isdigit() for c in user)
    return len(user) >= 32 or (len(user) >= 16 and letters and digits and not re.fullmatch(r"[a-z]+[0-9]{1,4}", user))


def has_credentials(url: str) -> bool:
    """A URL with a password in it (any scheme), or an http(s) URL whose user part is a token."""
    if not isinstance(url, str):
        return False
    if not SCHEME.match(url):  # scp-like user:password@host:path
        user, at, _ = url.split("/", 1)[0].partition("@")
        return bool(at) and ":" in user
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if "@" not in parts.netloc:
        return False
    if parts.password is not None:
        return True
    return parts.scheme.lower() in ("http", "https") and token_like(parts.username or "")


def shown_url(url: str | None) -> str | None:
    """A URL as isp prints it: a password or token in it replaced by `***` (a login name such as git@ stays)."""
    if not url or not has_credentials(url):
        return url
    if not SCHEME.match(url):
        return "***@" + url.partition("@")[2]
    scheme, _, rest = url.partition("://")
    userinfo, _, host = rest.partition("/")[0].rpartition("@")
    return f"{scheme}://***@{host}{rest[len(userinfo) + 1 + len(host):]}"


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


def first_fetch(store: Store) -> subprocess.CompletedProcess | None:
    """A new machine's first fetch (no commit here yet) made as `git clone` makes it: `git fetch-pack`, whose
    index-pack checks, as it reads the pack, that every object it names is in it; `git fetch` would walk
    every object received once more afterwards to check the same (4.6 s at 100,000 records). Returns its run
    when it set `origin/main`, or when it failed in words the sync explains (no network, an unknown host key,
    a refused key, a wrong path, a time-out: the caller says so, and nothing is tried twice). None leaves the
    fetch to `git fetch`: an https URL (fetch-pack speaks only the ssh, git and local transports), a server with no
    branch yet, a pack that was not whole (its objects stay; git fetch checks them as it always does)."""
    from isp_tui.sync.explain import explain

    try:  # the URL as git fetch reaches it: a `url.<base>.insteadOf` of the person's git config applied
        url = check_url(store.git("remote", "get-url", REMOTE).strip())
    except (subprocess.CalledProcessError, InputError):
        return None
    scheme = SCHEME.match(url)
    if scheme and scheme.group(1).lower() in ("http", "https"):
        return None
    done = network_git(store, "fetch-pack", "--no-progress", "--check-self-contained-and-connected",
                       "--lock-pack", url, BRANCH)  # check_url: no URL starts with "-"
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    tip = next((line.split()[0] for line in lines if line.endswith(" " + BRANCH)), None)
    whole = done.returncode == 0 and "connectivity-ok" in lines and tip is not None
    if whole:
        store.git("update-ref", "-m", "isp sync: the first fetch", REMOTE_REF, tip, "")
    packs = (store.gitdir / "objects" / "pack").resolve()
    for line in lines:  # git keeps the pack from removal until a ref names its objects: named now, or not kept
        kept = store.root / line[5:] if line.startswith("lock ") else None
        if kept and kept.suffix == ".keep" and kept.parent.resolve() == packs:
            kept.unlink(missing_ok=True)
    if whole or done.returncode == 124 or done.returncode != 0 and explain(git_message(done.stderr)):
        return done
    return None


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
