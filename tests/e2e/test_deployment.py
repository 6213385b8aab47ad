"""The README's admin recipe on a real server: sshd on 127.0.0.1, the shared `git` account with git-shell
(the small option) and gitolite3 (a key and a name per person), practitioners' machines running the real
`isp` over ssh. See server.py for what is substituted and why; fixtures.py for the set-ups.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest

from factory import final_record
from fixtures import gitolite_server, plain_server, practitioners, start_machine  # noqa: F401  (fixtures)
from server import admin_section, block, commands, missing, missing_gitolite, stop_all

SECRET = "Test Child Destroyed Zulu"

# Every README block the set-ups run, by its first line: this runs everywhere, so the README cannot
# drift from what the deployment test does even where the test itself is skipped.
BLOCKS = [
    "sudo apt-get install openssh-server git", "ssh-keygen -t ed25519", "echo 'restrict ssh-ed25519",
    "awk '{print \"records.example.org\"", "cat isp-known-hosts", "Host records.example.org",
    "isp init --clone git@", "echo 'sam@example.org namespaces", "isp init --sign", "#!/bin/sh",
    "sudo install -o git -g git -m 700 pre-receive", "sudo install -d -o git -g git -m 700 /srv/backup",
    "sudo mv /srv/git/isp-records.git", "isp --records ~/isp-records retention destroy",
    "sudo -u git git -C /srv/git/isp-records.git config receive.denyNonFastForwards false",
    "sudo -u git git -C /srv/git/isp-records.git config receive.denyNonFastForwards true",
    "mv ~/isp-records ~/isp-records.old", "git -C ~/isp-records push -q origin main",
    "sudo apt-get install openssh-server gitolite3", "git clone gitolite3@records.example.org:gitolite-admin",
    "@practitioners", "cp sam.taylor.pub", "git -C ~/gitolite-admin rm", "sudo -u gitolite3 git -C",
    "isp init --clone gitolite3@", "sudo grep -h update", "rm -rf ~/isp-records",
]


def test_the_readme_has_every_block_the_deployment_test_runs():
    for first in BLOCKS:
        assert block(first)
    # the hook the README tells admins to install refuses unsigned commits with the allowed signers it names
    assert "verify-commit" in "\n".join(block("#!/bin/sh")) and "/srv/git/allowed_signers" in admin_section()


def record(m, guidance, name: str, **overrides) -> str:
    return m.record(final_record(guidance, subject={"name": name}, **overrides))


def sync_all_at_once(machines) -> list[subprocess.CompletedProcess]:
    procs = [m.isp_async("sync") for m in machines]
    try:
        out = [p.communicate(timeout=60) for p in procs]
    finally:
        stop_all(procs)
    for p, (stdout, stderr) in zip(procs, out):
        assert p.returncode == 0, (stdout, stderr)
    return out


def verified(m) -> dict:
    result = json.loads(m.isp("verify", "--json").stdout)
    assert result["ok"], result
    return {c["name"]: c for c in result["checks"]}


def assert_unsigned_refused(m, clone) -> None:
    """A plain git commit, not signed, pushed to the server: the README's hook refuses it."""
    m.git("-C", str(clone), "fetch", "-q", "origin")
    m.git("-C", str(clone), "reset", "-q", "--hard", "origin/main")
    m.git("-C", str(clone), "-c", "user.name=Test Rogue", "-c", "user.email=test.rogue@example.invalid",
          "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "unsigned")
    refused = m.git("-C", str(clone), "push", "origin", "main", check=False)
    assert refused.returncode != 0 and "is not signed by a known key" in refused.stderr, refused.stderr


def assert_ran_only_readme(admin) -> None:
    """Every admin and practitioner command the set-up ran is a line of the README's admin section."""
    section = admin_section()
    for line in admin.ran:
        assert line in section, line


@pytest.mark.skipif(bool(missing()), reason=missing() or "")
def test_plain_sshd_three_machines_sign_sync_converge_back_up_restore_destroy(plain_server, practitioners,
                                                                               guidance):
    server = plain_server
    ann, ben, cai = practitioners(3)
    # the repository's settings and files are as the README made them
    assert server.git("config", "receive.denyNonFastForwards").stdout.strip() == "true"
    ssh_dir = server.repo.parent / ".ssh"
    assert oct(ssh_dir.stat().st_mode & 0o777) == "0o700" and oct((ssh_dir / "authorized_keys").stat().st_mode & 0o777) == "0o600"

    # records on every machine, then all three sync at the same moment; a second round brings everyone in step
    made = {m.email: record(m, guidance, f"Test Child {m.name.split()[-1]}") for m in (ann, ben, cai)}
    sync_all_at_once([ann, ben, cai])
    for m in (ann, ben, cai):
        m.isp("sync")
    heads = {m.git("-C", str(m.records), "rev-parse", "HEAD").stdout for m in (ann, ben, cai)}
    assert len(heads) == 1, "every machine is at the same commit"
    for m in (ann, ben, cai):
        assert m.ids() == set(made.values())
        checks = verified(m)
        assert not checks["signatures"].get("skipped"), checks["signatures"]  # signing is really checked
    assert server.git("rev-parse", "main").stdout in heads

    # the server's hook refuses a commit that is not signed
    rogue = ann.home / "rogue"
    ann.git("clone", "-q", server.url, str(rogue))
    assert_unsigned_refused(ann, rogue)

    # back up, lose the server's repository, restore: settings, hook and ownership kept, nothing lost
    server.admin.block("sudo install -d -o git -g git -m 700 /srv/backup")
    later = record(ann, guidance, "Test Child After Backup")  # recorded after the backup: pushed again by sync
    ann.isp("sync")
    server.admin.block("sudo mv /srv/git/isp-records.git", extra={"DATE": date.today().isoformat()})
    for name, value in (("receive.denyNonFastForwards", "true"), ("receive.denyDeletes", "true"),
                        ("receive.fsckObjects", "true")):
        assert server.git("config", name).stdout.strip() == value
    hook = server.repo / "hooks" / "pre-receive"
    assert hook.stat().st_mode & 0o777 == 0o700 and hook.owner() == "git"
    assert {p.owner() for p in server.repo.rglob("*")} == {"git"}
    # the record that reached the server after the backup is on Ann's machine: she pushes it back
    ann.sh(commands("git -C ~/isp-records push -q origin main")[0], admin=server.admin)
    ann.isp("sync")
    for m in (ben, cai):
        m.isp("sync")
        assert m.ids() == set(made.values()) | {later}
    assert_unsigned_refused(ann, rogue)  # the hook came back with the restore

    # destroy, by the README's procedure: on the admin's (Ann's) machine, then the server, then every machine
    gone = record(ann, guidance, SECRET, retention={"retain_until": date(2020, 1, 1)})
    for m in (ann, ben, cai):
        m.isp("sync")
    assert SECRET in server.git("log", "--all", "-p").stdout
    raw = server.git("log", "--all", "--format=", "--raw", "--no-abbrev", "--", f"*{gone}.toml").stdout
    blobs = {line.split()[3] for line in raw.splitlines() if line.startswith(":")}
    assert blobs
    out = ann.sh(commands("isp --records ~/isp-records retention destroy")[0], subs={"ID": gone},
                 admin=server.admin).stdout
    push = re.search(r"(git -C \S+ push --force-with-lease\S* origin main)", out)
    assert push, out
    server.admin.block("sudo -u git git -C /srv/git/isp-records.git config receive.denyNonFastForwards false")
    ann.sh(push.group(1))
    server.admin.block("sudo -u git git -C /srv/git/isp-records.git config receive.denyNonFastForwards true")
    assert SECRET not in server.git("log", "--all", "-p").stdout
    for blob in blobs:
        assert server.git("cat-file", "-e", blob, check=False).returncode != 0, "the content is gone from the server"
    assert hook.stat().st_mode & 0o777 == 0o700
    assert server.git("config", "receive.denyNonFastForwards").stdout.strip() == "true"
    for m in (ann, ben, cai):
        for line in commands("mv ~/isp-records ~/isp-records.old"):
            m.sh(line, admin=server.admin)
        assert m.ids() == set(made.values()) | {later}
        assert SECRET not in m.git("-C", str(m.records), "log", "--all", "-p").stdout
        assert not (m.home / "isp-records.old").exists()
        verified(m)
    # after the destroy, the machines still sync through the hook: signed again
    record(ben, guidance, "Test Child After Destroy")
    ben.isp("sync")
    assert_ran_only_readme(server.admin)
