"""What the law asks of the answers so far, as the form needs it to decide which fields to show: the record's
own rule (isp_tui.record.law.missing_by_law) read over the form's dict, and which lawful bases are cited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isp_tui.tui.forms.fields import get

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance


class Answers:
    """The form's record dict read by dotted key, as `missing_by_law` reads a Record."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def get(self, key: str) -> Any:
        return get(self.data, key)


def asked_by_law(data: dict[str, Any], guidance: Guidance, key: str) -> bool:
    """Whether the law asks the record for `key` given the answers so far (the record's rule, not a copy)."""
    import copy

    from isp_tui.record.law import missing_by_law
    from isp_tui.tui.forms.fields import put

    unanswered = copy.deepcopy(data)
    put(unanswered, key, None)  # asked, whether or not it is answered yet
    return key in missing_by_law(Answers(unanswered), guidance)  # type: ignore[arg-type]


def cited(data: dict[str, Any]) -> list[str]:
    """The lawful bases cited so far ([] when none, or when the answer is "unsure")."""
    bases = get(data, "when.lawful_basis")
    return list(bases) if isinstance(bases, list) else []


def cites(data: dict[str, Any], *basis_ids: str) -> bool:
    return any(b in cited(data) for b in basis_ids)


def sensitivity(guidance: Guidance, categories: list[str]) -> dict[str, bool]:
    """What the data categories shared say of the data: special category and criminal offence, from
    templates/data_categories.toml (only the flags they raise)."""
    known = [guidance.categories[c] for c in categories if c in guidance.categories]
    return {f"context.{flag}": True for flag in ("special_category", "criminal_offence")
            if any(getattr(c, flag) for c in known)}
