"""SSH commit signatures checked in-process (audit.sshsig) agree with git's own check (`git verify-commit`,
`git log --format=%G? %GS`, which run ssh-keygen) on good, tampered, wrong-key, wrong-namespace and unsigned
commits, for each key type ssh-keygen makes; whatever sshsig cannot vouch for is git's to answer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from isp_tui.audit import sshsig
from isp_tui.audit.signing import git_signature_answers, signature_answers
from isp_tui.store import Store

from conftest import git

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen makes the test signatures")

ALICE, BOB = "test.alice@example.invalid", "test.bob@example.invalid"
KEY_TYPES = [("ed25519", []), ("ecdsa", ["-b", "256"]), ("ecdsa", ["-b", "384"]), ("ecdsa", ["-b", "521"]),
             ("rsa", ["-b", "2048"])]


def keygen(path: Path, kind: str = "ed25519", bits: list[str] | None = None) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *(bits or []), "-N", "", "-C", "", "-f", str(path)], check=True)
    return " ".join(path.with_suffix(".pub").read_text().split()[:2])


def commit(root: Path, message: str, key: Path | None, email: str = ALICE) -> str:
    args = ["-c", "user.name=Test Person", "-c", f"user.email={email}", "-c", "gpg.format=ssh"]
    if key is not None:
        args += ["-c", f"user.signingkey={key}"]
    git(root, *args, "commit", "-q", "--allow-empty", *(["-S"] if key else ["--no-gpg-sign"]), "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def write_commit(root: Path, raw: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin", "--literally"], cwd=root,
                          input=raw, capture_output=True, check=True).stdout.decode().strip()


def with_signature(raw: bytes, armored: bytes) -> bytes:
    header, _, message = raw.partition(b"\n\n")
    lines = armored.rstrip(b"\n").split(b"\n")
    return header + b"\ngpgsig " + b"\n ".join(lines) + b"\n\n" + message


def namespace_signed(root: Path, key: Path, namespace: str) -> str:
    """A commit signed like git signs, but in another namespace (`ssh-keygen -Y sign -n NAMESPACE`)."""
    raw = git(root, "cat-file", "commit", commit(root, f"unsigned, to sign as {namespace}", None)).encode()
    armored = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", str(key)], input=raw,
                             capture_output=True, check=True).stdout
    return write_commit(root, with_signature(raw, armored))


def tampered(root: Path, sha: str) -> str:
    raw = subprocess.run(["git", "cat-file", "commit", sha], cwd=root, capture_output=True, check=True).stdout
    return write_commit(root, raw.replace(b"\n\n", b"\n\nTampered: ", 1))


def gits_answer(root: Path, signers: Path, sha: str) -> tuple[str, str, bool]:
    config = ["-c", f"gpg.ssh.allowedSignersFile={signers}", "-c", "gpg.format=ssh"]
    status, _, principal = git(root, *config, "log", "-1", "--format=%G? %GS", sha).strip().partition(" ")
    verified = subprocess.run(["git", *config, "verify-commit", sha], cwd=root, capture_output=True).returncode == 0
    return status, principal, verified


@pytest.fixture
def repo(tmp_path) -> Store:
    store = Store(tmp_path / "records")
    commit(store.root, "the first commit, unsigned", None)
    return store


@pytest.mark.parametrize(("kind", "bits"), KEY_TYPES, ids=["ed25519", "p256", "p384", "p521", "rsa"])
def test_in_process_answers_agree_with_git(repo, tmp_path, kind, bits):
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'{ALICE} namespaces="git" {keygen(alice, kind, bits)}\n'
                       f'# a comment line\n{BOB} {keygen(bob)}\n')
    outsider = tmp_path / "outsider"
    keygen(outsider, kind, bits)
    root = repo.root
    good = commit(root, "signed by alice", alice)
    cases = {
        "good": good,
        "good, by bob's key (no namespaces option)": commit(root, "signed by bob", bob, BOB),
        "signed as alice by bob's key": commit(root, "bob's key, alice's name", bob, ALICE),
        "tampered": tampered(root, good),
        "wrong key": commit(root, "signed by a key not allowed", outsider),
        "wrong namespace": namespace_signed(root, alice, "file"),
        "unsigned": commit(root, "not signed", None),
    }
    ours = signature_answers(repo, list(cases.values()), str(signers))
    seen = {}
    for case, sha in cases.items():
        status, principal, verified = gits_answer(root, signers, sha)
        assert ours[sha] == (status, principal), case
        assert verified == (status == "G"), case
        seen[case] = status
    assert seen["good"] == seen["good, by bob's key (no namespaces option)"] == "G"
    assert ours[cases["signed as alice by bob's key"]] == ("G", BOB)  # verify then compares it with the author
    assert seen["unsigned"] == "N" and "G" not in (seen["tampered"], seen["wrong key"], seen["wrong namespace"])
    # sshsig alone vouches for the good ones only, and says N for the unsigned one: the rest were git's
    parsed = sshsig.allowed_signers(signers.read_text())
    for case, sha in cases.items():
        raw = subprocess.run(["git", "cat-file", "commit", sha], cwd=root, capture_output=True, check=True).stdout
        parts = sshsig.signed_parts(raw)
        assert (parts is None) == (case == "unsigned")
        vouched = parts is not None and sshsig.good_signer(parts[1], parts[0], parsed)
        assert bool(vouched) == (seen[case] == "G"), case


def test_allowed_signers_sshsig_does_not_read_are_left_to_git(repo, tmp_path):
    alice = tmp_path / "alice"
    public = keygen(alice)
    sha = commit(repo.root, "signed by alice", alice)
    for line in (f'{ALICE} namespaces="git",valid-before="20200101" {public}',  # expired: git says not good
                 f'{ALICE} namespaces="file" {public}',  # not for git
                 f'{ALICE},{BOB} {public}',  # two principals on one line
                 f'test.*@example.invalid {public}',  # a pattern
                 f'{ALICE} cert-authority {public}'):
        signers = tmp_path / "allowed_signers"
        signers.write_text(line + "\n")
        status, principal, verified = gits_answer(repo.root, signers, sha)
        assert signature_answers(repo, [sha], str(signers))[sha] == (status, principal), line
        parsed = sshsig.allowed_signers(line)
        parts = sshsig.signed_parts(git(repo.root, "cat-file", "commit", sha).encode())
        assert parsed is None or sshsig.good_signer(parts[1], parts[0], parsed) is None, line
    # the same key on two lines: git decides which principal it names
    signers.write_text(f"{BOB} {public}\n{ALICE} {public}\n")
    assert sshsig.allowed_signers(signers.read_text()) == {sshsig.allowed_signers(f"{BOB} {public}").popitem()[0]: None}
    assert signature_answers(repo, [sha], str(signers))[sha] == gits_answer(repo.root, signers, sha)[:2]


def test_a_commit_whose_payload_is_another_commits_is_not_good(repo, tmp_path):
    """git's split of a commit into payload and signature, followed exactly: a second signature header (the
    SHA-256 one) and its continuation lines are not part of what was signed; anything else is."""
    alice = tmp_path / "alice"
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"{ALICE} {keygen(alice)}\n")
    raw = git(repo.root, "cat-file", "commit", commit(repo.root, "signed by alice", alice)).encode()
    header, _, message = raw.partition(b"\n\n")
    variants = {
        "G": header + b"\ngpgsig-sha256 -----BEGIN SSH SIGNATURE-----\n more\n\n" + message,  # another signature
        "B": header + b"\nencoding ISO-8859-1\n\n" + message,  # an extra header
        "B ": raw.replace(b"\n -----END SSH SIGNATURE-----", b"", 1) + b"\n",  # the armour cut short
    }
    for expected, body in variants.items():
        sha = write_commit(repo.root, body)
        assert signature_answers(repo, [sha], str(signers))[sha][0] == gits_answer(repo.root, signers, sha)[0] == \
            expected.strip()


def test_git_is_asked_on_every_core_for_what_sshsig_leaves(repo, tmp_path):
    alice = tmp_path / "alice"
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"{ALICE} {keygen(alice)}\n")
    shas = [commit(repo.root, f"signed {n}", alice) for n in range(3)] + [commit(repo.root, "unsigned", None)]
    assert git_signature_answers(repo, shas, str(signers)) == signature_answers(repo, shas, str(signers))
