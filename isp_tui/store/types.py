"""What the store hands back: who saved (Identity), a save (Saved), one commit of a record's history
(Revision), a file that is not a readable record (Problem)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from isp_tui.errors import InputError
from isp_tui.gitlayer.messages import Trailers
from isp_tui.record import Record, check_text

IDENTITY = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Identity:
    # merge: isp_tui.identity (faces) resolves who is deciding; this type stays here until the merge
    name: str
    email: str

    def __post_init__(self) -> None:
        # it becomes a git author line and the record's decided.by: one line of plain text, no <, >
        for part in (self.name, self.email):
            if not part.strip() or any(c in "<>\n\t" for c in part):
                raise InputError(f"{str(self)!r} is not an identity; expected \"Name <email>\"", field="--as")
            check_text(part, None, "--as")

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


@dataclass(frozen=True)
class Saved:
    id: str
    commit: str
    path: str
    action: str
    record: Record


@dataclass(frozen=True)
class Revision:
    """One commit in a record's history, read from git."""

    commit: str
    author: str
    email: str
    date: datetime
    subject: str
    trailers: Trailers

    @property
    def action(self) -> str:
        return self.trailers.action

    @property
    def decision(self) -> str:
        """The practitioner's decision at this commit (the `Outcome:` trailer)."""
        return self.trailers.decision

    @property
    def engine_outcome(self) -> str:
        return self.trailers.engine_outcome


@dataclass(frozen=True)
class Problem:
    """A file in the records repository that cannot be read as a record."""

    path: str
    message: str
