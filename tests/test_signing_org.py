"""Signing for a whole organisation: `isp init --clone URL --sign` signs from the first commit; verify
ties each signature to the commit's author; and each commit's signature check is remembered, so a
verify that ran before does not check it again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from isp_tui import sync
from isp_tui.store import Store

from test_hostile_store import mount_point  # noqa: F401 (a fixture)
from conftest import git, write_toml
from factory import final_record
from test_sync import ME, bare, create  # noqa: F401  (bare is a fixture)

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen signs the test commits")


@pytest.fixture
def ssh_key(tmp_path) -> Path:
    key = tmp_path / "test_signing_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test@example.invalid", "-f", str(key)],
                   check=True)
    return key


def checks(isp, *args) -> dict:
    import json

    result = json.loads(isp("verify", "--json", *args, check=None).stdout)
    return {c["name"]: c for c in result["checks"]}


def test_init_clone_with_sign_signs_from_the_first_commit(isp, tmp_path, bare, guidance, ssh_key):
    first = Store(tmp_path / "first")
    sync.add_remote(first, str(bare))
    create(first, guidance)
    sync.sync(first)
    isp("init", "--clone", str(bare), str(isp.records), "--sign", "--key", str(ssh_key))
    assert git(isp.records, "config", "commit.gpgsign").strip() == "true"
    assert git(isp.records, "config", "isp.requireSigned").strip() == "true"
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    assert "-----BEGIN SSH SIGNATURE-----" in git(isp.records, "cat-file", "-p", "HEAD")
    found = checks(isp)
    assert found["signatures"]["ok"] and not found["signatures"]["skipped"]


def test_a_signature_by_another_persons_key_fails(isp, tmp_path, guidance, ssh_key):
    isp("init", "--sign", "--key", str(ssh_key))  # the allowed signers give this key to test.practitioner@
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))),
        identity="Test Practitioner Two <test.two@example.invalid>")
    failures = checks(isp)["signatures"]["failures"]
    assert len(failures) == 1 and "test.practitioner@example.invalid" in failures[0]["message"]
    assert "test.two@example.invalid" in failures[0]["message"]


@pytest.mark.parametrize("checker", ["in-process", "ssh-keygen"])
def test_each_commits_signature_is_checked_once(isp, tmp_path, guidance, ssh_key, monkeypatch, checker):
    """Each signature is checked once, whoever checks it: in this process (audit.sshsig) for plain allowed
    signers, or by the ssh-keygen git runs for lines sshsig leaves to git (here a valid-after option)."""
    import os

    from isp_tui.audit import sshsig

    isp("init", "--sign", "--key", str(ssh_key))
    if checker == "ssh-keygen":
        signers = isp.records / ".git" / "isp" / "allowed_signers"
        signers.write_text(signers.read_text().replace('namespaces="git"', 'namespaces="git",valid-after="20200101"'))
    log = tmp_path / "ssh-keygen.log"
    log.write_text("")
    shims = tmp_path / "shims"
    shims.mkdir()
    wrapper = shims / "ssh-keygen"  # the ssh-keygen git runs, found first on PATH: it logs each call
    wrapper.write_text(f"#!/bin/sh\necho \"$*\" >> {log}\nexec {shutil.which('ssh-keygen')} \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ['PATH']}")
    in_process = []
    real = sshsig.good_signer
    monkeypatch.setattr(sshsig, "good_signer", lambda *a: in_process.append(a) or real(*a))

    def checked() -> tuple[int, int]:
        found = len([line for line in log.read_text().splitlines() if "-Y verify" in line]), len(in_process)
        log.write_text("")
        in_process.clear()
        return found

    for n in range(3):
        isp("record", str(write_toml(tmp_path / f"r{n}.toml", final_record(guidance))))
    (isp.records / "stray.txt").write_text("fictional stray file\n")  # verify fails: its baseline stays put
    assert checks(isp)["signatures"]["ok"]
    by_git, here = checked()
    assert by_git + here >= 3 and (by_git == 0 if checker == "in-process" else by_git >= 3)
    assert not checks(isp)["worktree"]["ok"] and checks(isp)["signatures"]["ok"]
    assert checked() == (0, 0)  # remembered
    git(isp.records, "config", "gpg.ssh.allowedSignersFile", str(tmp_path / "empty_signers"))
    (tmp_path / "empty_signers").write_text("")
    assert not checks(isp)["signatures"]["ok"]  # the allowed signers changed: every answer is asked again


def test_a_failed_first_clone_does_not_say_records_are_safe(isp, tmp_path):
    failed = isp("init", "--clone", str(tmp_path / "no-such-server.git"), str(tmp_path / "new"), check=1)
    assert "could not fetch" in failed.stderr and "committed on this machine and safe" not in failed.stderr
    assert "isp init --clone" in failed.stderr and not (tmp_path / "new").exists()


def test_setting_up_signing_signs_the_commits_never_pushed(isp, tmp_path, bare, guidance, ssh_key):
    from test_sync import readme_hook

    signers = tmp_path / "server_allowed_signers"
    public = ssh_key.with_suffix(".pub").read_text().split()
    signers.write_text(f"test.practitioner@example.invalid {public[0]} {public[1]}\n")
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(readme_hook().replace("/srv/git/allowed_signers", str(signers)))
    hook.chmod(0o755)
    isp("init", "--clone", str(bare), str(isp.records))
    rid = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()  # unsigned
    assert "not signed by a known key" in isp("sync", check=1).stderr  # the server's hook refuses it
    isp("verify")  # passes: its marker names the unsigned head
    marker = isp.records / ".git" / "isp" / "verified-head"
    assert marker.read_text().strip() == git(isp.records, "rev-parse", "main").strip()
    before = git(isp.records, "log", "--format=%an %ae %aI %s", "main")
    out = isp("init", "--sign", "--key", str(ssh_key)).stderr
    assert "1 commit(s) never pushed, signed now" in out
    head = git(isp.records, "rev-parse", "main").strip()
    assert marker.read_text() == head + "\n"  # moved to the commit signed again (the same tree)
    resigned = (isp.records / ".git" / "isp" / "resigned").read_text().splitlines()
    assert len(resigned) == 1 and resigned[0].endswith(" " + head)
    assert git(isp.records, "log", "--format=%an %ae %aI %s", "main") == before  # same authors, dates, messages
    assert "-----BEGIN SSH SIGNATURE-----" in git(isp.records, "cat-file", "-p", "HEAD")
    assert git(isp.records, "status", "--porcelain") == ""
    isp("sync")  # accepted now: nothing re-typed
    assert rid in git(bare, "log", "--format=%B", "main")
    found = checks(isp)
    assert all(c["ok"] for c in found.values()), found


def test_the_committed_signing_policy_is_enforced_by_every_clone(isp, tmp_path, bare, guidance, ssh_key):
    """An admin commits the allowed signers to the records repository; a fresh clone, with no signing
    config of its own, checks signatures from its first verify; only an admin's signed commit may change it."""
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    public = ssh_key.with_suffix(".pub").read_text().split()
    theirs = other.with_suffix(".pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'test.practitioner@example.invalid namespaces="git" {public[0]} {public[1]}\n'
                       f'test.two@example.invalid namespaces="git" {theirs[0]} {theirs[1]}\n')
    isp("init", "--clone", str(bare), str(isp.records), "--sign", "--key", str(ssh_key))
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    isp("signing", "publish", "--allowed-signers", str(signers), "--admin", "test.practitioner@example.invalid")
    isp("sync")
    auditor = tmp_path / "auditor"
    isp("init", "--clone", str(bare), str(auditor))  # no signing config of its own
    with pytest.raises(subprocess.CalledProcessError):
        git(auditor, "config", "isp.requireSigned")
    found = checks_in(isp, auditor)
    assert found["signatures"]["ok"] and not found["signatures"]["skipped"]
    # a commit that is not signed, made on the auditor's clone: its first verify catches it
    store = Store(auditor)
    store.save(final_record(guidance), guidance, ME)
    failures = checks_in(isp, auditor)["signatures"]["failures"]
    assert any("is not signed" in f["message"] for f in failures)
    # the policy changed by a signed commit of someone who is not an admin: refused
    git(auditor, "reset", "-q", "--hard", "origin/main")
    for key, value in (("gpg.format", "ssh"), ("user.signingkey", str(other)), ("commit.gpgsign", "true")):
        git(auditor, "config", key, value)
    import tomllib

    import tomli_w

    policy = tomllib.loads((auditor / "signing.toml").read_text())
    policy["admins"].append("test.two@example.invalid")
    (auditor / "signing.toml").write_text(tomli_w.dumps(policy))
    git(auditor, "add", "signing.toml")
    git(auditor, "-c", "user.name=Test Practitioner Two", "-c", "user.email=test.two@example.invalid", "commit", "-q",
        "-m", "signing: policy\n\nAction: signing-policy")
    failures = checks_in(isp, auditor)["signatures"]["failures"]
    assert any("not signed by one of its admins" in f["message"] for f in failures), failures
    # the same change by the admin, signed: accepted
    isp("signing", "publish", "--allowed-signers", str(signers), "--admin", "test.practitioner@example.invalid",
        "--admin", "test.two@example.invalid")
    found = checks(isp)
    assert found["signatures"]["ok"] and all(c["ok"] for c in found.values()), found


def checks_in(isp, root) -> dict:
    import json

    result = json.loads(isp("--records", str(root), "verify", "--json", check=None).stdout)
    return {c["name"]: c for c in result["checks"]}


def test_the_signature_cache_is_never_read_or_written_through_a_link(isp, tmp_path, guidance, ssh_key):
    """.git/isp/signature-cache as a symbolic link (to a forged list of answers, say) is not followed: the
    signatures are checked afresh and the link's target is left as it was."""
    from isp_tui.audit.signing import SIGNATURES, SignatureCache

    isp("init", "--sign", "--key", str(ssh_key))
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))),
        identity="Test Practitioner Two <test.two@example.invalid>")  # signed with another person's key
    assert not checks(isp)["signatures"]["ok"]
    store = Store(isp.records)
    cache = store.work / SIGNATURES
    head = store.head()
    assert head in cache.read_text()
    forged = tmp_path / "forged"
    forged.write_text(SignatureCache(store, "").key + f"\n{head} G test.two@example.invalid\n")
    cache.unlink()
    cache.symlink_to(forged)
    assert not checks(isp)["signatures"]["ok"]
    assert forged.read_text().endswith(f"{head} G test.two@example.invalid\n")  # not written through


def published_policy(isp, tmp_path, guidance, ssh_key) -> Path:
    """A signed repository with one record and a committed policy naming this key's owner as signer and admin:
    the policy's allowed-signers file, as published."""
    public = ssh_key.with_suffix(".pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'test.practitioner@example.invalid namespaces="git" {public[0]} {public[1]}\n')
    isp("init", "--sign", "--key", str(ssh_key))
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    isp("signing", "publish", "--allowed-signers", str(signers), "--admin", "test.practitioner@example.invalid")
    return signers


def test_the_policy_commit_is_not_scanned_for_personal_data(isp, tmp_path, guidance, ssh_key, monkeypatch):
    """`isp signing publish` writes a message of isp's own words and a file of a fixed name: a clone's first
    verify does not read every record's identifying details to scan them (at 10,000 records, seconds); a
    commit to signing.toml with words of its own still is scanned."""
    import importlib

    verifying = importlib.import_module("isp_tui.audit.verify")
    signers = published_policy(isp, tmp_path, guidance, ssh_key)
    scanned = []
    real = verifying.sensitive_values
    monkeypatch.setattr(verifying, "sensitive_values", lambda *a, **k: scanned.append(a) or real(*a, **k))
    found = checks(isp, "--full")
    assert all(c["ok"] for c in found.values()), found
    assert scanned == []
    (isp.records / "signing.toml").write_text((isp.records / "signing.toml").read_text() + "\n")
    git(isp.records, "add", "signing.toml")
    git(isp.records, "-c", "user.name=Test Practitioner", "-c", "user.email=test.practitioner@example.invalid",
        "commit", "-q", "-m", "signing: policy for Test Child Alpha\n\nAction: signing-policy")
    checks(isp)
    assert scanned


def test_the_policys_allowed_signers_are_never_written_or_read_through_a_link(isp, tmp_path, guidance, ssh_key):
    """The committed policy's signers are written under .git/isp for git to read: never through a link there
    (to a list of another person's keys, say). The file as a link is replaced; .git/isp as a link is refused."""
    import shutil

    from isp_tui.audit.policy import SIGNERS_FILE

    signers = published_policy(isp, tmp_path, guidance, ssh_key)
    assert checks(isp)["signatures"]["ok"]  # written here by the first verify
    work = isp.records / ".git" / "isp"
    planted = tmp_path / "planted"
    planted.write_text(signers.read_text())  # the same words: read through the link, it would be kept
    (work / SIGNERS_FILE).unlink()
    (work / SIGNERS_FILE).symlink_to(planted)
    assert checks(isp)["signatures"]["ok"]
    assert not (work / SIGNERS_FILE).is_symlink()
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(work, elsewhere)
    shutil.rmtree(work)
    work.symlink_to(elsewhere)
    result = isp("verify", check=None)
    assert result.returncode != 0 and "not a plain folder" in result.stderr and "Traceback" not in result.stderr


def test_adding_a_signer_writes_the_whole_file_or_leaves_it(tmp_path, monkeypatch):
    """The allowed signers are written again whole (a full disk leaves the file as it was, never a cut-short
    line), keeping the file's mode and every line it had; a key it already names is not added twice."""
    import errno
    import os

    from isp_tui.audit.signing import add_signer

    (tmp_path / "keys").mkdir()
    signers = tmp_path / "keys" / "allowed_signers"
    signers.write_text("test.one@example.invalid ssh-ed25519 AAAAone")  # no newline at the end
    signers.chmod(0o644)
    add_signer(signers, "ssh-ed25519 AAAAtwo", 'test.two@example.invalid namespaces="git" ssh-ed25519 AAAAtwo')
    assert signers.read_text().splitlines() == ["test.one@example.invalid ssh-ed25519 AAAAone",
                                                'test.two@example.invalid namespaces="git" ssh-ed25519 AAAAtwo']
    assert signers.stat().st_mode & 0o777 == 0o644
    add_signer(signers, "ssh-ed25519 AAAAtwo", "a line not added")
    assert "not added" not in signers.read_text()
    before = signers.read_bytes()

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        add_signer(signers, "ssh-ed25519 AAAAthree", "test.three@example.invalid ssh-ed25519 AAAAthree")
    monkeypatch.undo()
    assert signers.read_bytes() == before and [p.name for p in signers.parent.iterdir()] == ["allowed_signers"]


def test_a_read_only_copy_with_a_signing_policy_still_verifies(mount_point, tmp_path, guidance, isp, ssh_key):
    """A copy isp cannot write (an auditor's, read-only) that never verified: the policy's allowed signers, which
    git reads from a file, go to a private temporary file outside it, and verify answers as anywhere else."""
    from test_hostile_store import one_line

    isp.records = mount_point / "records"
    published_policy(isp, tmp_path, guidance, ssh_key)
    (isp.records / ".git" / "isp" / "policy-allowed-signers").unlink(missing_ok=True)  # never verified here
    done = subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only ({done.stderr.decode(errors='replace').strip()})")
    result = isp("verify", check=None)
    one_line(result)
    assert result.returncode == 0 and "no problems found" in result.stdout, result.stderr
    assert checks(isp)["signatures"]["ok"]
