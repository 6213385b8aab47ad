"""What the engine answers: an outcome, the path it took, and reasons and warnings naming their source."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

INCOMPLETE = "incomplete"
OUTCOMES = ("share", "do-not-share", "seek-advice", INCOMPLETE)


@dataclass(frozen=True)
class Finding:
    """A reason or a warning, naming the rule or seed passage (or the law) it follows from."""

    code: str
    text: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# a warning that asks for something to be written in the record (by its code), and the field that holds it: the
# engine reads answers, not the record, so it warns whatever the record holds; once the field is filled, the
# warning is met and a face shows it no longer (still_to_do)
MET_BY = {"record-public-interest": "decision.public_interest"}


def still_to_do(warnings: tuple[Finding, ...] | list[Finding], data: dict[str, Any]) -> list[Finding]:
    """The warnings a record's tables (`data`) have not yet met: a reminder to record a field is met once the
    field holds more than spaces."""
    def met(finding: Finding) -> bool:
        section, _, key = MET_BY.get(finding.code, ".").partition(".")
        value = (data.get(section) or {}).get(key) if section else None
        return isinstance(value, str) and bool(value.strip())

    return [w for w in warnings if not met(w)]


@dataclass(frozen=True)
class Decision:
    outcome: str
    path: tuple[str, ...]
    reasons: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    missing: tuple[str, ...]
    ruleset: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "path": list(self.path),
            "reasons": [r.as_dict() for r in self.reasons],
            "warnings": [w.as_dict() for w in self.warnings],
            "missing": list(self.missing),
            "ruleset": dict(self.ruleset),
        }


@dataclass
class Notes:
    """What one run of the engine collects on its way."""

    reasons: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def reason(self, code: str, text: str, source: str) -> None:
        self.reasons.append(Finding(code, text, source))

    def warn(self, code: str, text: str, source: str) -> None:
        if not any(w.code == code and w.text == text for w in self.warnings):
            self.warnings.append(Finding(code, text, source))

    def need(self, key: str) -> None:
        if key not in self.missing:
            self.missing.append(key)
