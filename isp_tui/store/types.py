"""What the store hands back: a save (Saved), one commit of a record's history
(Revision), a file that is not a readable record (Problem). Who saved is isp_tui.identity.Identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from isp_tui.gitlayer.messages import Trailers
from isp_tui.record import Record


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
