"""The common ssh and git failures of a sync, in one line each that says what to do. Git's own text is
kept on the error (`SyncError.detail`) and shown with `isp --verbose`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

NO_NETWORK = ("could not resolve hostname", "connection refused", "network is unreachable", "connection timed out",
              "no route to host", "temporary failure in name resolution", "operation timed out",
              "unable to connect", "connection closed by remote host")
WRONG_PATH = ("does not appear to be a git repository", "repository not found", "no such repository",
              "not a git repository", "does not exist")


def explain(text: str) -> str:
    """What a person can do about git's or ssh's message, in one line; "" when it is none of the common ones."""
    low = text.lower()
    if "host key verification failed" in low or "no ed25519 host key is known" in low or \
            "host key for" in low and "not known" in low:
        return ("this machine does not know the server's host key yet (isp never accepts an unknown one): add the "
                "line the admin gives you to ~/.ssh/known_hosts, as the README's admin section shows, then sync again")
    if "permission denied (publickey" in low or "permission denied, please try again" in low:
        if passphrase_without_agent():
            return ("your SSH key has a passphrase and no ssh-agent holds it (isp cannot ask for it): run "
                    "`eval \"$(ssh-agent)\"` and `ssh-add`, then sync again")
        return ("the server refused this machine's SSH key: ask the admin to add your public key "
                "(~/.ssh/id_ed25519.pub) to the server, or check ~/.ssh/config names the right key")
    if "pre-receive hook declined" in low or "hook declined" in low:
        return ("the server's checks refused the push (its reason is above). If a commit is not signed: "
                "`isp init --sign` signs the commits never pushed, then sync again")
    if any(p in low for p in WRONG_PATH):
        return ("the server has no records repository at that path: check the URL with the admin "
                "(`isp remote show`; an admin corrects it with `isp remote add URL`)")
    if any(p in low for p in NO_NETWORK):
        return "the server cannot be reached (no network, or the server is down): sync again when it can be"
    return ""


def passphrase_without_agent() -> bool:
    """No ssh-agent, and a default key that cannot be read without its passphrase."""
    if os.environ.get("SSH_AUTH_SOCK"):
        return False
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        key = Path("~/.ssh").expanduser() / name
        if key.is_file():
            try:
                done = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(key)], capture_output=True, timeout=10)
            except (OSError, subprocess.SubprocessError):
                return False
            return done.returncode != 0
    return False
