"""The record of one information sharing decision: its TOML form, schema version and validation.

A record is one TOML file. Its tables, in the order they are written:

    schema, id, status, created      the file itself
    [ruleset]                        the guidance the decision was made under (id, version, sha256)
    [decided]                        who decided, in which role and organisation, and when
    [subject]                        who the information is about (personal data: never in a path or commit)
    [request]                        who asked, from which agency, for what, when; the response due date
    [when] [context]                 the flowchart answers and the facts the engine needs
    [outcome]                        the engine's outcome, path, reasons and warnings (computed, never typed)
    [decision]                       the practitioner's own decision and reasons (always required)
    [recipient] [sharing]            what was shared, with whom, why, when and how
    [consent] [transparency]         why consent was not sought or was overridden; whether the person was told
    [advice]                         advice sought and from whom
    [checklists.<id>]                answers to checklists such as the 16 questions (004)
    [retention]                      review and retention dates
    [[corrections]]                  corrections passed on to recipients (000 12.2-12.3)
    [[amendments]]                   every change after finalising: who, when, why, what changed
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

import tomli_w

from isp_tui.engine import Answers, Decision, decide, read_answers
from isp_tui.errors import InputError
from isp_tui.guidance import Guidance, parse_toml

SCHEMA_VERSION = 1
STATUSES = ("draft", "final")
RECORDED = ("share", "share-part", "do-not-share")
CHECKLIST_ANSWERS = ("yes", "no", "not-applicable")
ID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # a ULID: sortable by time, safe as a file name
MAX_TEXT = 20_000  # characters in one field
MAX_FILE = 1_000_000  # bytes in one record file

# What each table may hold, and of which type. Anything else is an unknown key.
Text, Flag, Day, Moment, Texts = str, bool, date, datetime, list
SECTIONS: dict[str, dict[str, type]] = {
    "ruleset": {"id": Text, "version": Text, "sha256": Text},
    "decided": {"by": Text, "role": Text, "organisation": Text, "at": Moment},
    "subject": {"name": Text, "date_of_birth": Day, "reference": Text},
    "request": {"requester": Text, "agency": Text, "asked_for": Text, "received": Day, "response_due": Day,
                "in_writing": Flag, "urgent": Flag, "responded": Day},
    "decision": {"recorded": Text, "reasons": Text, "override_reason": Text, "public_interest": Text,
                 "necessity": Text},  # necessity: why sharing is necessary (ICO Annex B item 10; issue 12)
    "recipient": {"agency": Text, "agency_id": Text, "person": Text},
    "sharing": {"information": Text, "data_categories": Texts, "source": Text, "originator": Text, "purpose": Text,
                "shared_on": Day, "method": Text, "onward_sharing": Text, "time_limits": Text,
                "fact_and_opinion": Flag},
    "consent": {"explanation": Text, "on": Day, "child_view": Text},  # on: when consent was given (003 App A)
    "transparency": {"told": Flag, "not_told_reason": Text},
    "advice": {"sought": Flag, "from": Text, "summary": Text, "on": Day},
    "retention": {"review_on": Day, "retain_until": Day},
}
TOP = {"schema": int, "id": Text, "status": Text, "created": Moment}
ORDER = ("schema", "id", "status", "created", "ruleset", "decided", "subject", "request", "when", "context",
         "outcome", "decision", "recipient", "sharing", "consent", "transparency", "advice", "checklists",
         "retention", "corrections", "amendments")
AMENDMENT = {"id": Text, "at": Moment, "by": Text, "reason": Text, "changes": list}
CORRECTION = {"id": Text, "found_on": Day, "by": Text, "description": Text, "recipients": list}
CORRECTION_RECIPIENT = {"agency": Text, "told_on": Day}
# fields that are personal data about the subject: shown only by `isp show`, never in a log line
PERSONAL = ("subject.",)


def is_personal(field: str) -> bool:
    return field.startswith(PERSONAL)


# fields that are the record's identity: never changed by an amendment
FIXED = {"schema", "id", "status", "created", "ruleset.id", "ruleset.version", "ruleset.sha256",
         "decided.by", "decided.at"}

_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def check_text(value: str, file: object, key: str) -> str:
    """Refuse what a terminal would act on rather than show: control, escape and bidi-override characters."""
    if len(value) > MAX_TEXT:
        raise InputError(f"is {len(value):,} characters long; at most {MAX_TEXT:,} are allowed", file=file, field=key)
    if value.isascii() and not _ASCII_CONTROL.search(value):
        return value  # the common case, checked in C: the only ASCII characters refused are controls
    for n, char in enumerate(value):
        if char in "\n\t":
            continue
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            raise InputError(f"holds a control or direction-override character (U+{ord(char):04X}) at position {n}; "
                             "remove it", file=file, field=key)
    return value


def _check_value(value: Any, kind: type, file: object, key: str) -> Any:
    if kind is datetime:
        if not isinstance(value, datetime):
            raise InputError("expected a date and time such as 2026-11-21T09:30:00Z", file=file, field=key)
        if value.tzinfo is None:
            raise InputError("expected a date and time with a time zone, such as 2026-11-21T09:30:00Z", file=file, field=key)
        return value.astimezone(timezone.utc)
    if kind is date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InputError("expected a date such as 2026-11-21", file=file, field=key)
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise InputError("expected true or false", file=file, field=key)
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError("expected a whole number", file=file, field=key)
        return value
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError("expected an array of strings", file=file, field=key)
        return [check_text(v, file, f"{key}[{n}]") for n, v in enumerate(value)]
    if not isinstance(value, str):
        raise InputError(f"expected a string, found {_type_name(value)}", file=file, field=key)
    return check_text(value, file, key)


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "an array", dict: "a table"}.get(
        type(value), type(value).__name__)


def _check_table(table: Any, spec: dict[str, type], file: object, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise InputError("expected a table", file=file, field=where)
    extra = sorted(set(table) - set(spec))
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: {', '.join(spec)}", file=file, field=where)
    return {k: _check_value(table[k], spec[k], file, f"{where}.{k}") for k in spec if k in table}


def _check_list(value: Any, spec: dict[str, type], file: object, where: str,
                item: Callable[[dict[str, Any], str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InputError("expected an array of tables", file=file, field=where)
    out = []
    for n, entry in enumerate(value):
        key = f"{where}[{n}]"
        if not isinstance(entry, dict):
            raise InputError("expected a table", file=file, field=key)
        extra = sorted(set(entry) - set(spec))
        if extra:
            raise InputError(f"unknown key(s) {', '.join(extra)}", file=file, field=key)
        checked = {k: (entry[k] if spec[k] is list and item else _check_value(entry[k], spec[k], file, f"{key}.{k}"))
                   for k in spec if k in entry}
        out.append(item(checked, key) if item else checked)
    return out


def is_record_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


_EPOCH = date(1970, 1, 1).toordinal()
_CROCKFORD = str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghijklmnopqrstuv")


def record_path(record_id: str, *, file: object = None) -> str:
    """Where a record lives in the records repository: YYYY/MM/DD/<id>.toml, the day its id was made.

    The day is the ULID's first ten letters (milliseconds since 1970 in Crockford's base 32), read with
    int() and a translation table: verify and sync ask this of every record, 100,000 times at scale."""
    if not is_record_id(record_id):
        raise InputError(f"{record_id!r} is not a record id (26 characters such as 01JDB3M7Q2X8W5ZK4T9N6E1RVA)",
                         file=file, field="id")
    days = int(record_id[:10].translate(_CROCKFORD), 32) // 86_400_000
    try:
        if record_id[0] > "7":  # beyond 48 bits: not a ULID
            raise ValueError
        made = date.fromordinal(_EPOCH + days)
    except (ValueError, OverflowError):  # the letters decode to a time beyond what a ULID or a date can hold
        raise InputError(f"{record_id!r} is not a record id: its time part is out of range", file=file,
                         field="id") from None
    return f"{made.year:04d}/{made.month:02d}/{made.day:02d}/{record_id}.toml"


def new_id() -> str:
    from ulid import ULID

    return str(ULID())


@dataclass
class Record:
    """A validated record. `data` holds the tables in canonical order."""

    data: dict[str, Any]

    # -- reading -----------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, raw: bytes, file: object = None, *, guidance: Guidance | None = None) -> Record:
        if len(raw) > MAX_FILE:
            raise InputError(f"is {len(raw):,} bytes; a record may be at most {MAX_FILE:,}", file=file)
        if not raw.strip():
            raise InputError("is empty; expected a TOML record", file=file)
        return cls.from_dict(parse_toml(raw, file), file, guidance=guidance)

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: object = None, *, guidance: Guidance | None = None,
                  new: bool = False) -> Record:
        """Validate a record's tables. `new` allows the store's own keys (id, created...) to be absent."""
        data = migrate(dict(data), file)
        extra = sorted(set(data) - set(ORDER))
        if extra:
            raise InputError(f"unknown table(s) or key(s) {', '.join(extra)}", file=file, field=extra[0])
        out: dict[str, Any] = {}
        for key, kind in TOP.items():
            if key in data:
                out[key] = _check_value(data[key], kind, file, key)
            elif not new:
                raise InputError("missing; every stored record has schema, id, status and created", file=file, field=key)
        if "id" in out and not is_record_id(out["id"]):
            raise InputError(f"{out['id']!r} is not a record id", file=file, field="id")
        if "id" in out:
            record_path(out["id"], file=file)  # its time part must be one a date can hold
        if out.get("status", "draft") not in STATUSES:
            raise InputError(f"{out['status']!r} is not one of: {', '.join(STATUSES)}", file=file, field="status")
        for section, spec in SECTIONS.items():
            if section in data:
                out[section] = _check_table(data[section], spec, file, section)
        decision = out.get("decision", {})
        if "recorded" in decision and decision["recorded"] not in RECORDED:
            raise InputError(f"{decision['recorded']!r} is not one of: {', '.join(RECORDED)}", file=file, field="decision.recorded")
        if guidance is not None:
            answers = read_answers(data.get("when"), data.get("context"), guidance, file=file)
            if "when" in data:
                out["when"] = answers.when()
            if "context" in data:
                out["context"] = answers.context()
            _check_references(out, guidance, file)
            check_sensitivity(out, guidance, file)
        else:
            for section in ("when", "context"):
                if section in data:
                    out[section] = data[section]
        if "outcome" in data:
            out["outcome"] = _check_outcome(data["outcome"], file)
        if "checklists" in data:
            out["checklists"] = _check_checklists(data["checklists"], guidance, file)
        if "corrections" in data:
            out["corrections"] = _check_list(data["corrections"], CORRECTION, file, "corrections",
                                             lambda c, key: {**c, "recipients": _check_list(
                                                 c.get("recipients", []), CORRECTION_RECIPIENT, file, f"{key}.recipients")})
        if "amendments" in data:
            out["amendments"] = _check_list(data["amendments"], AMENDMENT, file, "amendments",
                                            lambda a, key: {**a, "changes": _check_changes(a.get("changes", []), file, key)})
        return cls({k: out[k] for k in ORDER if k in out})

    # -- properties ------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def status(self) -> str:
        return self.data.get("status", "draft")

    @property
    def is_final(self) -> bool:
        return self.status == "final"

    @property
    def path(self) -> str:
        return record_path(self.id)

    @property
    def recorded(self) -> str | None:
        return self.data.get("decision", {}).get("recorded")

    @property
    def engine_outcome(self) -> str | None:
        return self.data.get("outcome", {}).get("engine")

    def get(self, dotted: str, default: Any = None) -> Any:
        section, _, key = dotted.partition(".")
        if not key:
            return self.data.get(section, default)
        return self.data.get(section, {}).get(key, default)

    def answers(self, guidance: Guidance) -> Answers:
        """The engine's answers: the data categories shared decide the checks too, and the law is read as at
        the day the record was decided (else made)."""
        answers = read_answers(self.data.get("when"), self.data.get("context"), guidance,
                               categories=self.get("sharing.data_categories") or ())
        day = self.get("decided.at") or self.get("created")
        if answers.decision_date is None and isinstance(day, datetime):
            answers = replace(answers, decision_date=day.date())
        return answers

    def decide(self, guidance: Guidance) -> Decision:
        """The engine's outcome under the ruleset version this record pins (kept in templates/rulesets/archive/
        when the wording has moved on), read as at the day it was decided."""
        ruleset = guidance.pinned(self.data.get("ruleset")) or guidance.ruleset(self.get("ruleset.id"))
        return decide(self.answers(guidance), ruleset, guidance)

    # -- writing ---------------------------------------------------------------------------------

    def to_toml(self) -> str:
        return tomli_w.dumps({k: self.data[k] for k in ORDER if k in self.data}, multiline_strings=True)

    def flat(self) -> dict[str, Any]:
        """Every field as a dotted key, for diffs and amendments (amendments themselves left out)."""
        out: dict[str, Any] = {}
        for key, value in self.data.items():
            if key in ("amendments", "corrections"):
                continue
            if key == "outcome":
                out["outcome.engine"] = value.get("engine")
                out["outcome.path"] = value.get("path")
            elif key == "checklists":
                for checklist, answers in value.items():
                    for item, answer in answers.items():
                        out[f"checklists.{checklist}.{item}"] = answer
            elif isinstance(value, dict):
                for inner, v in value.items():
                    out[f"{key}.{inner}"] = v
            else:
                out[key] = value
        return {k: v for k, v in out.items() if v is not None}

    # -- completeness ------------------------------------------------------------------------------

    def missing_for_final(self, guidance: Guidance) -> list[str]:
        """What a final record must hold that this one does not (golden rule 7; 000 13.3; 002 Record)."""
        missing: list[str] = []
        need = lambda key: missing.append(key) if _blank(self.get(key)) else None  # noqa: E731
        need("ruleset.id")
        need("decided.by")
        need("decided.organisation")
        if _blank(self.get("subject.name")) and _blank(self.get("subject.reference")):
            missing.append("subject.name or subject.reference")
        if "request" in self.data:
            for key in ("requester", "agency", "asked_for", "received"):
                need(f"request.{key}")
        if not _blank(self.get("ruleset.id")) and self.get("ruleset.id") in guidance.rulesets:
            decision = self.decide(guidance)
            missing.extend(m for m in decision.missing if m not in missing)
            engine = decision.outcome
        else:
            engine = None
        need("decision.recorded")
        need("decision.reasons")
        recorded = self.recorded
        if engine and recorded and _departs(engine, recorded):  # advice sought does not excuse it (issue 12)
            need("decision.override_reason")
        if engine == "seek-advice":
            if not self.get("advice.sought"):
                missing.append("advice.sought (the flowchart says seek advice)")
            else:
                need("advice.from")
        elif self.get("advice.sought"):
            need("advice.from")
        if recorded in ("share", "share-part"):
            for key in ("recipient.agency", "sharing.information", "sharing.data_categories", "sharing.purpose",
                        "sharing.shared_on", "sharing.method", "sharing.onward_sharing", "sharing.fact_and_opinion",
                        "transparency.told"):
                need(key)
            if self.get("transparency.told") is False:
                need("transparency.not_told_reason")
            if self.get("when.consent") in ("refused", "withdrawn", "not-sought"):
                need("consent.explanation")
            missing.extend(m for m in missing_by_law(self, guidance) if m not in missing)
        if _blank(self.get("retention.review_on")) and _blank(self.get("retention.retain_until")):
            missing.append("retention.review_on or retention.retain_until")
        return missing


# merge: set True once the app's form asks these (issue 12); until then only `isp record` files are held to them
FORM_ASKS_LAW_FIELDS = False


def missing_by_law(record: Record, guidance: Guidance) -> list[str]:
    """What the law asks a record of sharing to say (issue 12): why sharing is necessary (ICO Annex B); the
    public-interest reasoning when confidential information is shared without consent (000 13.3.4); who
    consented and whether it was informed (003 App A; 004); a competent child's view beside a parent's."""
    missing: list[str] = []
    need = lambda key: missing.append(key) if _blank(record.get(key)) else None  # noqa: E731
    consent = record.get("when.consent")
    public_interest = "common-law-public-interest" in (record.get("when.lawful_basis") or [])
    if consent != "given" and (record.get("when.confidential") == "yes" or public_interest):
        need("decision.public_interest")
    if record.get("when.consent_by") == "parent" and record.get("context.child_capacity") == "yes":
        need("consent.child_view")
    if FORM_ASKS_LAW_FIELDS:
        need("decision.necessity")
        if consent == "given":
            need("when.consent_by")
            if record.get("when.consent_informed") is None:
                missing.append("when.consent_informed")
    return missing


def check_sensitivity(out: dict[str, Any], guidance: Guidance, file: object) -> None:
    """A record that shares special category (or criminal offence) data while saying it does not is refused,
    naming both fields: what is shared decides the checks (issue 12)."""
    categories = [guidance.categories[c] for c in out.get("sharing", {}).get("data_categories", [])
                  if c in guidance.categories]
    for flag, attr, words in (("special_category", "special_category", "special category"),
                              ("criminal_offence", "criminal_offence", "criminal offence")):
        shared = [c.title for c in categories if getattr(c, attr)]
        if shared and out.get("context", {}).get(flag) is False:
            raise InputError(f"is false, but sharing.data_categories shares {words} data ({'; '.join(shared)}): "
                             f"set context.{flag} = true or change sharing.data_categories", file=file,
                             field=f"context.{flag}")


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _departs(engine: str, recorded: str) -> bool:
    """Does the practitioner's decision depart from the engine's outcome?"""
    if engine == "share":
        return recorded == "do-not-share"
    if engine == "do-not-share":
        return recorded != "do-not-share"
    return False


def _check_references(out: dict[str, Any], guidance: Guidance, file: object) -> None:
    method = out.get("sharing", {}).get("method")
    if method and method not in guidance.methods:
        raise InputError(f"unknown method {method!r}; expected one of: {', '.join(guidance.methods)}",
                         file=file, field="sharing.method")
    unknown = [c for c in out.get("sharing", {}).get("data_categories", []) if c not in guidance.categories]
    if unknown:
        raise InputError(f"unknown data categor(y/ies) {', '.join(unknown)}; expected ids from templates/data_categories.toml",
                         file=file, field="sharing.data_categories")
    ruleset = out.get("ruleset", {}).get("id")
    if ruleset and ruleset not in guidance.rulesets:
        guidance.ruleset(ruleset, file=file, key="ruleset.id")


def _check_outcome(value: Any, file: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("expected a table", file=file, field="outcome")
    spec = {"engine": str, "path": list, "reasons": list, "warnings": list}
    extra = sorted(set(value) - set(spec))
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}", file=file, field="outcome")
    out: dict[str, Any] = {}
    if "engine" in value:
        out["engine"] = _check_value(value["engine"], str, file, "outcome.engine")
    if "path" in value:
        out["path"] = _check_value(value["path"], list, file, "outcome.path")
    for key in ("reasons", "warnings"):
        if key in value:
            out[key] = _check_list(value[key], {"code": Text, "text": Text, "source": Text}, file, f"outcome.{key}")
    return out


def _check_checklists(value: Any, guidance: Guidance | None, file: object) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise InputError("expected a table of checklists", file=file, field="checklists")
    out: dict[str, dict[str, str]] = {}
    for checklist_id, answers in value.items():
        where = f"checklists.{checklist_id}"
        if guidance is not None and checklist_id not in guidance.checklists:
            raise InputError(f"unknown checklist; expected one of: {', '.join(guidance.checklists)}", file=file, field=where)
        if not isinstance(answers, dict):
            raise InputError("expected a table of item = answer", file=file, field=where)
        for item, answer in answers.items():
            if guidance is not None and guidance.checklists[checklist_id].item(item) is None:
                raise InputError("unknown checklist item", file=file, field=f"{where}.{item}")
            if answer not in CHECKLIST_ANSWERS:
                raise InputError(f"{answer!r} is not one of: {', '.join(CHECKLIST_ANSWERS)}", file=file, field=f"{where}.{item}")
        out[checklist_id] = dict(answers)
    return out


def _check_changes(value: Any, file: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InputError("expected an array of tables", file=file, field=f"{where}.changes")
    out = []
    for n, change in enumerate(value):
        key = f"{where}.changes[{n}]"
        if not isinstance(change, dict) or not isinstance(change.get("field"), str):
            raise InputError("expected a table with a field name", file=file, field=key)
        extra = sorted(set(change) - {"field", "before", "after"})
        if extra:
            raise InputError(f"unknown key(s) {', '.join(extra)}", file=file, field=key)
        out.append(dict(change))
    return out


# ---------------------------------------------------------------------------------------------
# Amendments: what changed between two versions of a record


def diff(before: Record, after: Record) -> list[dict[str, Any]]:
    """Field-by-field changes from one version to the next (not a raw TOML diff)."""
    old, new = before.flat(), after.flat()
    changes = []
    for key in sorted(set(old) | set(new), key=_field_order):
        if old.get(key) != new.get(key):
            change: dict[str, Any] = {"field": key}
            if key in old:
                change["before"] = old[key]
            if key in new:
                change["after"] = new[key]
            changes.append(change)
    return changes


def _field_order(key: str) -> tuple[int, str]:
    top = key.partition(".")[0]
    return (ORDER.index(top) if top in ORDER else len(ORDER), key)


def apply_changes(data: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Replay an amendment's changes onto a record's tables (used to merge amendments made apart)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for change in changes:
        parts = change["field"].split(".")
        if parts[0] == "checklists":
            table = out.setdefault("checklists", {})
            table[parts[1]] = dict(table.get(parts[1], {}))
            target, key = table[parts[1]], parts[2]
        elif len(parts) == 1:
            target, key = out, parts[0]
        else:
            target, key = out.setdefault(parts[0], {}), parts[1]
        if "after" in change:
            target[key] = change["after"]
        else:
            target.pop(key, None)
    return out


def merge_tables(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Lay the tables and keys of `changes` over a record's tables (an amendment file names only what changes)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def iter_changes(record: Record) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for amendment in record.data.get("amendments", []):
        for change in amendment.get("changes", []):
            yield amendment, change


# ---------------------------------------------------------------------------------------------
# Schema versions


def migrate(data: dict[str, Any], file: object = None) -> dict[str, Any]:
    """Bring a record of any earlier schema version to the current one. Version 1 is the first."""
    version = data.get("schema", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError("expected a whole number", file=file, field="schema")
    if version > SCHEMA_VERSION:
        raise InputError(f"schema {version} is newer than this version of isp understands ({SCHEMA_VERSION}); "
                         "upgrade isp to read it", file=file, field="schema")
    if version < 1:
        raise InputError(f"schema {version} is not a schema version (the first is 1)", file=file, field="schema")
    while version < SCHEMA_VERSION:  # one step at a time, each step kept for ever
        step = MIGRATIONS.get(version)
        if step is None:
            raise InputError(f"schema {version} has no migration to {version + 1}", file=file, field="schema")
        data = dict(step(dict(data)), schema=version + 1)
        version += 1
    return data


# MIGRATIONS[n] turns the tables of a schema-n record into schema n+1 (a pure function of the data, never
# touching the file: the record is rewritten only by its next save, in its own commit). When schema 2 comes,
# add `1: _v1_to_v2` here and bump SCHEMA_VERSION; tests/test_upgrade.py keeps a schema-1 repository.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
