"""Fixtures for the deployment tests: a plain-sshd server and a gitolite server made by the README's admin
steps, and practitioners' machines against either (`practitioners(n)`).

Every process they start is stopped, and every folder and user they make removed, by finalizers, also
when the test fails.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server import CLEAN_PATH, HOST, Admin, Machine, Sshd, block, commands, ensure_system_user, server_base, users_lock

NAMES = ["Ann", "Ben", "Cai", "Dee", "Eve"]


@dataclass
class Server:
    """One server as the README makes it, with the practitioners it knows."""

    kind: str  # "sshd" (the shared git account) or "gitolite"
    base: Path
    admin: Admin
    sshd: Sshd
    user: str
    url: str
    repo: Path  # the bare records repository on the server
    tmp: Path
    machines: list[Machine] = field(default_factory=list)
    known_hosts: Path | None = None

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """git on the server's repository, as the server's user (as the README does it)."""
        result = subprocess.run(["runuser", "-u", self.user, "--", "git", "-C", str(self.repo), *args],
                                capture_output=True, text=True, timeout=60, cwd="/",
                                env={"PATH": CLEAN_PATH, "HOME": str(self.base), "LC_ALL": "C"})
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def machine(self, first_name: str, passphrase: str = "") -> Machine:
        """A new practitioner's machine with its key made by the README's ssh-keygen line, its ssh config and
        the server's host key; not yet given access."""
        m = Machine(self.tmp / "machines", f"Test Practitioner {first_name}",
                    f"test.{first_name.lower()}@example.invalid", self.sshd.port)
        m.sh(commands("ssh-keygen -t ed25519")[0], subs={"sam@laptop-0042": f"test.{first_name.lower()}@laptop"},
             input=f"{passphrase}\n{passphrase}\n", admin=self.admin)
        m.sh(commands("cat isp-known-hosts")[0], subs={"isp-known-hosts": str(self.known_hosts)}, admin=self.admin)
        m.write_ssh_config(block("Host records.example.org"))
        return m


def host_key_line(server_admin: Admin, sshd: Sshd, cwd: Path) -> Path:
    """The README's known_hosts line for the server, written by the admin."""
    server_admin.sh(commands("awk '{print \"records.example.org\"")[0],
                    extra={"/etc/ssh/ssh_host_ed25519_key.pub": str(sshd.host_key_pub()),
                           "> isp-known-hosts": f"> {cwd / 'isp-known-hosts'}"})
    return cwd / "isp-known-hosts"


@pytest.fixture
def plain_server(tmp_path, request) -> Server:
    """The small option: sshd, the shared `git` user with git-shell, the bare repository, the signed-commit hook."""
    base = server_base()
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    srv = base / "srv"
    admin = Admin({"/srv/git": str(srv / "git"), "/srv/backup": str(srv / "backup"),
                   " pre-receive ": f" {tmp_path / 'pre-receive'} "})
    create = commands("sudo apt-get install openssh-server git")
    # the user is made as the README says, home /srv/git included, unless it is there already
    ensure_system_user(Admin({}), create[1], "git", "/usr/bin/git-shell")
    admin.ran.append(create[1])
    for line in create[2:]:
        admin.sh(line)
    hook = "\n".join(block("#!/bin/sh")) + "\n"
    (tmp_path / "pre-receive").write_text(admin.expand(hook))
    admin.ran.extend(commands("#!/bin/sh"))
    admin.block("sudo install -o git -g git -m 700 pre-receive")
    sshd = Sshd(tmp_path / "sshd", f"{srv}/git/.ssh/authorized_keys", ["git"])
    request.addfinalizer(sshd.stop)
    sshd.start()
    server = Server("sshd", base, admin, sshd, "git", f"git@{HOST}:{srv}/git/isp-records.git",
                    srv / "git" / "isp-records.git", tmp_path)
    server.known_hosts = host_key_line(admin, sshd, tmp_path)
    return server


def give_access(server: Server, m: Machine) -> None:
    """The admin adds a practitioner's key to the shared account, and to the allowed signers."""
    key = m.public_key_only()
    server.admin.sh(commands("echo 'restrict ssh-ed25519")[0],
                    extra={"ssh-ed25519 AAAA... sam@laptop-0042": f"{key} {m.email.split('@')[0]}@laptop"})
    server.admin.sh(commands("echo 'sam@example.org namespaces")[0],
                    extra={"sam@example.org": m.email, "ssh-ed25519 AAAA...": key})


def start_machine(server: Server, m: Machine, *, sign: bool = True) -> Machine:
    """`isp init --clone` as the README says, then signing set up with the admin's allowed-signers copy."""
    clone = commands("isp init --clone git@") if server.kind == "sshd" else commands("isp init --clone gitolite3@")
    m.sh(clone[0], admin=server.admin)
    if sign:
        shutil.copy(server.base / "srv" / "git" / "allowed_signers", m.ssh / "isp_allowed_signers")
        m.sh(commands("isp init --sign")[0], admin=server.admin)
    return m


@pytest.fixture
def practitioners(plain_server):
    """practitioners(n): n practitioners' machines, each with access and a signed, cloned records repository
    (the admin's steps first for everyone, then each machine clones: the allowed signers name everyone)."""

    def make(n: int, *, sign: bool = True) -> list[Machine]:
        new = [plain_server.machine(NAMES[len(plain_server.machines) + i]) for i in range(n)]
        for m in new:
            give_access(plain_server, m)
        for m in new:
            start_machine(plain_server, m, sign=sign)
        plain_server.machines.extend(new)
        return new

    return make


@pytest.fixture
def gitolite_server(tmp_path, request) -> Server:
    """gitolite3 as the README sets it up, under a user of this test's own (removed at the end)."""
    base = server_base()
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    user = f"ispgl{uuid.uuid4().hex[:8]}"
    home = base / "gitolite3"

    def remove_user() -> None:
        with users_lock():
            subprocess.run(["userdel", user], capture_output=True)
            subprocess.run(["groupdel", user], capture_output=True)

    request.addfinalizer(remove_user)
    admin_cwd = tmp_path / "admin-server"
    admin_cwd.mkdir()
    admin = Admin({"/var/lib/gitolite3": str(home), " admin.pub ": f" {admin_cwd / 'admin.pub'} ",
                   r"re:(?<![\w/.-])gitolite3(?![\w/.-])": user})
    setup = commands("sudo apt-get install openssh-server gitolite3")
    with users_lock():
        admin.sh(setup[1])
    sshd = Sshd(tmp_path / "sshd", f"{home}/.ssh/authorized_keys", [user])
    request.addfinalizer(sshd.stop)
    server = Server("gitolite", base, admin, sshd, user, f"{user}@{HOST}:isp-records",
                    home / "repositories" / "isp-records.git", tmp_path)
    server.known_hosts = host_key_line(admin, sshd, tmp_path)
    # the admin's own machine and key: gitolite's first key
    server.admin_machine = server.machine("Admin")
    shutil.copy(server.admin_machine.key.with_suffix(".pub"), admin_cwd / "admin.pub")
    for line in setup[2:]:
        admin.sh(line)
    sshd.start()
    return server
