"""The templates quote the source documents faithfully (issue 12: the law is got from the sources, not the tests).

Every paragraph of templates/ that starts with a seed tag such as `[003 Appendix A]` is found, word for word, in
that seed (../shared/seeds/00N_*.txt): `…` marks an omission and `[square brackets]` an editorial substitution, so
each fragment between them is checked; the seeds' markdown bold (**) and line breaks are not part of the words.
Skipped where the seeds are not beside the checkout.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds"]
SEEDS = next((p for p in CANDIDATES if p.is_dir()), None)
TAG = re.compile(r"\s*\[(\d{3})[^\]]*\]\s*(.*)", re.S)


def words(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def quoted(value: object, where: str):
    """(where, seed number, fragment) for every quoted fragment under a seed tag in a template value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from quoted(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from quoted(inner, f"{where}[{n}]")
    elif isinstance(value, str):
        for paragraph in re.split(r"\n\s*\n", value):
            match = TAG.match(paragraph)
            if not match:
                continue
            for line in match.group(2).split("\n"):
                for fragment in re.split(r"…|\[[^\]]*\]", re.sub(r"^- ", "", line.strip())):
                    fragment = words(fragment).strip(" .,;:")
                    if len(fragment) > 25:
                        yield where, match.group(1), fragment


@pytest.mark.skipif(SEEDS is None, reason="the seed documents are not beside this checkout")
def test_every_tagged_quotation_in_the_templates_is_in_its_seed():
    seeds = {p.name[:3]: words(p.read_text()) for p in SEEDS.glob("0*.txt")}
    files = sorted((ROOT / "templates").glob("*.toml")) + sorted((ROOT / "templates" / "rulesets").glob("*.toml"))
    checked, wrong = 0, []
    for path in files:
        for where, seed, fragment in quoted(tomllib.loads(path.read_text()), path.name):
            checked += 1
            if fragment not in seeds.get(seed, ""):
                wrong.append(f"{where}: [{seed}] {fragment[:100]}")
    assert checked > 300  # (396 fragments when this was written)
    assert not wrong, "\n".join(wrong)


@pytest.mark.skipif(SEEDS is None, reason="the seed documents are not beside this checkout")
def test_the_grounds_for_not_seeking_consent_are_attributed_to_the_seed_that_says_them():
    """003 s5 and 003 Appendix A (statutory duty, court order); 002 Myth-busting guide and DPA 2018 Sch 1 para 18(2)
    (cannot consent, not reasonable): each ground's text is found in the seed its guidance names first."""
    seeds = {p.name[:3]: words(p.read_text()) for p in SEEDS.glob("0*.txt")}
    checklists = tomllib.loads((ROOT / "templates" / "checklists.toml").read_text())["checklists"]
    items = {i["id"]: i for i in next(c for c in checklists if c["id"] == "consent-not-sought")["items"]}
    for ground, seed in (("statutory-duty", "003"), ("court-order", "003")):
        for fragment in re.split(r"…", items[ground]["text"]):
            assert words(fragment).strip(" .") in seeds[seed], ground
    for ground in ("cannot-consent", "not-reasonable"):
        assert items[ground]["guidance"].lstrip().startswith("[002 Myth-busting guide]")
        assert "Schedule 1 Part 2 paragraph 18(2)" in items[ground]["guidance"]
