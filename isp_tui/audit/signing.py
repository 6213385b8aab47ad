"""Commit signing (`isp init --sign`): set it up, and say whether it is required and since when.

`isp verify`'s `signatures` check (isp_tui.audit.verify) reads `signing_required`."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from isp_tui.errors import InputError
from isp_tui.store import Store, atomic_write

SIGNATURES = "signature-cache"  # under .git/isp: each commit's signature check, for the allowed signers as they are


class SignatureCache:
    """Each commit's signature answer (git's %G? letter and the signer's principal), remembered under
    .git/isp for the signing set-up as it is: a change to the allowed signers, the format or the program
    that checks forgets every answer. A commit's signature never changes (its id covers it)."""

    def __init__(self, store: Store):
        self.store, self.path = store, store.work / SIGNATURES
        self.key = self._setup_key()

    def _setup_key(self) -> str:
        parts = []
        for name in ("gpg.format", "gpg.ssh.allowedSignersFile", "gpg.ssh.program", "gpg.program"):
            try:
                parts.append(self.store.git("config", name).strip())
            except subprocess.CalledProcessError:
                parts.append("")
        signers = Path(parts[1]).expanduser() if parts[1] else None
        try:
            parts.append(signers.read_text() if signers else "")
        except OSError:
            parts.append("(unreadable)")
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _load(self) -> dict[str, tuple[str, str]]:
        try:
            lines = self.path.read_text().splitlines()
        except OSError:
            return {}
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
        if not answers:
            return
        merged = {**self._load(), **answers}
        body = self.key + "\n" + "".join(f"{sha} {status} {principal}\n" for sha, (status, principal) in merged.items())
        try:
            self.store.work.mkdir(exist_ok=True, mode=0o700)
            atomic_write(self.path, body.encode(), self.store.work / "tmp")
        except OSError:
            pass  # a read-only copy: checked again next time


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
        existing = signers.read_text().splitlines() if signers.is_file() else []
        if not any(public in e for e in existing):
            with signers.open("a") as fh:
                fh.write(line + "\n")
        config["user.signingkey"] = str(path.absolute())
        config["gpg.ssh.allowedSignersFile"] = str(signers)
    else:
        if not key:
            raise InputError("pass --key KEYID (an OpenPGP key id from `gpg --list-secret-keys`)", field="--key")
        config["user.signingkey"] = key
    try:
        store.git("config", "isp.signedSince")
    except subprocess.CalledProcessError:  # first set-up: commits from here on must be signed
        config["isp.signedSince"] = store.head() or ""
    for name, value in config.items():
        store.git("config", name, value)
    return config


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
