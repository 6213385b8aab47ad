"""A real git server on this machine, set up the way the README's admin section says.

sshd runs on 127.0.0.1 on a free port with its own config, host key, pid file and log in the test's
tmp_path (never the system's sshd config, never port 22); every process started here is stopped by a
fixture finalizer. The admin's commands are read from the README's code blocks and run as written,
with only these substitutions (`Admin.subs`): the server's paths (/srv/git, /srv/backup,
/var/lib/gitolite3) become folders of this test, the host name records.example.org is reached on
127.0.0.1:PORT, the gitolite user is this test's own, and placeholders (AAAA..., DATE) get real values.
`sudo` is a shell function for root (`sudo -u USER` = runuser), so the test needs no sudo package.

Why the server's folders are not in tmp_path: sshd (StrictModes, on by default and kept on here) refuses
an authorized_keys file with any group- or world-writable folder above it, and /tmp is one. They are
made under /srv (or /var/lib) with mkdtemp and removed at the end.

Practitioners' machines (`Machine`) each have their own home, ed25519 key (no passphrase),
known_hosts and ssh config; ssh reads ~/.ssh from the passwd entry, not $HOME, so the machine's ssh
config is passed with GIT_SSH_COMMAND="ssh -F <home>/.ssh/config" (that config sets BatchMode, as isp
does when GIT_SSH_COMMAND is not set). Each runs the real `isp` in a subprocess.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
HOST = "records.example.org"
TIMEOUT = 60  # seconds: no command the test runs may take longer
SSHD_LIFETIME = 600  # seconds: sshd stops by itself after this, whatever happens to the test
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# ---------------------------------------------------------------------------------------------
# The README's admin section, as code blocks


def admin_section() -> str:
    text = README.read_text()
    return text.split("\n## For admins", 1)[1].split("\n## ", 1)[0]


def code_blocks(text: str | None = None) -> list[list[str]]:
    """The indented (4-space) code blocks of the admin section, each as its lines, dedented."""
    blocks, current = [], []
    for line in (admin_section() if text is None else text).splitlines():
        if line.startswith("    "):
            current.append(line[4:])
        elif line.strip() == "" and current:
            current.append("")
        else:
            if current:
                blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return [[*b[: len(b) - next((i for i, x in enumerate(reversed(b)) if x), 0)]] for b in blocks]


def block(first: str) -> list[str]:
    """The one README block whose first line starts with `first`."""
    blocks = code_blocks()
    found = [b for b in blocks if b[0] == first] or [b for b in blocks if b[0].startswith(first)]
    assert len(found) == 1, f"the README's admin section has {len(found)} blocks starting {first!r}"
    return found[0]


def commands(first: str) -> list[str]:
    """The shell commands of a block (blank lines and `# ...` comment lines dropped, trailing comments kept)."""
    return [line for line in block(first) if line.strip() and not line.lstrip().startswith("#")]


# ---------------------------------------------------------------------------------------------
# What the machine must have


def missing() -> str | None:
    """Why the deployment tests cannot run here, or None."""
    if sys.platform != "linux":
        return "the deployment tests need Linux (sshd, system users)"
    if os.geteuid() != 0:
        return "the deployment tests need root: they create the system user `git` and run sshd (CI runs as root)"
    for tool, package in (("/usr/sbin/sshd", "openssh-server"), ("ssh", "openssh-client"),
                          ("git-shell", "git"), ("adduser", "adduser"), ("runuser", "util-linux")):
        if not shutil.which(tool):
            return f"{tool} is missing: install {package} (.ci/run does where apt-get is available)"
    return None


def missing_gitolite() -> str | None:
    return missing() or (None if shutil.which("gitolite") else
                         "gitolite is missing: install Debian's gitolite3 (.ci/run does where apt-get is available)")


@contextlib.contextmanager
def users_lock():
    """System users are shared by every test process on the machine: change them one at a time."""
    with open(os.path.join(tempfile.gettempdir(), "isp-e2e-users.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def server_base() -> Path:
    """A fresh folder for one test's server, with no group- or world-writable folder above it."""
    for parent in ("/srv", "/var/lib", "/opt"):
        p = Path(parent)
        if p.is_dir() and all(d.stat().st_uid == 0 and not d.stat().st_mode & 0o022 for d in (p, *p.parents)):
            base = Path(tempfile.mkdtemp(prefix="isp-e2e-", dir=p))
            base.chmod(0o755)
            return base
    raise RuntimeError("no root-owned, non-writable folder for the test's server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The admin: runs the README's commands on the server


SUDO = r'''
sudo() {
  if [ "$1" = -u ]; then u=$2; shift 2; [ "$1" = -H ] && shift; runuser -u "$u" -- env HOME="$(getent passwd "$u" | cut -d: -f6)" "$@"
  else "$@"; fi
}
'''


class Admin:
    """Runs README lines as root on the server, with the substitutions above. `ran` keeps every line run."""

    def __init__(self, subs: dict[str, str]):
        self.subs = dict(subs)
        self.ran: list[str] = []

    def expand(self, line: str, extra: dict[str, str] | None = None) -> str:
        """Apply the substitutions in order; a key starting with `re:` is a regular expression."""
        for old, new in {**self.subs, **(extra or {})}.items():
            if old.startswith("re:"):
                line = re.sub(old[3:], lambda _m, new=new: new, line)
            else:
                line = line.replace(old, new)
        return line

    def sh(self, line: str, *, extra: dict[str, str] | None = None, check: bool = True,
           input: str | None = None, readme: bool = True) -> subprocess.CompletedProcess:
        """Run one line (from the README when `readme`) in bash as root, in a clean environment."""
        if readme:
            self.ran.append(line)
        command = self.expand(line, extra)
        env = {"PATH": CLEAN_PATH, "HOME": "/root", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"}
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", SUDO + command], env=env, cwd="/",
                                capture_output=True, text=True, timeout=TIMEOUT, input=input)
        if check:
            assert result.returncode == 0, (command, result.returncode, result.stdout, result.stderr)
        return result

    def block(self, first: str, **kw) -> list[subprocess.CompletedProcess]:
        return [self.sh(line, **kw) for line in commands(first)]


def ensure_system_user(admin: Admin, line: str, name: str, shell: str) -> None:
    """Run the README's adduser line for `name` unless the user is there already (idempotent), under a lock."""
    with users_lock():
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            admin.sh(line)
            entry = pwd.getpwnam(name)
        else:
            admin.ran.append(line)  # the README's step, already done on this machine
        assert entry.pw_shell == shell, f"the user {name} exists with the shell {entry.pw_shell}, not {shell}"


# ---------------------------------------------------------------------------------------------
# sshd


class Sshd:
    """sshd on 127.0.0.1:port, everything of its own in `folder` (config, host key, pid file, log)."""

    def __init__(self, folder: Path, authorized_keys: str, users: list[str]):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host_key = folder / "ssh_host_ed25519_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(self.host_key)],
                       check=True, timeout=TIMEOUT)
        self.pid_file = folder / "sshd.pid"
        self.log = folder / "sshd.log"
        self.config = folder / "sshd_config"
        self.config.write_text("\n".join([
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"PidFile {self.pid_file}",
            f"AuthorizedKeysFile {authorized_keys}",
            "StrictModes yes",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM yes",  # as Debian's sshd_config: with no, sshd refuses the locked account adduser makes
            "PermitRootLogin no",
            f"AllowUsers {' '.join(users)}",
            "LogLevel VERBOSE",
            "MaxStartups 30:30:60",  # three machines syncing at once, each a few connections
            "LoginGraceTime 30",
            "",
        ]))
        self.proc: subprocess.Popen | None = None

    def start(self) -> Sshd:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # Debian's sshd's privilege separation folder
        check = subprocess.run(["/usr/sbin/sshd", "-t", "-f", str(self.config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        # `timeout` bounds sshd's life even if the test process dies before its finalizer runs
        self.proc = subprocess.Popen(["timeout", str(SSHD_LIFETIME), "/usr/sbin/sshd", "-D", "-f", str(self.config),
                                      "-E", str(self.log)], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text() if self.log.exists() else "sshd exited"
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise AssertionError(f"sshd did not listen on 127.0.0.1:{self.port} within 15 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def host_key_pub(self) -> Path:
        return self.host_key.with_suffix(".pub")


# ---------------------------------------------------------------------------------------------
# Practitioners' machines


class Machine:
    """One practitioner's machine: a home with ~/.ssh, and a records repository driven by the real `isp`."""

    def __init__(self, base: Path, name: str, email: str, port: int):
        self.name, self.email = name, email
        self.home = base / email.split("@")[0]
        self.ssh = self.home / ".ssh"
        self.ssh.mkdir(parents=True, mode=0o700)
        self.key = self.ssh / "id_ed25519"  # made by the README's ssh-keygen line
        self.known_hosts = self.ssh / "known_hosts"
        self.port = port
        self.records = self.home / "isp-records"
        self.ssh_config = self.ssh / "config"
        (self.home / ".gitconfig").write_text(f"[user]\n\tname = {name}\n\temail = {email}\n")

    @property
    def public_key(self) -> str:
        return self.key.with_suffix(".pub").read_text().strip()

    def write_ssh_config(self, readme_lines: list[str]) -> None:
        """The README's ssh config block for practitioners, plus where this test's server really is."""
        lines = [line.replace("~", str(self.home)) for line in readme_lines]
        lines += [f"    HostName 127.0.0.1", f"    Port {self.port}", f"    HostKeyAlias {HOST}",
                  f"    UserKnownHostsFile {self.known_hosts}", "    BatchMode yes", "    ConnectTimeout 10", ""]
        self.ssh_config.write_text("\n".join(lines))

    def env(self) -> dict[str, str]:
        env = os.environ.copy()
        env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                   ISP_CONFIG=str(self.home / "no-config.toml"), GIT_CONFIG_GLOBAL=str(self.home / ".gitconfig"),
                   GIT_CONFIG_NOSYSTEM="1", GIT_SSH_COMMAND=f"ssh -F {self.ssh_config}", PYTHONPATH=str(ROOT))
        env.pop("ISP_RECORDS", None)
        return env

    def isp(self, *args: str, check: int | None = 0, records: bool = True) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "isp_tui"] + (["--records", str(self.records)] if records else [])
        cmd += ["--as", f"{self.name} <{self.email}>", *args]
        result = subprocess.run(cmd, cwd=self.home, env=self.env(), capture_output=True, text=True, timeout=TIMEOUT)
        if check is not None:
            assert result.returncode == check, (args, result.returncode, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def public_key_only(self) -> str:
        return " ".join(self.public_key.split()[:2])

    def isp_async(self, *args: str) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "isp_tui", "--records", str(self.records),
               "--as", f"{self.name} <{self.email}>", *args]
        return subprocess.Popen(cmd, cwd=self.home, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["git", *args], cwd=self.home, env=self.env(), capture_output=True, text=True,
                                timeout=TIMEOUT)
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def sh(self, line: str, *, subs: dict[str, str] | None = None, check: bool = True, input: str | None = None,
           admin: Admin | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """A README line run on this machine as its practitioner: ~ is its home, `isp` the real CLI as this
        person. With `admin`, the line is recorded as run from the README and gets the admin's substitutions."""
        if admin is not None:
            admin.ran.append(line)
            line = admin.expand(line, subs)
        else:
            for old, new in (subs or {}).items():
                line = line.replace(old, new)
        isp = f'isp() {{ {sys.executable} -m isp_tui --as "$ISP_AS" "$@"; }}\n'
        env = dict(self.env(), ISP_AS=f"{self.name} <{self.email}>", **(env or {}))
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", isp + line], cwd=self.home, env=env,
                                capture_output=True, text=True, timeout=TIMEOUT, input=input)
        if check:
            assert result.returncode == 0, (line, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def record(self, data: dict) -> str:
        """Save a final record with the real `isp record`; returns its id."""
        path = self.home / "new-record.toml"
        path.write_text(tomli_w.dumps(data))
        return self.isp("record", str(path)).stdout.strip().split()[-1]

    def ids(self) -> set[str]:
        return {r["id"] for r in json.loads(self.isp("list", "--json").stdout)}


def stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(Exception):
            proc.wait(5)
