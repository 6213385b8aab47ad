"""The record of one information sharing decision: the Record type, what a final record must hold,
which fields are its identity (never amended) and the one summary of a record.

The tables and their checks are in record/schema.py; ids and paths in record/ids.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import tomli_w

from isp_tui.engine import Answers, Decision, decide, read_answers
from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.tomlfile import parse_toml
from isp_tui.record.ids import is_record_id, record_day, record_path
from isp_tui.record.law import check_sensitivity, missing_by_law
from isp_tui.record.migrate import SCHEMA_VERSION, migrate
from isp_tui.record.schema import (AMENDMENT, CORRECTION, CORRECTION_RECIPIENT, MAX_FILE, ORDER, RECORDED, SECTIONS,
                                   SHARING_DECISIONS, STATUSES, TOP, check_changes, check_checklists, check_list,
                                   blank, check_outcome, check_references, check_table, check_value, texts_pass)

__all__ = ["FIXED", "FIXED_TABLES", "IDENTITY_TABLES", "KEPT_BY_STORE", "RECORDED", "SCHEMA_VERSION", "SHARING_DECISIONS",
           "SUMMARY", "Record", "outcome_table", "summary"]

# fields that are the record's identity: never changed by an amendment (the one list; the store refuses them)
FIXED = frozenset({"schema", "id", "status", "created", "ruleset.id", "ruleset.version", "ruleset.sha256",
                   "decided.by", "decided.at", "decided.schema"})
# the tables that hold those fields: an amendment keeps them as they stand when it does not name them
IDENTITY_TABLES = ("schema", "id", "status", "created", "ruleset")  # every field of these is fixed
FIXED_TABLES = IDENTITY_TABLES + ("decided",)
# what an amendment never gives: the store works out [outcome] and keeps [[amendments]] and [[corrections]]
KEPT_BY_STORE = ("amendments", "outcome", "corrections")


@dataclass
class Record:
    """A validated record. `data` holds the tables in canonical order."""

    data: dict[str, Any]

    # -- reading -----------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, raw: bytes, file: object = None, *, guidance: Guidance | None = None) -> Record:
        tables = cls.toml_tables(raw, file)
        return cls.from_dict(tables, file, guidance=guidance, texts_checked=texts_pass(raw))

    @staticmethod
    def toml_tables(raw: bytes, file: object = None) -> dict[str, Any]:
        """A record file's tables as read, not yet validated (from_dict does that): one reading can be
        validated twice, with and without the guidance (a new machine's index and verification)."""
        if len(raw) > MAX_FILE:
            raise InputError(f"is {len(raw):,} bytes; a record may be at most {MAX_FILE:,}", file=file)
        if not raw.strip():
            raise InputError("is empty; expected a TOML record", file=file)
        return parse_toml(raw, file)

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: object = None, *, guidance: Guidance | None = None,
                  new: bool = False, texts_checked: bool = False) -> Record:
        """Validate a record's tables. `new` allows the store's own keys (id, created...) to be absent.
        `texts_checked`: the file's text as a whole passed schema.texts_pass, so its strings are not checked
        one by one."""
        data = migrate(dict(data), file)
        extra = sorted(set(data) - set(ORDER))
        if extra:
            raise InputError(f"unknown table(s) or key(s) {', '.join(extra)}", file=file, field=extra[0])
        out: dict[str, Any] = {}
        for key, kind in TOP.items():
            if key in data:
                out[key] = check_value(data[key], kind, file, key, texts_checked)
            elif not new:
                raise InputError("missing; every stored record has schema, id, status and created", file=file, field=key)
        if "id" in out and not is_record_id(out["id"]):
            raise InputError(f"{out['id']!r} is not a record id", file=file, field="id")
        if "id" in out:
            record_day(out["id"], file=file)  # its time part must be one a date can hold
        if out.get("status", "draft") not in STATUSES:
            raise InputError(f"{out['status']!r} is not one of: {', '.join(STATUSES)}", file=file, field="status")
        for section, spec in SECTIONS.items():
            if section in data:
                out[section] = check_table(data[section], spec, file, section, texts_checked)
        decision = out.get("decision", {})
        if "recorded" in decision and decision["recorded"] not in RECORDED:
            raise InputError(f"{decision['recorded']!r} is not one of: {', '.join(RECORDED)}", file=file, field="decision.recorded")
        for section in ("when", "context"):
            if section in data:
                out[section] = data[section]
        if "outcome" in data:
            out["outcome"] = check_outcome(data["outcome"], file, texts_checked)
        if "checklists" in data:
            out["checklists"] = check_checklists(data["checklists"], None, file, texts_checked)  # against the guidance: against()
        if "corrections" in data:
            out["corrections"] = check_list(data["corrections"], CORRECTION, file, "corrections",
                                             lambda c, key: {**c, "recipients": check_list(
                                                 c.get("recipients", []), CORRECTION_RECIPIENT, file, f"{key}.recipients",
                                                 texts_checked=texts_checked)}, texts_checked)
        if "amendments" in data:
            out["amendments"] = check_list(data["amendments"], AMENDMENT, file, "amendments",
                                            lambda a, key: {**a, "changes": check_changes(a.get("changes", []), file, key)},
                                            texts_checked)
        record = cls({k: out[k] for k in ORDER if k in out})
        return record if guidance is None else record.against(guidance, file)

    def against(self, guidance: Guidance, file: object = None) -> Record:
        """This record (validated by from_dict without guidance) checked against the guidance too: its answers
        read as the flowchart's, its references (method, categories, bases...) and checklists known. The same
        as from_dict(data, guidance=...), without validating every table a second time: a new machine's index
        and its verification share one reading of each record (index.parse)."""
        out = dict(self.data)
        answers = read_answers(out.get("when"), out.get("context"), guidance, file=file)
        if "when" in out:
            out["when"] = answers.when()
        if "context" in out:
            out["context"] = answers.context()
        check_references(out, guidance, file)
        check_sensitivity(out, guidance, file)
        if "checklists" in out:
            out["checklists"] = check_checklists(out["checklists"], guidance, file)
        return type(self)({k: out[k] for k in ORDER if k in out})

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
        need = lambda key: missing.append(key) if blank(self.get(key)) else None  # noqa: E731
        need("ruleset.id")
        need("decided.by")
        need("decided.organisation")
        if blank(self.get("subject.name")) and blank(self.get("subject.reference")):
            missing.append("subject.name or subject.reference")
        if "request" in self.data:
            for key in ("requester", "agency", "asked_for", "received"):
                need(f"request.{key}")
        if not blank(self.get("ruleset.id")) and self.get("ruleset.id") in guidance.rulesets:
            decision = self.decide(guidance)
            missing.extend(m for m in decision.missing if m not in missing)
            engine = decision.outcome
        else:
            engine = None
        need("decision.recorded")
        need("decision.reasons")
        recorded = self.recorded
        if engine and recorded and departs(engine, recorded):  # advice sought does not excuse it
            need("decision.override_reason")
        if engine == "seek-advice":
            if not self.get("advice.sought"):
                missing.append("advice.sought (the flowchart says seek advice)")
            else:
                need("advice.from")
        elif self.get("advice.sought"):
            need("advice.from")
        if recorded in SHARING_DECISIONS:
            for key in ("recipient.agency", "sharing.information", "sharing.data_categories", "sharing.purpose",
                        "sharing.shared_on", "sharing.method", "sharing.onward_sharing", "sharing.fact_and_opinion",
                        "transparency.told"):
                need(key)
            if self.get("transparency.told") is False:
                need("transparency.not_told_reason")
            missing.extend(m for m in missing_by_law(self, guidance) if m not in missing)
        if blank(self.get("retention.review_on")) and blank(self.get("retention.retain_until")):
            missing.append("retention.review_on or retention.retain_until")
        return missing


def departs(engine: str | None, recorded: str | None) -> bool:
    """Does the practitioner's recorded decision depart from the engine's outcome? The one rule: a final
    record that departs needs an override reason, and the overrides report lists those that do. Seeking
    advice, or sharing part of what the engine would share, is not a departure."""
    if not engine or not recorded:
        return False
    if engine == "share":
        return recorded == "do-not-share"
    if engine == "do-not-share":
        return recorded != "do-not-share"
    return False


# the keys of a record's summary, in order (the index's `rows` table has a column of each name)
SUMMARY = ("id", "created", "status", "outcome", "decision", "recipient", "ruleset", "response_due", "review_on",
           "amendments")


def summary(record: Record) -> dict[str, Any]:
    """The one summary of a record: what a list shows of it (`isp list --json`; the index's summaries are these
    keys, read from its columns)."""
    return {
        "id": record.id,
        "created": record.get("created"),
        "status": record.status,
        "outcome": record.engine_outcome,
        "decision": record.recorded,
        "recipient": record.get("recipient.agency"),
        "ruleset": record.get("ruleset.id"),
        "response_due": record.get("request.response_due"),
        "review_on": record.get("retention.review_on"),
        "amendments": len(record.data.get("amendments", [])),
    }


def outcome_table(record: Record, guidance: Guidance) -> dict[str, Any]:
    """The record's [outcome] table: what the engine gives its answers under its ruleset (computed, never typed)."""
    decision = record.decide(guidance)
    return {"engine": decision.outcome, "path": list(decision.path),
            "reasons": [r.as_dict() for r in decision.reasons], "warnings": [w.as_dict() for w in decision.warnings]}
