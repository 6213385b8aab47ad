"""The README's answers file and record file are examples a reader copies: they must decide and validate."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from isp_tui.engine import decide, read_answers
from isp_tui.record import Record

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def example(section: str) -> dict:
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return tomllib.loads(re.search(r"```toml\n(.*?)```", body, re.S).group(1))


def test_the_answers_example_decides_share(guidance):
    data = example("The answers file")
    answers = read_answers(data["when"], data["context"], guidance)
    decision = decide(answers, guidance.rulesets[data["ruleset"]], guidance)
    assert (decision.outcome, decision.missing) == ("share", ())
    assert {"met-art6", "met-art9", "met-confidence"} <= {r.code for r in decision.reasons}


def test_the_record_example_validates_and_is_complete(guidance):
    data = example("The record file")
    for table in [k for k, v in data.get("checklists", {}).items() if not v]:
        data["checklists"].pop(table)
    data["decided"]["by"] = "Test Practitioner <test.practitioner@example.invalid>"  # isp fills it in
    record = Record.from_dict(data, guidance=guidance, new=True)
    assert record.decide(guidance).outcome == "share"
    assert record.missing_for_final(guidance) == []
    for category in data["sharing"]["data_categories"]:
        assert category in guidance.categories
