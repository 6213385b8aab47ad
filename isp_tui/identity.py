"""Who is deciding: the one rule, used by both faces (the CLI's --as and the app's); and the role and
organisation a new decision starts with (`remembered_practice`).

`resolve_identity` tries, in order: the identity given (`--as "Name <email>"`), the config file's
name and email, then git's user.name and user.email as the records repository sees them.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from isp_tui.errors import InputError, check_printable
from isp_tui.gitlayer.env import run_git

if TYPE_CHECKING:
    from isp_tui.config import Config
    from isp_tui.record import Record

IDENTITY = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")
NOT_KNOWN = ('who is deciding? pass --as "Name <email>", or set name and email in the config file '
             "or git config user.name/user.email")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def __post_init__(self) -> None:
        # it becomes a git author line and the record's decided.by: one line of plain text, no <, >
        for part in (self.name, self.email):
            if not part.strip() or any(c in "<>\n\t" for c in part):
                raise InputError(f"{str(self)!r} is not an identity; expected \"Name <email>\"", field="--as")
            check_printable(part, None, "--as")

    @classmethod
    def parse(cls, text: str, *, field: str = "--as") -> Identity:
        match = IDENTITY.match(text or "")
        if not match:
            raise InputError(f"{text!r} is not an identity; expected \"Name <email>\"", field=field)
        try:
            return cls(match["name"], match["email"])
        except InputError as exc:
            raise InputError(exc.message, field=field) from None

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def resolve_identity(given: str | None, config: Config, repo_root: Path | None) -> Identity:
    """The practitioner deciding: `given` (--as), else the config file's name/email, else git's
    user.name/user.email in the records repository. InputError (naming --as) when none is known."""
    if given:
        return Identity.parse(given)
    if config.identity:
        return Identity.parse(config.identity, field="config name/email")
    name, email = git_user(repo_root)
    if name and email:
        return Identity(name, email)
    raise InputError(NOT_KNOWN, field="--as")


def git_user(repo_root: Path | None) -> tuple[str, str]:
    """git's user.name and user.email as seen from the records repository (its config, then the person's)."""
    where = repo_root if repo_root is not None and Path(repo_root).is_dir() else None
    outside = {} if where is not None else {"GIT_DIR": "/dev/null"}
    values = []
    for key in ("user.name", "user.email"):
        try:
            out = run_git(where or Path.home(), "config", key, check=False, env=outside).stdout
            values.append(out.decode("utf-8", "replace").strip())
        except (OSError, subprocess.SubprocessError):
            values.append("")
    return values[0], values[1]


@dataclass(frozen=True)
class Practice:
    """The practitioner at work: their role and organisation (never anything of a subject's)."""

    role: str = ""
    organisation: str = ""


def remembered_practice(config: Config | None, last: Record | None) -> Practice:
    """The role and organisation a new decision starts with: those of the practitioner's last decision (`last`, a
    record they saved: `Index.last_decided_by`), else the config file's. The one rule; the form only shows it."""
    def text(value: object) -> str:
        return value if isinstance(value, str) else ""

    if last is not None and (text(last.get("decided.role")) or text(last.get("decided.organisation"))):
        return Practice(text(last.get("decided.role")), text(last.get("decided.organisation")))
    return Practice(config.role, config.organisation) if config is not None else Practice()
