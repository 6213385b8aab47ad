"""Every git process isp starts runs here, under a config we control.

Our own git commands never run hooks or an fsmonitor: a tampered repository config runs no code. The
programs git runs to sign or check signatures are taken from the person's own (global or system) git
config or git's defaults, never from the records repository's config, which a tampered repository controls.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

SAFE_CONFIG = {"core.hooksPath": os.devnull, "core.fsmonitor": "false", "core.untrackedCache": "false",
               "log.showSignature": "false",
               # files and folders as the umask says (isp's entry points set 077: owner-only); a repository config
               # asking git for group- or world-readable ones (core.sharedRepository = group, all, 0666) is not
               # honoured. "umask" rather than "0600", which `git init` would write into the new config
               "core.sharedRepository": "umask"}
SIGNING_PROGRAMS = {"gpg.program": "gpg", "gpg.openpgp.program": "gpg", "gpg.x509.program": "gpgsm",
                    "gpg.ssh.program": "ssh-keygen", "gpg.ssh.defaultkeycommand": ""}
OUR_CONFIG = re.compile(r"^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)$")
_SIGNING_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


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
    return subprocess.run(["git", *args], cwd=root, env={**git_env(), **(env or {})}, input=input,
                          capture_output=True, check=check)


def start_git(root: Path | str, *args: str, **popen: Any) -> subprocess.Popen:
    """Start `git ARGS` in `root` under git_env() without waiting for it (stdin closed unless given)."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(["git", *args], cwd=root, env=git_env(), **popen)
