"""What each table of a record may hold, and the checks every value passes (types, lengths, characters).

A record is one TOML file. Its tables, in the order they are written:

    schema, id, status, created      the file itself
    [ruleset]                        the guidance the decision was made under (id, version, sha256)
    [decided]                        who decided, in which role and organisation, when, under which record schema
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
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

from isp_tui.errors import ASCII_CONTROL, InputError, check_printable, is_unprintable
from isp_tui.guidance import Guidance
from isp_tui.guidance.model import CHECKLIST_ANSWERS  # the answers of a yes / no item (isp_tui.record names it)

STATUSES = ("draft", "final")
RECORDED = ("share", "share-part", "do-not-share")
SHARING_DECISIONS = ("share", "share-part")  # the decisions under which information is shared
MAX_TEXT = 20_000  # characters in one field
MAX_FILE = 1_000_000  # bytes in one record file

# What each table may hold, and of which type. Anything else is an unknown key.
Text, Flag, Day, Moment, Texts = str, bool, date, datetime, list
SECTIONS: dict[str, dict[str, type]] = {
    "ruleset": {"id": Text, "version": Text, "sha256": Text},
    "decided": {"by": Text, "role": Text, "organisation": Text, "at": Moment,
                "schema": int},  # schema: the record schema it was decided under (set on finalising; migrate.py)
    "subject": {"name": Text, "date_of_birth": Day, "reference": Text},
    "request": {"requester": Text, "agency": Text, "asked_for": Text, "received": Day, "response_due": Day,
                "in_writing": Flag, "urgent": Flag, "responded": Day},
    "decision": {"recorded": Text, "reasons": Text, "override_reason": Text, "public_interest": Text,
                 "necessity": Text},  # necessity: why sharing is necessary (ICO Annex B item 10)
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
FINDING = {"code": Text, "text": Text, "source": Text}  # each of [outcome]'s reasons and warnings
# fields that are personal data about the subject: shown only by `isp show`, never in a log line
PERSONAL = ("subject.",)


def is_personal(field: str) -> bool:
    return field.startswith(PERSONAL)


def check_text(value: str, file: object, key: str) -> str:
    """Refuse what a terminal would act on rather than show: control, escape and bidi-override characters."""
    if len(value) > MAX_TEXT:
        raise InputError(f"is {len(value):,} characters long; at most {MAX_TEXT:,} are allowed", file=file, field=key)
    return check_printable(value, file, key)


# what in a record's TOML text can give a string a character check_printable refuses: a raw control character
# (a raw newline or tab is text; a carriage return is not), or an escape that writes one (\b \f \r \e \x \u \U)
_PLAIN_BYTES = bytes(range(0x20, 0x7f)) + b"\n\t"  # printable ASCII, newline and tab
_CONTROL_ESCAPE = re.compile(rb"\\[bfrexuU]")


def texts_pass(raw: bytes) -> bool:
    """Whether every string a record's TOML text can hold passes check_text, the whole file checked at once: it is
    no longer than one text may be, and holds no refused character nor an escape that could write one (a false
    alarm, such as a backslash before a u in a path, costs only speed: each string is then checked as before).
    A new machine reads 100,000 records of 47 strings each; this is one pass in C over each file's bytes."""
    if len(raw) > MAX_TEXT or (b"\\" in raw and _CONTROL_ESCAPE.search(raw)):
        return False
    if raw.isascii():
        return not raw.translate(None, _PLAIN_BYTES)
    text = raw.decode("utf-8", "replace")
    return not ASCII_CONTROL.search(text) and not any(is_unprintable(c) for c in set(text) if not c.isascii())


def check_value(value: Any, kind: type, file: object, key: str, texts_checked: bool = False) -> Any:
    """One value of `kind`; `texts_checked`: every string of the file already passed check_text (texts_pass)."""
    if kind is str and type(value) is str:  # most values: asked first (a new machine checks 5 million)
        return value if texts_checked else check_text(value, file, key)
    if kind is date and type(value) is date:  # the next most common (a datetime is a date too: asked below)
        return value
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
        return list(value) if texts_checked else [check_text(v, file, f"{key}[{n}]") for n, v in enumerate(value)]
    if not isinstance(value, str):
        raise InputError(f"expected a string, found {_type_name(value)}", file=file, field=key)
    return value if texts_checked else check_text(value, file, key)


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "an array", dict: "a table"}.get(
        type(value), type(value).__name__)


def check_table(table: Any, spec: dict[str, type], file: object, where: str,
                texts_checked: bool = False) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise InputError("expected a table", file=file, field=where)
    extra = table.keys() - spec.keys()
    if extra:
        raise InputError(f"unknown key(s) {', '.join(sorted(extra))}; expected: {', '.join(spec)}", file=file,
                         field=where)
    out = {}
    for k, kind in spec.items():  # in the schema's order, as the record is written
        if k in table:
            value = table[k]
            out[k] = value if plain(value, kind, texts_checked) else check_value(value, kind, file, f"{where}.{k}",
                                                                                 texts_checked)
    return out


def plain(value: Any, kind: type, texts_checked: bool) -> bool:
    """Whether a value of a table is of its kind as is, with nothing to check or convert: a string whose text
    is checked, a date or a flag. check_value decides the rest (its key named only then)."""
    return type(value) is kind and (kind is not str or texts_checked) and kind is not list and kind is not datetime


def all_strings(values: Iterable[Any]) -> bool:
    """Whether every value is a string, asked in C (str.join refuses anything else)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


def check_list(value: Any, spec: dict[str, type], file: object, where: str,
                item: Callable[[dict[str, Any], str], dict[str, Any]] | None = None,
                texts_checked: bool = False) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InputError("expected an array of tables", file=file, field=where)
    out = []
    order = tuple(spec) if texts_checked and item is None and all(kind is str for kind in spec.values()) else None
    for n, entry in enumerate(value):
        if order is not None and type(entry) is dict and tuple(entry) == order and all_strings(entry.values()):
            out.append(dict(entry))  # such as [outcome]'s reasons as isp writes them: every key, strings, checked
            continue
        if not isinstance(entry, dict):
            raise InputError("expected a table", file=file, field=f"{where}[{n}]")
        extra = entry.keys() - spec.keys()
        if extra:
            raise InputError(f"unknown key(s) {', '.join(sorted(extra))}", file=file, field=f"{where}[{n}]")
        checked = {}
        for k, kind in spec.items():
            if k in entry:
                v = entry[k]
                checked[k] = v if (kind is list and item) or plain(v, kind, texts_checked) else \
                    check_value(v, kind, file, f"{where}[{n}].{k}", texts_checked)
        out.append(item(checked, f"{where}[{n}]") if item else checked)
    return out


def check_references(out: dict[str, Any], guidance: Guidance, file: object) -> None:
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


def check_outcome(value: Any, file: object, texts_checked: bool = False) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("expected a table", file=file, field="outcome")
    spec = {"engine": str, "path": list, "reasons": list, "warnings": list}
    extra = sorted(set(value) - set(spec))
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}", file=file, field="outcome")
    out: dict[str, Any] = {}
    if "engine" in value:
        out["engine"] = check_value(value["engine"], str, file, "outcome.engine", texts_checked)
    if "path" in value:
        out["path"] = check_value(value["path"], list, file, "outcome.path", texts_checked)
    for key in ("reasons", "warnings"):
        if key in value:
            out[key] = check_list(value[key], FINDING, file, f"outcome.{key}", texts_checked=texts_checked)
    return out


ANSWER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
KIND_WORDS = {bool: "true or false", int: "a number", float: "a number", list: "a list", dict: "a table",
              date: "a date", datetime: "a date and time"}


def printable_answer(answer: Any) -> str:
    """A checklist answer as a message names it: an id as it is ('maybe'); free text only as "a text" (it may
    name a person, and the message reaches the terminal and the index's problems); other values by kind."""
    if isinstance(answer, str):
        return repr(answer) if ANSWER_ID.fullmatch(answer) else "a text"
    return KIND_WORDS.get(type(answer), "a value")


def check_checklists(value: Any, guidance: Guidance | None, file: object,
                     texts_checked: bool = False) -> dict[str, dict[str, str]]:
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
            known = guidance.checklists[checklist_id].item(item) if guidance is not None else None
            if guidance is not None and known is None:
                raise InputError("unknown checklist item", file=file, field=f"{where}.{item}")
            if isinstance(answer, str) and not texts_checked:  # a text answer is checked as any text is
                check_text(answer, file, f"{where}.{item}")
            if not (known.accepts(answer) if known is not None else isinstance(answer, (str, date))):
                expected = ("a text" if known.kind == "text" else "a date" if known.kind == "date" else
                            f"one of: {', '.join(i for i, _ in known.options)}") if known else "an answer"
                raise InputError(f"{printable_answer(answer)} is not {expected}", file=file, field=f"{where}.{item}")
        out[checklist_id] = dict(answers)
    return out


def check_changes(value: Any, file: object, where: str) -> list[dict[str, Any]]:
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



def blank(value: Any) -> bool:
    """A field with nothing in it: absent, an empty string or an empty list."""
    return value is None or value == "" or value == []
