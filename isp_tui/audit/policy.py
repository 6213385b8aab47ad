"""The organisation's signing policy, kept in the records repository itself as a committed file, so every
clone (an auditor's, one made after a destroy) enforces it from its first `isp verify`, whatever its own
git config says.

`signing.toml` at the repository's root (written by `isp signing publish`):

    required = true
    admins = ["sam@example.org"]          # who may change this file

    [[signers]]
    email = "sam@example.org"             # the email the person records (and commits) under
    key = "ssh-ed25519 AAAA..."

Verify reads it at the branch head: every commit from the one that added it must be signed by a key the
file gives to the commit's author; a commit that adds or changes the file must be signed by an admin the
file named before it (the first one: an admin it names itself) and change nothing else."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from isp_tui.audit.checks import Check
from isp_tui.errors import InputError
from isp_tui.gitlayer.plumbing import BRANCH
from isp_tui.store import Store
from isp_tui.store.files import atomic_write
from isp_tui.tomlfile import parse_toml

POLICY = "signing.toml"
POLICY_ACTION = "signing-policy"
SIGNERS_FILE = "policy-allowed-signers"  # under .git/isp: the policy's signers, in git's allowed-signers form
# publish's commit message: no free text, so verify need not read every record to scan it for personal data
POLICY_MESSAGE = re.compile(r"signing: policy \(\d+ signer\(s\), \d+ admin\(s\)\)\n\nAction: signing-policy\n*")


@dataclass
class Policy:
    required: bool
    admins: list[str]
    signers: list[dict[str, str]] = field(default_factory=list)

    def allowed_signers(self) -> str:
        return "".join(f'{s["email"]} namespaces="git" {s["key"]}\n' for s in self.signers)

    def to_toml(self) -> str:
        return tomli_w.dumps({"required": self.required, "admins": self.admins, "signers": self.signers})


def parse_policy(raw: bytes, where: str = POLICY) -> Policy:
    data = parse_toml(raw, where)
    admins, signers = data.get("admins", []), data.get("signers", [])
    if not isinstance(admins, list) or not all(isinstance(a, str) and "@" in a for a in admins):
        raise InputError("admins must be a list of emails", file=where, field="admins")
    if not isinstance(signers, list) or not all(isinstance(s, dict) and isinstance(s.get("email"), str) and
                                                isinstance(s.get("key"), str) and "\n" not in s["key"]
                                                for s in signers):
        raise InputError("each [[signers]] needs an email and a key", file=where, field="signers")
    return Policy(bool(data.get("required", True)), [a.lower() for a in admins],
                  [{"email": s["email"].lower(), "key": s["key"].strip()} for s in signers])


def policy_at(store: Store, commit: str) -> Policy | None:
    done = subprocess.run(["git", "cat-file", "blob", f"{commit}:{POLICY}"], cwd=store.root, capture_output=True,
                          env=_env())
    if done.returncode != 0:
        return None
    return parse_policy(done.stdout, f"{commit[:12]}:{POLICY}")


def head_policy(store: Store) -> tuple[Policy | None, str, str]:
    """The policy at the branch head, the commit that first added it ("" if none) and the path of its
    allowed-signers file (written under .git/isp for git to read)."""
    if store.head() is None:
        return None, "", ""
    policy = policy_at(store, BRANCH)
    if policy is None:
        return None, "", ""
    added = store.git("log", "--format=%H", "--diff-filter=A", BRANCH, "--", POLICY).split()
    path = store.work / SIGNERS_FILE
    store.refuse_linked_work()  # git reads the signers from here: never through a link
    if path.is_symlink() or not path.is_file() or path.read_text() != policy.allowed_signers():
        try:
            store.work.mkdir(exist_ok=True, mode=0o700)
            atomic_write(path, policy.allowed_signers().encode(), store.work / "tmp")
        except OSError:  # a read-only copy (an auditor's, say): verify still reads, from a private copy
            path = private_copy(store, policy.allowed_signers())
    if path == store.work / SIGNERS_FILE:
        PRIVATE.pop(str(store.root), None)
    return policy, (added[-1] if added else ""), str(path)


PRIVATE: dict[str, Path] = {}  # records repository -> the policy's signers written outside it (read-only copies)


def private_copy(store: Store, text: str) -> Path:
    """The allowed signers in an owner-only temporary file outside the repository, removed when isp exits: for a
    repository isp cannot write (the signers are email addresses and public keys, nothing of a subject's)."""
    import atexit
    import os
    import tempfile

    from isp_tui.store.files import write_all

    fd, name = tempfile.mkstemp(prefix="isp-allowed-signers-")
    try:
        write_all(fd, text.encode())
    finally:
        os.close(fd)
    atexit.register(Path(name).unlink, missing_ok=True)
    PRIVATE[str(store.root)] = Path(name)
    return Path(name)


def signers_path(store: Store) -> Path:
    """Where git reads the policy's allowed signers for this repository (head_policy wrote them)."""
    return PRIVATE.get(str(store.root), store.work / SIGNERS_FILE)


def check_policy_changes(store: Store, signed_by: dict[str, tuple[str, str]], check: Check) -> None:
    """Each commit that added or changed the policy: signed by an admin named before (or, the first, by
    itself), changing nothing else. `signed_by`: sha -> (git's %G? letter, principal) for the commits."""
    from isp_tui.audit.signing import signer_email

    out = store.git("log", "--reverse", "--format=%H %P", "--full-history", BRANCH, "--", POLICY)
    for line in out.splitlines():
        sha, *parents = line.split()
        if len(parents) > 1:
            continue  # a merge: its sides were checked
        before = policy_at(store, parents[0]) if parents else None
        after = policy_at(store, sha)
        admins = (before or after).admins if (before or after) else []
        status, principal = signed_by.get(sha) or signature_of(store, sha)
        if status != "G" or signer_email(principal) not in admins:
            check.fail(f"commit {sha[:12]} changes the signing policy ({POLICY}) but is not signed by one of its "
                       "admins", commit=sha)
        files = store.git("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).split()
        if files != [POLICY]:
            check.fail(f"commit {sha[:12]} changes the signing policy and other files too", commit=sha)


def signature_of(store: Store, sha: str) -> tuple[str, str]:
    out = store.git("-c", f"gpg.ssh.allowedSignersFile={signers_path(store)}", "-c", "gpg.format=ssh", "log",
                    "-1", "--format=%G? %GS", sha).strip()
    status, _, principal = out.partition(" ")
    return status, principal


def publish(store: Store, *, admins: list[str], signers_file: str, author: Any) -> str:
    """Commit the policy (signed, as the admin's machine signs every commit): the allowed signers as
    `email namespaces="git" type key` lines, and the admins who may change it."""
    signers = []
    for line in Path(signers_file).expanduser().read_text().splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        keys = [i for i, p in enumerate(parts) if p.startswith(("ssh-", "ecdsa-", "sk-"))]
        if not keys or keys[0] + 1 >= len(parts):
            raise InputError(f"line {line[:40]!r} is not `email namespaces=\"git\" type key`", file=signers_file)
        for email in parts[0].split(","):
            signers.append({"email": email.lower(), "key": f"{parts[keys[0]]} {parts[keys[0] + 1]}"})
    if not admins:
        raise InputError("name at least one admin (--admin EMAIL), who may change the policy later", field="--admin")
    policy = Policy(True, [a.lower() for a in admins], signers)
    try:
        signing = store.git("config", "--bool", "commit.gpgsign").strip() == "true"
    except subprocess.CalledProcessError:
        signing = False
    if not signing:
        raise InputError("this machine does not sign its commits; set it up first with `isp init --sign`",
                         field="--admin")
    message = f"signing: policy ({len(signers)} signer(s), {len(admins)} admin(s))\n\nAction: {POLICY_ACTION}\n"
    with store.lock():
        atomic_write(store.root / POLICY, policy.to_toml().encode(), store.work / "tmp")
        return store.commit_paths([POLICY], message, author)


def _env() -> dict[str, Any]:
    from isp_tui.gitlayer.env import git_env

    return git_env()
