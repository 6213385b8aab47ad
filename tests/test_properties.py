"""Property-based tests (hypothesis): the record round trip, diff and apply_changes, and the engine's invariants.

Generated records are fictional by construction (random text, example ids); the engine is exercised over
every combination of answers hypothesis cares to try, for every ruleset.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isp_tui.engine import OUTCOMES, Answers, decide
from isp_tui.guidance import ANSWERS, load_guidance
from isp_tui.record import (AMENDMENT, CHECKLIST_ANSWERS, RECORDED, SCHEMA_VERSION, SECTIONS, Record, apply_changes, diff,
                            new_id)
from isp_tui.errors import UNPRINTABLE

GUIDANCE = load_guidance()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- generated records ---------------------------------------------------------------------------------------

# text a person may type: anything but control, format, surrogate, private-use and direction-override
# characters, which check_text refuses; newlines and tabs are allowed, and so are TOML's own quote marks
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=UNPRINTABLE,  # direction overrides are Cf
                          whitelist_characters="\n\t"), max_size=40),
    st.sampled_from(['"""', "'''", "\\", "\\n", '"', "'", "[bold red]x[/]", "[link=https://example.invalid]x[/link]",
                     "line\nline", "trailing\\", "\t", "# not a comment", "key = value", "Test Child Ω ☃ 𝔘"]),
)
DAY = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
MOMENT = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc))
VALUE = {str: TEXT, bool: st.booleans(), date: DAY, datetime: MOMENT, list: st.lists(TEXT, max_size=3),
         int: st.integers(min_value=1, max_value=SCHEMA_VERSION)}  # int: decided.schema


def table(spec: dict[str, type]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={key: VALUE[kind] for key, kind in spec.items()})


def sections() -> st.SearchStrategy[dict]:
    optional = {name: table(spec) for name, spec in SECTIONS.items()
                if name not in ("ruleset", "decision", "sharing")}
    optional["decision"] = table(SECTIONS["decision"]).flatmap(
        lambda d: st.sampled_from(RECORDED).map(lambda r: {**d, "recorded": r}) if "recorded" in d else st.just(d))
    sharing = {k: v for k, v in SECTIONS["sharing"].items() if k not in ("method", "data_categories")}
    optional["sharing"] = st.tuples(table(sharing), st.none() | st.sampled_from(sorted(GUIDANCE.methods)),
                                    st.lists(st.sampled_from(sorted(GUIDANCE.categories)), unique=True, max_size=3)).map(
        lambda t: {**t[0], **({"method": t[1]} if t[1] else {}), "data_categories": t[2]})
    return st.fixed_dictionaries({}, optional=optional)


WHEN = st.fixed_dictionaries({}, optional={
    "legitimate_purpose": st.sampled_from(ANSWERS["legitimate_purpose"]),
    "consent": st.sampled_from(ANSWERS["consent"]),
    "consent_not_sought_reason": st.sampled_from(GUIDANCE.consent_not_sought_reasons()),
    "identifiable": st.sampled_from(ANSWERS["identifiable"]),
    "lawful_basis": st.lists(st.sampled_from(sorted(GUIDANCE.bases)), unique=True, max_size=4),
    "confidential": st.sampled_from(ANSWERS["confidential"]),
})
CONTEXT = st.fixed_dictionaries({}, optional={
    key: st.booleans() for key in ("special_category", "recipient_statutory", "subject_is_child", "early_help")
} | {"child_capacity": st.sampled_from(("yes", "no", "unsure"))})
CHECKLISTS = st.dictionaries(
    st.sampled_from(sorted(GUIDANCE.checklists)), st.just(None), max_size=2).flatmap(
    lambda chosen: st.fixed_dictionaries({
        cid: st.dictionaries(st.sampled_from([i.id for i in GUIDANCE.checklists[cid].items]),
                             st.sampled_from(CHECKLIST_ANSWERS), max_size=4) for cid in chosen}))
CHANGE_VALUE = st.one_of(TEXT, st.booleans(), DAY, st.lists(TEXT, max_size=2))
CHANGE = st.fixed_dictionaries({"field": st.sampled_from(["sharing.time_limits", "retention.review_on", "decision.reasons"])},
                               optional={"before": CHANGE_VALUE, "after": CHANGE_VALUE})
AMENDMENTS = st.lists(st.fixed_dictionaries({
    "id": st.builds(new_id), "at": MOMENT, "by": TEXT, "reason": TEXT, "changes": st.lists(CHANGE, max_size=3)}),
    max_size=2)


@st.composite
def records(draw, *, final: bool | None = None) -> Record:
    data = draw(sections())
    data.update(schema=SCHEMA_VERSION, id=new_id(), status=draw(st.sampled_from(("draft", "final"))) if final is None else
                ("final" if final else "draft"), created=draw(MOMENT))
    ruleset = GUIDANCE.rulesets[draw(st.sampled_from(sorted(GUIDANCE.rulesets)))]
    data["ruleset"] = ruleset.pin()
    data["when"], data["context"] = draw(WHEN), draw(CONTEXT)
    shared = [GUIDANCE.categories[c] for c in data.get("sharing", {}).get("data_categories", [])]
    if any(c.special_category for c in shared) and data["context"].get("special_category") is False:
        data["context"]["special_category"] = True  # a record saying otherwise is refused (see test_record.py)
    checklists = draw(CHECKLISTS)
    if checklists:
        data["checklists"] = checklists
    record = Record.from_dict(data, guidance=GUIDANCE)
    decision = record.decide(GUIDANCE)
    record.data["outcome"] = {"engine": decision.outcome, "path": list(decision.path),
                              "reasons": [r.as_dict() for r in decision.reasons],
                              "warnings": [w.as_dict() for w in decision.warnings]}
    amendments = draw(AMENDMENTS)
    if amendments:
        record.data["amendments"] = amendments
    return Record.from_dict(record.data, guidance=GUIDANCE)


@SETTINGS
@given(records())
def test_record_round_trip(record):
    """Any valid record written as TOML reads back equal, and writing it again gives the same bytes."""
    text = record.to_toml()
    again = Record.from_toml(text.encode("utf-8"), "generated.toml", guidance=GUIDANCE)
    assert again.data == record.data
    assert again.to_toml() == text


@SETTINGS
@given(records(), records())
def test_diff_then_apply_gives_the_other_record(a, b):
    changes = diff(a, b)
    assert Record(apply_changes(a.data, changes)).flat() == b.flat()
    # and the changes run backwards give the first again
    backwards = [{"field": c["field"], **({"before": c["after"]} if "after" in c else {}),
                  **({"after": c["before"]} if "before" in c else {})} for c in changes]
    assert Record(apply_changes(b.data, backwards)).flat() == a.flat()


@SETTINGS
@given(records())
def test_diff_with_itself_is_empty_and_diff_names_each_field_once(a):
    assert diff(a, a) == []
    assert apply_changes(a.data, []) == a.data


@SETTINGS
@given(records(), records())
def test_diff_names_each_changed_field_once(a, b):
    fields = [c["field"] for c in diff(a, b)]
    assert len(fields) == len(set(fields))
    assert set(fields) == {k for k in set(a.flat()) | set(b.flat()) if a.flat().get(k) != b.flat().get(k)}


def test_amendment_spec_is_what_the_generator_makes():
    assert set(AMENDMENT) == {"id", "at", "by", "reason", "changes"}


# -- the engine ------------------------------------------------------------------------------------------------

MAYBE = lambda values: st.sampled_from((None, *values))  # noqa: E731 - None: not yet answered
TODAY = date(2026, 12, 1)
ENGINE_ANSWERS = st.builds(
    Answers,
    legitimate_purpose=MAYBE(ANSWERS["legitimate_purpose"]),
    consent=MAYBE(ANSWERS["consent"]),
    consent_not_sought_reason=MAYBE(GUIDANCE.consent_not_sought_reasons()),
    identifiable=MAYBE(ANSWERS["identifiable"]),
    confidential=MAYBE(ANSWERS["confidential"]),
    lawful_basis=st.none() | st.lists(st.sampled_from(sorted(GUIDANCE.bases)), unique=True, max_size=5).map(tuple),
    special_category=st.none() | st.booleans(),
    recipient_statutory=st.none() | st.booleans(),
    subject_is_child=st.none() | st.booleans(),
    child_capacity=MAYBE(("yes", "no", "unsure")),
    early_help=st.booleans(),
    consent_by=MAYBE(("subject", "parent", "other")),
    consent_how=MAYBE(("verbal", "written", "signed", "explicit")),
    sharer_public_authority=st.none() | st.booleans(),
    decision_date=st.sampled_from((TODAY, date(2016, 6, 1))),
)


# the same, but down to the last question (a lawful reason without consent), where the seeds' rules bite
WITHOUT_CONSENT = st.builds(
    Answers, legitimate_purpose=st.just("yes"), consent=st.sampled_from(("refused", "withdrawn", "not-sought")),
    consent_not_sought_reason=MAYBE(GUIDANCE.consent_not_sought_reasons()), identifiable=st.just("yes"),
    confidential=st.sampled_from(("yes", "no")),
    lawful_basis=st.lists(st.sampled_from(sorted(GUIDANCE.bases)), unique=True, max_size=5).map(tuple),
    special_category=st.none() | st.booleans(), recipient_statutory=st.none() | st.booleans(),
    subject_is_child=st.none() | st.booleans(), child_capacity=MAYBE(("yes", "no", "unsure")), early_help=st.booleans(),
    sharer_public_authority=st.none() | st.booleans(), decision_date=st.just(TODAY),
    data_categories=st.lists(st.sampled_from(sorted(GUIDANCE.categories)), unique=True, max_size=3).map(tuple),
)
# the parts of the test that make personal data lawful to share without consent, in each law
GENERAL_PARTS = {"gdpr": "art6", "dpa1998": "sch2"}
SPECIAL_PARTS = {"gdpr": {"art9", "sch1"}, "dpa1998": {"sch3"}}


def usable(answers, day):
    """The cited bases that can be relied on: in force on the day, counted, gateways to this recipient."""
    return [GUIDANCE.bases[b] for b in answers.lawful_basis or () if GUIDANCE.bases[b].in_force_on(day)
            and not GUIDANCE.bases[b].not_counted and not GUIDANCE.bases[b].needs_consent
            and (not GUIDANCE.bases[b].statutory_bodies_only or answers.recipient_statutory)]


@pytest.mark.parametrize("ruleset_id", sorted(GUIDANCE.rulesets))
@settings(max_examples=300, deadline=None)
@given(answers=st.one_of(ENGINE_ANSWERS, WITHOUT_CONSENT))
def test_engine_invariants(ruleset_id, answers):
    ruleset = GUIDANCE.rulesets[ruleset_id]
    decision = decide(answers, ruleset, GUIDANCE)
    day = answers.decision_date
    law = "gdpr" if day >= date(2018, 5, 25) else "dpa1998"
    # total: always one of the four outcomes, and the same one every time (a pure function)
    assert decision.outcome in OUTCOMES
    assert decide(answers, ruleset, GUIDANCE) == decision
    # the path starts where the flowchart starts and follows it without repeating a question
    assert decision.path[0] == "legitimate_purpose" == ruleset.first_question
    assert len(set(decision.path)) == len(decision.path)
    for here, there in zip(decision.path, decision.path[1:]):
        assert there in ruleset.question(here).next.values()
    answered = {q: getattr(answers, q) for q in ("legitimate_purpose", "consent", "identifiable", "confidential")}
    # unsure anywhere on the path: seek advice (golden rule 3), and nothing follows it
    if any(answered.get(q) == "unsure" for q in decision.path):
        assert decision.outcome == "seek-advice"
        assert answered.get(decision.path[-1]) == "unsure"
    # no legitimate purpose: never share
    if answers.legitimate_purpose == "no":
        assert decision.outcome == "do-not-share" and decision.path == ("legitimate_purpose",)
    # incomplete exactly when something on the path is unanswered; what is missing is named, and an outcome
    # other than incomplete leaves nothing missing
    if decision.outcome == "incomplete":
        assert decision.missing
        last = decision.path[-1]
        assert answered.get(last) is None if last not in ("consent", "lawful_basis") else True
    else:
        assert decision.missing == ()
        assert all(answered[q] is not None for q in decision.path if q in answered)
    # consent not sought with no reason recorded: nothing but incomplete (003 s5; 003 Appendix A)
    if answers.consent == "not-sought" and not answers.consent_not_sought_reason and "consent" in decision.path:
        assert decision.outcome == "incomplete"
    # sharing without consent of identifiable information needs a usable general condition in force on the day;
    # with special category data also a special-category condition (000 A 6.2, 7.2; UK GDPR Art 6, 9)
    if decision.outcome == "share" and decision.path[-1] == "lawful_basis":
        parts = {p for b in usable(answers, day) for p in b.satisfies}
        assert GENERAL_PARTS[law] in parts
        if answers.special_category:
            assert parts & SPECIAL_PARTS[law]
        # consent recorded as given reaches this question only when it is not valid, and the reason says why
        if answers.consent == "given":
            assert {"consent-not-informed", "child-cannot-consent", "consent-by-other", "adult-cannot-consent",
                    "consent-deceased"} & {r.code for r in decision.reasons}
    # special category data without a condition never yields share without consent
    if answers.special_category and answers.consent != "given" and answers.identifiable == "yes" and not any(
            {"art9", "sch1", "sch3"} & set(b.satisfies) for b in usable(answers, day)):
        assert decision.outcome != "share" or decision.path[-1] != "lawful_basis"
    # s115 (statutory bodies only) is no gateway to a non-statutory recipient
    if answers.recipient_statutory is False and decision.outcome == "share" and decision.path[-1] == "lawful_basis":
        assert any(not b.statutory_bodies_only and GENERAL_PARTS[law] in b.satisfies for b in usable(answers, day))
    # Early Help is never shared without consent (001 3.2; 003 Appendix B)
    if answers.early_help and answers.consent != "given":
        assert decision.outcome != "share"
    # every reason names where it comes from
    assert all(f.source for f in decision.reasons + decision.warnings)


def read_both_ways(raw: bytes):
    """A record file read with each string checked on its own, and with the whole file checked at once where
    schema.texts_pass vouches for it (a new machine's reading): (the record or the error's words) each way."""
    from isp_tui.errors import InputError
    from isp_tui.record.schema import texts_pass

    answers = []
    for at_once in (False, texts_pass(raw)):
        try:
            answers.append(Record.from_dict(Record.toml_tables(raw, "generated.toml"), "generated.toml",
                                            texts_checked=at_once).data)
        except InputError as exc:
            answers.append(str(exc))
    return answers


ANY_TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["\x1b[31m", "\u202e", "\u200b", "\r", "\x7f", "\x85",
                                                           "\ufeff", "\ue000", "x" * 20_001, "é\u2066"]))


@SETTINGS
@given(records(), st.sampled_from(["decision.reasons", "subject.name", "sharing.information", "request.agency"]),
       ANY_TEXT)
def test_a_file_checked_at_once_reads_as_one_checked_string_by_string(record, field, text):
    """Whatever a text holds (control, escape, direction-override, zero-width, private-use characters, a text too
    long), the whole-file check and the string-by-string check give the same record or the same message."""
    section, key = field.split(".")
    record.data.setdefault(section, {})[key] = text
    raw = record.to_toml().encode("utf-8")
    by_string, at_once = read_both_ways(raw)
    assert at_once == by_string


@pytest.mark.parametrize("line", ['reasons = "tab\\there"', 'reasons = "a \\u001b escape"', 'reasons = "bell \\b"',
                                  "reasons = 'raw\ttab'", 'reasons = "cr\\r"', "reasons = '\u202e'",
                                  'reasons = "\\u00e9 fine"', 'reasons = """two\r\nlines"""',
                                  "reasons = 'C:\\users\\test'"])
def test_raw_characters_and_escapes_read_the_same_either_way(line):
    record = Record.from_dict(Record.toml_tables(final_like().encode(), "t.toml"), "t.toml")
    raw = (record.to_toml().replace('reasons = "Fictional', f'{line}\nold_reasons = "Fictional', 1)
           .replace("old_reasons", "override_reason")).encode("utf-8")
    by_string, at_once = read_both_ways(raw)
    assert at_once == by_string


def final_like() -> str:
    from factory import final_record

    data = final_record(GUIDANCE)
    data.update(schema=SCHEMA_VERSION, id=new_id(), status="final", created=datetime(2026, 11, 21, tzinfo=timezone.utc))
    data["ruleset"] = GUIDANCE.rulesets["gdpr-2018"].pin()
    return Record.from_dict(data).to_toml()
