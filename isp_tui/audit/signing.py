"""Commit signing (`isp init --sign`): set it up, and say whether it is required and since when.

`isp verify`'s `signatures` check (isp_tui.audit.verify) reads `signing_required`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from isp_tui.errors import InputError
from isp_tui.store import Store


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
