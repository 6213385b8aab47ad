"""Commit messages: written by commit_message() and read by parse_message(), the only places.

A save's message is a subject an auditor can read with plain git and a block of trailers; it never holds
personal data:

    record <id>: <action> (<decision>)

    Record-Id: <id>
    Action: draft | final | amend | correct
    Outcome: <the practitioner's decision when final, else the engine's outcome>
    Engine-Outcome: <the engine's outcome>
    Ruleset: <id>@<version>
    Recovered: true                  (only on a save the journal completed after a crash)

Two trailers name two different things. `Outcome:` is the practitioner's decision (the record's
[decision] recorded, once final): in Python it is `Trailers.decision`. `Engine-Outcome:` is what the
flowchart gave (the record's [outcome] table): `Trailers.engine_outcome`. The trailer text `Outcome:`
is kept as it is so every existing repository still reads.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

if TYPE_CHECKING:
    from isp_tui.record import Record

RECORD_ID = "Record-Id"
ACTION = "Action"
DECISION = "Outcome"  # the practitioner's decision (the trailer's historical name)
ENGINE_OUTCOME = "Engine-Outcome"  # the engine's outcome
RULESET = "Ruleset"
RECOVERED = "Recovered"
# A record brought across from an old copy (`isp import`), as it was: its ids, authors and dates kept;
# the value is how many amendments it arrived with (verify counts them as made before).
BROUGHT_ACROSS = "Brought-Across"
MERGED_RECORD = "Merged-Record"
DRAFT_KEPT = "Draft-Kept"
# A collision sync resolved where a final was involved: `Resolved: <id> kept <commit> other <commit>` names
# the last commit of the record on each side of the merge (the version kept, the version not kept). Verify
# checks each side on its own (isp_tui.audit.resolutions).
RESOLVED = "Resolved"
RESOLVED_VALUE = re.compile(r"^(?P<id>[0-9A-HJKMNP-TV-Z]{26}) kept (?P<kept>[0-9a-f]{40}) other (?P<other>[0-9a-f]{40})$")
REQUIRED = (RECORD_ID, ACTION, DECISION, ENGINE_OUTCOME, RULESET)  # on every save's commit
INCOMPLETE = "incomplete"
SUBJECT = re.compile(r"^record (?P<id>[0-9A-HJKMNP-TV-Z]{26}): (?P<action>[a-z]+) \((?P<outcome>[a-z-]+)\)$")
TRAILER_KEY = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True)
class Trailers:
    """The trailers of one commit message. `fields` holds every trailer as written (the last of a repeated
    key); the properties name what the store's trailers mean."""

    fields: Mapping[str, str] = field(default_factory=dict)
    repeated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # every value of each key, in order

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.fields.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self.fields[key]

    def __contains__(self, key: object) -> bool:
        return key in self.fields

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def record_id(self) -> str:
        return self.fields.get(RECORD_ID, "")

    @property
    def action(self) -> str:
        return self.fields.get(ACTION, "")

    @property
    def decision(self) -> str:
        """The practitioner's decision (the `Outcome:` trailer)."""
        return self.fields.get(DECISION, "")

    @property
    def engine_outcome(self) -> str:
        """The engine's outcome (the `Engine-Outcome:` trailer)."""
        return self.fields.get(ENGINE_OUTCOME, "")

    @property
    def ruleset(self) -> str:
        return self.fields.get(RULESET, "")

    @property
    def recovered(self) -> bool:
        return self.fields.get(RECOVERED) == "true"

    @property
    def merged_records(self) -> tuple[str, ...]:
        return self.repeated.get(MERGED_RECORD, ())

    @property
    def drafts_kept(self) -> tuple[str, ...]:
        return self.repeated.get(DRAFT_KEPT, ())

    @property
    def brought_across(self) -> int | None:
        """The amendments a record brought across from an old copy arrived with (None: not brought across)."""
        value = self.fields.get(BROUGHT_ACROSS)
        match = re.fullmatch(r"(\d+) amendment\(s\)", value or "")
        return int(match[1]) if match else None

    @property
    def resolved(self) -> tuple[str, ...]:
        """Every `Resolved:` value as written (resolution() reads one)."""
        return self.repeated.get(RESOLVED, ())


def resolution(value: str) -> tuple[str, str, str] | None:
    """A `Resolved:` trailer's (record id, kept commit, other commit), or None when it is not in that shape."""
    match = RESOLVED_VALUE.match(value)
    return (match["id"], match["kept"], match["other"]) if match else None


def resolved_value(record_id: str, kept: str, other: str) -> str:
    return f"{record_id} kept {kept} other {other}"


def commit_message(record: Record, action: str, *, recovered: bool = False, brought_across: bool = False) -> str:
    """A save's subject and trailers; never any personal data. `brought_across`: the record is brought from
    an old copy as it was (`Brought-Across: <amendments it holds> amendment(s)`)."""
    engine = record.engine_outcome or INCOMPLETE
    decision = record.recorded if record.is_final and record.recorded else engine
    ruleset = f"{record.get('ruleset.id')}@{record.get('ruleset.version')}"
    return (f"record {record.id}: {action} ({decision})\n\n"
            f"{RECORD_ID}: {record.id}\n{ACTION}: {action}\n{DECISION}: {decision}\n"
            f"{ENGINE_OUTCOME}: {engine}\n{RULESET}: {ruleset}\n" + (f"{RECOVERED}: true\n" if recovered else "")
            + (f"{BROUGHT_ACROSS}: {len(record.data.get('amendments', []))} amendment(s)\n" if brought_across else ""))


def mark_recovered(message: str) -> str:
    """The message of a save the journal completes after a crash: the same, with `Recovered: true`."""
    return message.rstrip() + f"\n{RECOVERED}: true\n"


def destroy_message(record_id: str) -> str:
    """The commit that removes a record whose retention has ended (no outcome: the record is gone)."""
    return f"record {record_id}: destroy (destroyed)\n\n{RECORD_ID}: {record_id}\n{ACTION}: destroy\n"


def merge_message(remote: str, merged: Iterable[str], drafts: Iterable[str], resolved: Iterable[str] = ()) -> str:
    """A sync's merge commit: which records were changed on both sides, which drafts were kept, and which
    collisions involving a final were resolved (resolved_value: the version kept and the one not kept)."""
    merged, drafts = list(merged), list(drafts)
    trailers = [f"{ACTION}: merge"] + [f"{MERGED_RECORD}: {i}" for i in merged] + [f"{DRAFT_KEPT}: {d}" for d in drafts]
    trailers += [f"{RESOLVED}: {r}" for r in resolved]
    return (f"sync: merge {remote}/main ({len(merged)} record(s) changed on both sides)\n\n"
            + "\n".join(trailers) + "\n")


def parse_message(text: str | bytes) -> Trailers:
    """The trailers of a whole commit message: its last paragraph, if every line of it is `Key: value`
    (otherwise none); a message of one paragraph is a subject and has none. git's own trailer output
    (`%(trailers:only)`) is read with parse_trailer_lines. Any text or bytes (a commit pulled from a remote
    may hold anything) gives Trailers, never an error."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    paragraphs = [p for p in text.strip("\n").split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return Trailers()
    return parse_trailer_lines(paragraphs[-1])


def parse_trailer_lines(block: str) -> Trailers:
    """A block of `Key: value` lines as Trailers; any other line makes it no trailer block at all."""
    lines = block.strip("\n").splitlines()
    fields: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for line in lines:  # one pass: verify reads 125,000 commits' trailers
        key, sep, value = line.partition(":")
        if not sep or not TRAILER_KEY.fullmatch(key):
            return Trailers()
        value = value.strip()
        fields[key] = value
        if key in repeated:
            repeated[key].append(value)
        else:
            repeated[key] = [value]
    if not lines:
        return Trailers()
    return Trailers(fields, {k: tuple(v) for k, v in repeated.items()})


def parse_subject(subject: str) -> tuple[str, str, str] | None:
    """(record id, action, decision) from a save's subject line, or None if it is not one."""
    match = SUBJECT.match(subject)
    return (match["id"], match["action"], match["outcome"]) if match else None


class LogFormat:
    """A `git log --format` whose separators no commit can hold: a random token, new for each use, so a
    subject or an author holding \\x1e, \\x1f or any other byte (a commit pulled from a remote may) never
    shifts a field. `format` is the argument; `parse(output)` gives each commit's fields and what git
    printed after them (--raw lines)."""

    def __init__(self, *fields: str):
        token = secrets.token_hex(16)
        self.fields = fields
        self.start, self.sep, self.end = f"%x1e{token}s", f"%x1f{token}f", f"%x1d{token}e"
        self._start, self._sep, self._end = (f"\x1e{token}s", f"\x1f{token}f", f"\x1d{token}e")

    @property
    def start_mark(self) -> str:
        """What begins each commit in the output (to cut output read in pieces at a commit's start)."""
        return self._start

    @property
    def format(self) -> str:
        return f"--format={self.start}{self.sep.join(self.fields)}{self.end}"

    def parse(self, output: str) -> Iterator[tuple[list[str], str]]:
        for chunk in output.split(self._start)[1:]:
            head, _, rest = chunk.partition(self._end)
            values = head.split(self._sep)
            if len(values) == len(self.fields):
                yield values, rest
