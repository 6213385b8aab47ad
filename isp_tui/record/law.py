"""What the law asks a record to say, beyond what the flowchart asks (issue 12): the checks a record's own
fields must pass, written once here and applied by `Record.from_dict` and `Record.missing_for_final`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.record.migrate import SCHEMA_VERSION
from isp_tui.record.schema import blank

if TYPE_CHECKING:
    from isp_tui.record.model import Record

# The first record schema under which a decision must say why sharing is necessary and who gave consent and
# whether it was informed. A record decided under an earlier schema (decided.schema) was never asked them: it is
# never refused for them, now or when amended. A record not yet decided (a draft, a form) is decided now.
LAW_FIELDS_SCHEMA = 2

# Each field the law asks, by the label the decision form shows it under, and what is expected in it: the words
# a person reads when it is missing (the app names it by the same label; tui/forms/steps.py uses these).
LAW_FIELDS: dict[str, tuple[str, str]] = {
    "decision.necessity": ("Why sharing is necessary (ICO Annex B)",
                           "say why sharing this information is necessary for its purpose: the ICO decision form "
                           "asks \u201cWhy is sharing \u2018necessary\u2019?\u201d (ICO data sharing code, Annex B)"),
    "when.consent_by": ("Who gave consent?",
                        "subject (the person themselves, or a child with the capacity to consent), parent (a person "
                        "with parental responsibility) or other (003 Appendix A)"),
    "when.consent_informed": ("Was the consent informed (why, who, how much, the implications: see the checklist "
                              "beside)?",
                              "true or false: whether the person understood why, with whom, how much would be "
                              "shared and the implications (004 Obtaining consent)"),
}


WITHOUT_CONSENT = ("refused", "withdrawn", "not-sought")  # consent answers under which sharing is without consent


def decided_under(record: Record) -> int:
    """The record schema a record was decided under: a final record says it (decided.schema); one not yet decided
    is decided under today's."""
    schema = record.get("decided.schema")
    return schema if isinstance(schema, int) and not isinstance(schema, bool) else SCHEMA_VERSION


def in_words(missing: list[str]) -> list[str]:
    """Missing items as a message names them: a field the law asks by its label, its key and what is expected;
    the others as they are."""
    out = []
    for item in missing:
        if item in LAW_FIELDS:
            label, expected = LAW_FIELDS[item]
            short = re.sub(r"\s*\([^)]*\)", "", label)  # without the form's instructions in brackets
            out.append(f"\u201c{short}\u201d ({item}: {expected})")
        else:
            out.append(item)
    return out


def missing_by_law(record: Record, guidance: Guidance) -> list[str]:
    """What the law asks a record of sharing to say: why it is shared without consent, where it is; why sharing is
    necessary (ICO Annex B); the public-interest reasoning when confidential information is shared without
    consent (000 13.3.4); who consented and whether it was informed (003 App A; 004); a competent child's view
    beside a parent's. Necessity and the consent details only of a record decided under schema 2 or later
    (LAW_FIELDS_SCHEMA)."""
    missing: list[str] = []

    def need(key: str) -> None:
        if blank(record.get(key)):
            missing.append(key)

    consent = record.get("when.consent")
    if consent in WITHOUT_CONSENT:  # shared without consent: the record says why
        need("consent.explanation")
    public_interest = "common-law-public-interest" in (record.get("when.lawful_basis") or [])
    if consent != "given" and (record.get("when.confidential") == "yes" or public_interest):
        need("decision.public_interest")
    if record.get("when.consent_by") == "parent" and record.get("context.child_capacity") == "yes":
        need("consent.child_view")
    if decided_under(record) >= LAW_FIELDS_SCHEMA:
        need("decision.necessity")
        if consent == "given":
            need("when.consent_by")
            if record.get("when.consent_informed") is None:
                missing.append("when.consent_informed")
    return missing


def check_sensitivity(out: dict[str, Any], guidance: Guidance, file: object) -> None:
    """A record that shares special category (or criminal offence) data while saying it does not is refused,
    naming both fields: what is shared decides the checks."""
    categories = [guidance.categories[c] for c in out.get("sharing", {}).get("data_categories", [])
                  if c in guidance.categories]
    for flag, words in (("special_category", "special category"), ("criminal_offence", "criminal offence")):
        shared = [c.title for c in categories if getattr(c, flag)]
        if shared and out.get("context", {}).get(flag) is False:
            raise InputError(f"is false, but sharing.data_categories shares {words} data ({'; '.join(shared)}): "
                             f"set context.{flag} = true or change sharing.data_categories", file=file,
                             field=f"context.{flag}")
