"""The README's admin recipe on a real server: sshd on 127.0.0.1, the shared `git` account with git-shell
(the small option) and gitolite3 (a key and a name per person), practitioners' machines running the real
`isp` over ssh. See server.py for what is substituted and why; setups.py for the set-ups.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import pytest

from factory import final_record
from setups import gitolite_server, give_access, plain_server, practitioners, start_machine  # noqa: F401  (fixtures)
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
    "mv ~/isp-records ~/isp-records.old", "isp --records ~/isp-records sync --restore",
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
    # the record that reached the server after the backup is on Ann's machine: sync says so, loses nothing,
    # and `isp sync --restore` puts it back (a merge and an ordinary push, through the hook)
    refused = ann.isp("sync", check=1)
    assert "isp sync --restore" in refused.stderr, refused.stderr
    assert later in ann.isp("status").stdout
    ann.sh(commands("isp --records ~/isp-records sync --restore")[0], admin=server.admin)
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


def gitolite_conf(practitioners: list[str]) -> str:
    """The README's gitolite.conf with these practitioners in @practitioners."""
    lines = block("@practitioners")
    lines[0] = re.sub(r"=.*", "=   " + " ".join(practitioners), lines[0])
    return "\n".join(lines) + "\n"


def change_access(server, practitioners: list[str], *, add=None, remove=None) -> None:
    """The admin edits conf/gitolite.conf and keydir/ in the admin repository by the README's commands."""
    admin = server.admin_machine
    (admin.home / "gitolite-admin" / "conf" / "gitolite.conf").write_text(gitolite_conf(practitioners))
    if add is not None:
        name = add.email.split("@")[0]
        (admin.home / f"{name}.pub").write_text(add.public_key + "\n")
        for line in commands("cp sam.taylor.pub"):
            admin.sh(line, subs={"sam.taylor": name}, admin=server.admin)
    if remove is not None:
        for line in commands("git -C ~/gitolite-admin rm"):
            admin.sh(line, subs={"sam.taylor": remove.email.split("@")[0]}, admin=server.admin)


@pytest.mark.skipif(bool(missing_gitolite()), reason=missing_gitolite() or "")
def test_gitolite_a_key_and_a_name_per_person_logged_added_and_removed(gitolite_server, guidance):
    server = gitolite_server
    admin = server.admin_machine
    admin.sh(commands("git clone gitolite3@records.example.org:gitolite-admin")[0], admin=server.admin)
    ann, ben = server.machine("Ann"), server.machine("Ben")
    change_access(server, ["test.ann"], add=ann)
    change_access(server, ["test.ann", "test.ben"], add=ben)
    server.admin.block("sudo -u gitolite3 git -C")
    assert server.git("symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    for m in (ann, ben):
        start_machine(server, m, sign=False)
    made = {record(ann, guidance, "Test Child Gitolite Ann"), record(ben, guidance, "Test Child Gitolite Ben")}
    sync_all_at_once([ann, ben])
    for m in (ann, ben):
        m.isp("sync")
        assert m.ids() == made
        verified(m)

    # access per repository: a practitioner cannot even read the admin repository
    denied = ann.git("ls-remote", f"{server.user}@records.example.org:gitolite-admin", check=False)
    assert denied.returncode != 0 and "DENIED" in denied.stderr
    # ... nor rewrite main (RW, not RW+)
    ann.git("-C", str(ann.records), "commit", "-q", "--amend", "--no-edit", "--allow-empty", "--no-gpg-sign")
    forced = ann.git("-C", str(ann.records), "push", "--force", "origin", "main", check=False)
    assert forced.returncode != 0 and "DENIED" in forced.stderr
    ann.git("-C", str(ann.records), "reset", "-q", "--hard", "origin/main")

    # the log names who pushed what
    log = server.admin.sh(commands("sudo grep -h update")[0]).stdout
    pushes = [line for line in log.splitlines() if "isp-records" in line and "refs/heads/main" in line]
    assert any("test.ann" in line for line in pushes) and any("test.ben" in line for line in pushes), log

    # adding a practitioner: Cai joins, clones and records
    cai = server.machine("Cai")
    change_access(server, ["test.ann", "test.ben", "test.cai"], add=cai)
    start_machine(server, cai, sign=False)
    made.add(record(cai, guidance, "Test Child Gitolite Cai"))
    cai.isp("sync")
    ann.isp("sync")
    assert ann.ids() == made

    # removing one: Ben's fetches and pushes are refused from then on; his machine still holds the records
    held = ben.ids()
    change_access(server, ["test.ann", "test.cai"], remove=ben)
    record(ben, guidance, "Test Child Gitolite After Removal")
    refused = ben.isp("sync", check=1)
    assert "could not fetch" in refused.stderr, refused.stderr
    assert ben.git("ls-remote", server.url, check=False).returncode != 0
    assert held < ben.ids()
    # ... until the README's wipe, run as him on his machine
    ben.sh(commands("rm -rf ~/isp-records")[0], admin=server.admin)
    assert not ben.records.exists() and not ben.key.exists()
    ann.isp("sync")
    assert ann.ids() == made
    assert_ran_only_readme(server.admin)


@pytest.mark.skipif(bool(missing()), reason=missing() or "")
def test_a_key_with_a_passphrase_needs_the_agent(plain_server, request, tmp_path):
    """isp's ssh runs in batch mode: a key with a passphrase is refused until ssh-agent holds it."""
    server = plain_server
    dee = server.machine("Dee", passphrase="Test passphrase 0001")
    give_access(server, dee)
    no_passphrase = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(dee.key)], capture_output=True)
    assert no_passphrase.returncode != 0, "the README's ssh-keygen line made a key with a passphrase"
    clone = commands("isp init --clone git@")[0]
    failed = dee.sh(clone, admin=server.admin, check=False)
    assert failed.returncode != 0 and not dee.records.exists()
    # one line that says what to do, git's and ssh's own text under --verbose
    assert "passphrase and no ssh-agent holds it" in failed.stderr and "ssh-add" in failed.stderr, failed.stderr
    loud = clone.replace("isp init", "isp --verbose init", 1)
    verbose = dee.sh(loud, admin=server.admin, check=False)
    server.admin.ran.remove(loud)  # not a README line: the same line with --verbose
    assert "Permission denied" in verbose.stderr and not dee.records.exists()
    askpass = tmp_path / "askpass"  # stands in for the person typing the passphrase into ssh-add
    askpass.write_text("#!/bin/sh\necho 'Test passphrase 0001'\n")
    askpass.chmod(0o700)
    agent_pid = tmp_path / "agent.pid"

    def stop_agent() -> None:
        if agent_pid.exists():
            subprocess.run(["kill", agent_pid.read_text().strip()], capture_output=True)

    request.addfinalizer(stop_agent)
    agent = commands('eval "$(ssh-agent -s)"')[0]
    server.admin.ran += [agent, clone]  # the README's two lines, in one shell (the agent is that session's)
    dee.sh(f'{agent} >/dev/null && echo "$SSH_AGENT_PID" > {agent_pid} && {server.admin.expand(clone)}',
           env={"SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"})
    assert dee.ids() == set()
    assert_ran_only_readme(server.admin)
