"""Every git process isp starts runs here, under a config we control.

Our own git commands never run hooks or an fsmonitor: a tampered repository config runs no code. Two parts:

- git_env() overrides every program-naming key that can be overridden as a whole (hooks, fsmonitor, pager,
  editors, askpass; the signing programs are taken from the person's own global or system git config or
  git's defaults, never from the records repository's config, which a tampered repository controls);
- check_repository_config() refuses, with one line, a repository whose own config holds any key outside
  ALLOWED (a filter, diff or merge driver, a proxy, a credential helper, an ssh command, an alternates
  command, an include ...: keys named per driver or per URL, which no override can reach), or whose
  attributes name a filter, diff or merge driver. It reads the config file with `git config --file
  --no-includes` (which runs nothing), once per Store. GitPython's own config reading is Python (runs
  nothing) and its persistent cat-file runs under git_env() (plumbing.open_repo).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

SAFE_CONFIG = {"core.hooksPath": os.devnull, "core.fsmonitor": "false", "core.untrackedCache": "false",
               "log.showSignature": "false", "core.pager": "cat", "core.editor": "false", "sequence.editor": "false",
               "core.askPass": "",
               # files and folders as the umask says (isp's entry points set 077: owner-only); a repository config
               # asking git for group- or world-readable ones (core.sharedRepository = group, all, 0666) is not
               # honoured. "umask" rather than "0600", which `git init` would write into the new config
               "core.sharedRepository": "umask"}
SIGNING_PROGRAMS = {"gpg.program": "gpg", "gpg.openpgp.program": "gpg", "gpg.x509.program": "gpgsm",
                    "gpg.ssh.program": "ssh-keygen", "gpg.ssh.defaultkeycommand": ""}
OUR_CONFIG = re.compile(r"^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)$")
_SIGNING_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


# what a records repository's own config may hold (lower case; <x> is any subsection): what git init and
# clone write, what isp sets, and the keys git_env() overrides whatever the repository says
ALLOWED = re.compile(r"""^(
    core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks
          |splitindex|untrackedcache|hookspath|fsmonitor|pager|editor|askpass|sharedrepository)
  | index\.version | log\.showsignature | sequence\.editor
  | remote\.[^.]+\.(url|fetch|tagopt) | branch\.[^.]+\.(remote|merge)
  | user\.(name|email|signingkey) | commit\.gpgsign | gpg\.format | gpg\.ssh\.allowedsignersfile
  | gpg\.program | gpg\.(openpgp|x509|ssh)\.program | gpg\.ssh\.defaultkeycommand
  | receive\.denynonfastforwards | isp\.[a-z0-9-]+
)$""", re.X)
DISK_FULL = re.compile(rb"Out of diskspace|No space left on device")
DRIVER_ATTRIBUTE = re.compile(rb"(^|\s)(filter|diff|merge)=", re.M)


def check_repository_config(gitdir: Path) -> None:
    """Refuse (StoreError, one line) a repository whose config or attributes would have git run a program the
    repository names (see the module's docstring). Reads, never runs, what the repository holds."""
    from isp_tui.errors import StoreError

    root = gitdir.parent
    keys: list[str] = []
    for name in ("config", "config.worktree"):
        path = gitdir / name
        if path.is_symlink():
            raise StoreError(f"refused: the records repository's .git/{name} is a symbolic link")
        if not path.is_file():
            continue
        out = subprocess.run(["git", "config", "--file", str(path), "--no-includes", "--list", "-z", "--name-only"],
                             cwd="/", env=dict(plain_env(), GIT_DIR=os.devnull), capture_output=True)
        if out.returncode != 0:
            raise StoreError(f"refused: git cannot read the records repository's .git/{name}")
        keys += [k for k in out.stdout.decode("utf-8", "replace").split("\0") if k]
    bad = sorted({k for k in keys if not ALLOWED.match(k.lower())})
    if bad:
        raise StoreError(f"refused: the records repository's git config sets {', '.join(bad[:3])}"
                         f"{' ...' if len(bad) > 3 else ''}, which could run a program; remove it "
                         f"(git config --unset {bad[0]}): isp allows only the keys git init, clone and isp set")
    for path in (gitdir / "info" / "attributes", root / ".gitattributes"):
        try:
            named = path.is_file() and not path.is_symlink() and DRIVER_ATTRIBUTE.search(path.read_bytes())
        except OSError:
            named = None
        if named or path.is_symlink():
            raise StoreError(f"refused: the records repository's {path.relative_to(root)} names a filter, diff or "
                             "merge driver (git would run a program for it); remove that line")


def plain_env() -> dict[str, str]:
    """The environment without config passed on the command line (keeps GIT_CONFIG_GLOBAL and _NOSYSTEM)."""
    return {k: v for k, v in os.environ.items() if not OUR_CONFIG.match(k)}


def users_signing_programs() -> dict[str, str]:
    """The signing programs of the person's own git config (system, global), asked of git once per setting."""
    env = plain_env()
    key = tuple(env.get(k, "") for k in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
                                          "GIT_CONFIG_NOSYSTEM"))
    if key not in _SIGNING_CACHE:
        programs = dict(SIGNING_PROGRAMS)
        try:
            out = subprocess.run(["git", "config", "--show-scope", "--get-regexp",
                                  r"^gpg\..*program$|^gpg\.ssh\.defaultkeycommand$"],
                                 cwd=Path.home() if Path.home().is_dir() else "/", env=dict(env, GIT_DIR=os.devnull),
                                 capture_output=True, text=True).stdout
        except OSError:
            out = ""
        for line in out.splitlines():  # "global<TAB>gpg.program /usr/bin/gpg": later lines win, as in git
            scope, _, rest = line.partition("\t")
            name, _, value = rest.partition(" ")
            if scope in ("system", "global") and name.lower() in programs:
                programs[name.lower()] = value
        _SIGNING_CACHE[key] = programs
    return _SIGNING_CACHE[key]


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every git process of ours runs in: our config first, no terminal prompts."""
    env = plain_env()
    config = dict(SAFE_CONFIG, **users_signing_programs(), **(extra or {}))
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for n, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def run_git(root: Path | str, *args: str, input: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `root` under git_env() (plus `env`), output captured. `check`: raise
    CalledProcessError when git fails (its stderr on the exception)."""
    env = {**git_env(), **(env or {})}
    done = subprocess.run(["git", *args], cwd=root, env=env, input=input, capture_output=True)
    if done.returncode != 0 and DISK_FULL.search(done.stderr) and env.get("GIT_OPTIONAL_LOCKS") != "0":
        # a full disk: `git status` fails writing the index's refreshed stat data, which it only does to
        # save later work; without it (GIT_OPTIONAL_LOCKS=0) a reading command still answers
        done = subprocess.run(["git", *args], cwd=root, env=dict(env, GIT_OPTIONAL_LOCKS="0"), input=input,
                              capture_output=True)
    if check and done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done


def start_git(root: Path | str, *args: str, **popen: Any) -> subprocess.Popen:
    """Start `git ARGS` in `root` under git_env() without waiting for it (stdin closed unless given)."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(["git", *args], cwd=root, env=git_env(), **popen)
