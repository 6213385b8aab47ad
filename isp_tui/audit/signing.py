"""Commit signing (`isp init --sign`): set it up, and say whether it is required and since when.

`isp verify`'s `signatures` check (isp_tui.audit.verify) reads `signing_required`."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from isp_tui.errors import InputError
from isp_tui.store import Store
from isp_tui.store.files import atomic_write

SIGNATURES = "signature-cache"  # under .git/isp: each commit's signature check, for the allowed signers as they are
SETUP = ("gpg.format", "gpg.ssh.allowedSignersFile", "gpg.ssh.revocationFile", "gpg.ssh.program", "gpg.program")
GNUPG_FILES = ("pubring.kbx", "pubring.gpg", "trustdb.gpg")  # an OpenPGP key imported, trusted or revoked


class SignatureCache:
    """Each commit's signature answer (git's %G? letter and the signer's principal), remembered under
    .git/isp for the signing set-up as it is: keyed by the commit's id (which covers its signature) and a
    hash of the set-up (the allowed signers' content, the revocation file's, the format and the programs that
    check; for OpenPGP, the keyring's files as they stand), so any change to these forgets every answer.
    "E" (the check could not run: no ssh-keygen, no key) is never remembered. Read and written only as a
    plain file in a plain .git/isp (a symbolic link is never followed: nothing is remembered then)."""

    def __init__(self, store: Store, signers: str = ""):
        self.store, self.path = store, store.work / SIGNATURES
        self.key = self._setup_key(signers)

    def _setup_key(self, signers_file: str) -> str:
        setup = dict(zip(SETUP, config_values(self.store, SETUP)))
        if signers_file:  # the repository's committed policy (audit.policy) names the allowed signers
            setup["gpg.format"], setup["gpg.ssh.allowedSignersFile"] = "ssh", signers_file
        parts = list(setup.values())
        for name in ("gpg.ssh.allowedSignersFile", "gpg.ssh.revocationFile"):
            path = config_path(self.store, setup[name])
            try:
                parts.append(path.read_text() if path else "")
            except OSError:
                parts.append("(unreadable)")
        if setup["gpg.format"] in ("", "openpgp", "x509"):
            home = Path(os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
            for name in GNUPG_FILES:
                try:
                    found = (home / name).stat()
                    parts.append(f"{name} {found.st_size} {found.st_mtime_ns} {found.st_ino}")
                except OSError:
                    parts.append("")
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _plain_folder(self) -> bool:
        return self.store.work.is_dir() and self.store.plain_work()

    def _load(self) -> dict[str, tuple[str, str]]:
        if not self._plain_folder():
            return {}
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return {}
        with os.fdopen(fd, "rb") as fh:
            lines = fh.read().decode("utf-8", "replace").splitlines()
        if not lines or lines[0] != self.key:
            return {}
        found = {}
        for line in lines[1:]:
            sha, _, rest = line.partition(" ")
            status, _, principal = rest.partition(" ")
            found[sha] = (status, principal)
        return found

    def known(self, shas) -> dict[str, tuple[str, str]]:
        cached = self._load()
        return {sha: cached[sha] for sha in shas if sha in cached}

    def remember(self, answers: dict[str, tuple[str, str]]) -> None:
        answers = {sha: answer for sha, answer in answers.items() if answer[0] != "E"}
        if not answers:
            return
        merged = {**self._load(), **answers}
        body = self.key + "\n" + "".join(f"{sha} {status} {principal}\n" for sha, (status, principal) in merged.items())
        try:
            self.store.work.mkdir(exist_ok=True, mode=0o700)
            if self._plain_folder():
                atomic_write(self.path, body.encode(), self.store.work / "tmp")
        except OSError:
            pass  # a read-only copy: checked again next time


def add_signer(signers: Path, public: str, line: str) -> None:
    """Add `line` to an allowed-signers file unless it already names the key `public`: the whole file written
    again (atomic_write, in its own folder, keeping its mode), so a full disk leaves it as it was, never with a
    cut-short line."""
    import stat

    existing = signers.read_text() if signers.is_file() else ""
    if any(public in e for e in existing.splitlines()):
        return
    mode = stat.S_IMODE(signers.stat().st_mode) if signers.is_file() else 0o600
    body = existing + ("" if not existing or existing.endswith("\n") else "\n") + line + "\n"
    atomic_write(signers, body.encode(), signers.parent, mode=mode)


def config_values(store: Store, names: tuple[str, ...]) -> list[str]:
    """Each git config value ("" where unset), from one `git config --get-regexp`."""
    try:
        out = store.git("config", "--get-regexp", "^(" + "|".join(re.escape(n.lower()) for n in names) + ")$")
    except subprocess.CalledProcessError:
        out = ""
    found = {}
    for line in out.splitlines():
        name, _, value = line.partition(" ")
        found[name.lower()] = value  # the last one wins, as in git
    return [found.get(n.lower(), "") for n in names]


def config_path(store: Store, value: str) -> Path | None:
    """A path from git config as git (run in the repository's root) reads it: ~ expanded, relative to the root."""
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else store.root / path


def signature_answers(store: Store, shas: list[str], signers_file: str = "") -> dict[str, tuple[str, str]]:
    """(git's %G? letter, principal) for each commit. SSH signatures git would call good are recognised in
    this process (audit.sshsig: about 0.1 ms a commit, against two ssh-keygen processes), as are unsigned
    commits; every other commit is asked of git, on every core. `signers_file`: the committed policy's
    allowed signers (otherwise this clone's gpg.ssh.allowedSignersFile)."""
    answers: dict[str, tuple[str, str]] = {}
    signers = in_process_signers(store, signers_file) if shas and len(shas[0]) == 40 else None
    if signers is not None:
        from isp_tui.audit.sshsig import good_signer, signed_parts
        from isp_tui.gitlayer.plumbing import blobs

        for sha, raw in zip(shas, blobs(store.root, shas)):
            parts = signed_parts(raw) if raw is not None else None
            if raw is not None and parts is None:
                answers[sha] = ("N", "")
            elif parts is not None and (principal := good_signer(parts[1], parts[0], signers)) is not None:
                answers[sha] = ("G", principal)
    todo = [sha for sha in shas if sha not in answers]
    answers.update(git_signature_answers(store, todo, signers_file))
    return answers


def in_process_signers(store: Store, signers_file: str):
    """The allowed signers for audit.sshsig, or None where git must check every signature: another
    verifying program than ssh-keygen, a revocation file, allowed signers it does not read, no cryptography."""
    from isp_tui.gitlayer.env import users_signing_programs

    if Path(users_signing_programs().get("gpg.ssh.program", "")).name != "ssh-keygen":
        return None
    configured, revocation = config_values(store, ("gpg.ssh.allowedSignersFile", "gpg.ssh.revocationFile"))
    path = Path(signers_file) if signers_file else config_path(store, configured)
    if revocation or path is None:
        return None
    try:
        import cryptography  # noqa: F401

        from isp_tui.audit.sshsig import allowed_signers

        return allowed_signers(path.read_text())
    except (ImportError, OSError, UnicodeDecodeError):
        return None


def git_signature_answers(store: Store, shas: list[str], signers_file: str = "") -> dict[str, tuple[str, str]]:
    """git's own answer for each commit (`git log --format=%G? %GS`), the commits split over the cores."""
    from concurrent.futures import ThreadPoolExecutor

    from isp_tui.gitlayer.env import run_git

    if not shas:
        return {}
    policy = ["-c", f"gpg.ssh.allowedSignersFile={signers_file}", "-c", "gpg.format=ssh"] if signers_file else []
    parts = max(1, min(os.cpu_count() or 1, len(shas) // 100))

    def ask(chunk: list[str]) -> str:
        return run_git(store.root, *policy, "log", "--no-walk=unsorted", "--stdin", "--format=%H %G? %GS",
                       input=("\n".join(chunk) + "\n").encode(), check=False).stdout.decode("utf-8", "replace")

    with ThreadPoolExecutor(parts) as pool:
        outs = list(pool.map(ask, [shas[n::parts] for n in range(parts)]))
    answers = {}
    for line in "".join(outs).splitlines():
        sha, _, rest = line.partition(" ")
        status, _, principal = rest.partition(" ")
        answers[sha] = (status, principal.strip())
    return answers


def signer_email(principal: str) -> str:
    """The email a signature's principal names: an SSH allowed-signers principal is the email itself, an
    OpenPGP one `Name <email>`."""
    match = re.search(r"<([^<>]+)>", principal)
    return (match[1] if match else principal).strip().lower() if "@" in principal else ""


def signing_required(store: Store) -> tuple[bool, str]:
    """Whether `isp init --sign` set signing up, and the branch head at that moment ("" = from the start)."""
    try:
        required = store.git("config", "--bool", "isp.requireSigned").strip() == "true"
    except subprocess.CalledProcessError:
        return False, ""
    try:
        since = store.git("config", "isp.signedSince").strip()
    except subprocess.CalledProcessError:
        since = ""
    return required, since


def setup_signing(store: Store, *, key: str, principal: str, fmt: str = "ssh",
                  allowed_signers: str | None = None) -> dict[str, str]:
    """Have every commit signed with git's own SSH or OpenPGP signing, and require it from now on.

    For SSH the public key is added to an allowed-signers file (by default .git/isp/allowed_signers)
    that git uses to check signatures, with plain git (`git log --show-signature`) as with `isp verify`.
    Returns the git config that was set."""
    if fmt not in ("ssh", "openpgp"):
        raise InputError(f"{fmt!r} is not a signing format; expected ssh or openpgp", field="--signing-format")
    config = {"commit.gpgsign": "true", "gpg.format": fmt, "isp.requireSigned": "true"}
    if fmt == "ssh":
        path = Path(key).expanduser()
        if not path.is_file():
            raise InputError("no such key file; pass --key PATH to an SSH key (e.g. ~/.ssh/id_ed25519)", file=key,
                             field="--key")
        public = public_key(path)
        signers = Path(allowed_signers).expanduser().absolute() if allowed_signers else store.work / "allowed_signers"
        signers.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = f'{principal} namespaces="git" {public}'
        add_signer(signers, public, line)
        config["user.signingkey"] = str(path.absolute())
        config["gpg.ssh.allowedSignersFile"] = str(signers)
    else:
        if not key:
            raise InputError("pass --key KEYID (an OpenPGP key id from `gpg --list-secret-keys`)", field="--key")
        config["user.signingkey"] = key
    try:
        store.git("config", "isp.signedSince")
    except subprocess.CalledProcessError:  # first set-up: commits from here on must be signed
        # commits never pushed are signed now (resign_unpushed): signing is required from the last pushed one
        config["isp.signedSince"] = pushed_tip(store) or ""
    for name, value in config.items():
        store.git("config", name, value)
    resigned = resign_unpushed(store)
    if resigned:
        config["isp.resigned"] = f"{len(resigned)} commit(s) never pushed, signed now"
    return config


REMOTE_REF = "refs/remotes/origin/main"  # merge: use isp_tui.sync.remote.REMOTE_REF
RESIGNED = "resigned"  # under .git/isp: "<old> <new>" for each commit signed again by resign_unpushed


def pushed_tip(store: Store) -> str | None:
    try:
        return store.git("rev-parse", "-q", "--verify", REMOTE_REF + "^{commit}").strip() or None
    except subprocess.CalledProcessError:
        return None


def resign_unpushed(store: Store) -> list[tuple[str, str]]:
    """Sign again, with the key just set up, every commit on this machine that was never pushed (not in
    the remote-tracking branch), so one commit made before signing was set up never locks the machine out
    of a server that refuses unsigned pushes. Each is the same tree, author, dates and message, only
    signed; the branch moves under the store's lock, the working tree is unchanged. The pairs are kept in
    .git/isp/resigned, which `isp verify`'s history check reads (the old heads are in the reflog)."""
    base = pushed_tip(store)
    with store.lock():
        head = store.head()
        if head is None:
            return []
        todo = store.git("rev-list", "--reverse", "--topo-order", head, *([f"^{base}"] if base else [])).split()
        if not todo:
            return []
        mapped: dict[str, str] = {}
        for sha in todo:
            mapped[sha] = resign_one(store, sha, mapped)
        store.git("update-ref", "-m", "isp init --sign: commits never pushed signed again", "refs/heads/main",
                  mapped[head], head)
        from isp_tui.audit.verify_state import MARKER, read_marker

        pairs = [(old, mapped[old]) for old in todo]
        store.work.mkdir(exist_ok=True, mode=0o700)
        before = "".join(f"{old} {new}\n" for old, new in resigned_commits(store).items())
        # whole files or none (a full disk): a cut-short line would map a commit to an id that is not one
        atomic_write(store.work / RESIGNED, (before + "".join(f"{old} {new}\n" for old, new in pairs)).encode(),
                     store.work / "tmp")
        verified = read_marker(store)
        if verified in mapped:  # the same trees: the same state, at the commit signed again
            atomic_write(store.work / MARKER, (mapped[verified] + "\n").encode(), store.work / "tmp")
    return pairs


def resign_one(store: Store, sha: str, mapped: dict[str, str]) -> str:
    from isp_tui.gitlayer.env import git_env

    raw = store.git("cat-file", "commit", sha)
    header, _, message = raw.partition("\n\n")
    tree, parents, people = "", [], {}
    for line in header.splitlines():
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(mapped.get(value, value))
        elif key in ("author", "committer"):
            name, _, rest = value.partition(" <")
            email, _, stamp = rest.partition("> ")
            people[key] = (name, email, stamp)
    env = {**git_env(), "GIT_AUTHOR_NAME": people["author"][0], "GIT_AUTHOR_EMAIL": people["author"][1],
           "GIT_AUTHOR_DATE": people["author"][2], "GIT_COMMITTER_NAME": people["committer"][0],
           "GIT_COMMITTER_EMAIL": people["committer"][1], "GIT_COMMITTER_DATE": people["committer"][2]}
    args = ["git", "commit-tree", tree, "-S"] + [a for p in parents for a in ("-p", p)]
    done = subprocess.run(args, cwd=store.root, env=env, input=message.encode(), capture_output=True)
    if done.returncode != 0:
        raise InputError(f"signing the commits never pushed failed: {done.stderr.decode(errors='replace').strip()}",
                         field="--key")
    return done.stdout.decode().strip()


def resigned_commits(store: Store) -> dict[str, str]:
    """old -> new for every commit resign_unpushed signed again."""
    try:
        lines = (store.work / RESIGNED).read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(" ", 1) for line in lines if " " in line)


def public_key(path: Path) -> str:
    """The `type base64` of an SSH key: from the file, its .pub beside it, or ssh-keygen."""
    text = path.read_text(errors="replace").strip()
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return " ".join(text.split()[:2])
    pub = path.with_name(path.name + ".pub")
    if pub.is_file():
        return " ".join(pub.read_text().split()[:2])
    result = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise InputError("is not an SSH key ssh-keygen can read (a passphrase-protected key needs its .pub beside it)",
                         file=path, field="--key")
    return " ".join(result.stdout.split()[:2])
