"""What the law asks a record to say, beyond what the flowchart asks (issue 12): the checks a record's own
fields must pass, written once here and applied by `Record.from_dict` and `Record.missing_for_final`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.record.schema import blank

if TYPE_CHECKING:
    from isp_tui.record.model import Record

# True once the app's decision form asks why sharing is necessary and who consented and how; until then only
# `isp record` files are held to those two (the others below are always required).
FORM_ASKS_LAW_FIELDS = False


def missing_by_law(record: Record, guidance: Guidance) -> list[str]:
    """What the law asks a record of sharing to say: why sharing is necessary (ICO Annex B); the public-interest
    reasoning when confidential information is shared without consent (000 13.3.4); who consented and whether
    it was informed (003 App A; 004); a competent child's view beside a parent's."""
    missing: list[str] = []

    def need(key: str) -> None:
        if blank(record.get(key)):
            missing.append(key)

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
    naming both fields: what is shared decides the checks."""
    categories = [guidance.categories[c] for c in out.get("sharing", {}).get("data_categories", [])
                  if c in guidance.categories]
    for flag, words in (("special_category", "special category"), ("criminal_offence", "criminal offence")):
        shared = [c.title for c in categories if getattr(c, flag)]
        if shared and out.get("context", {}).get(flag) is False:
            raise InputError(f"is false, but sharing.data_categories shares {words} data ({'; '.join(shared)}): "
                             f"set context.{flag} = true or change sharing.data_categories", file=file,
                             field=f"context.{flag}")
