"""The ICO's data sharing decision form (Data Sharing Code, Annex B) from a record: `isp export ID --format
ico-decision-form` (Markdown) and `ico-decision-form-html`. The organisation's answers come from the partner
register or the config's [organisation] table; what nothing answers is "not recorded", never invented."""

from __future__ import annotations

from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from isp_tui.export_ico import NOT_RECORDED, form_labels, ico_form
from isp_tui.identity import Identity
from isp_tui.store import Store

from conftest import PRACTITIONER
from factory import final_record

WHEN = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
NECESSITY = "Fictional: the enquiry cannot proceed without the attendance summary."
ORGANISATION = '''name = "Test Borough Children's Services"
[organisation]
name = "Test Borough Children's Services"
controller_relationship = "separate"
dpia_considered = "Fictional: yes, the safeguarding DPIA of 2026 covers this sharing."
security = "Fictional: sent by secure email only."
'''


def save(records, guidance, **overrides):
    overrides["decision"] = {"necessity": NECESSITY, **overrides.get("decision", {})}
    data = final_record(guidance, **overrides)
    return Store(records).save(data, guidance, Identity.parse(PRACTITIONER)).record


def answers(record, guidance, arrangements=None) -> dict[str, str]:
    return {a.id: a.value for a in ico_form(record, guidance, arrangements)}


def test_the_form_has_the_icos_24_questions_in_order_answered_from_the_record(records, guidance):
    record = save(records, guidance)
    form = ico_form(record, guidance)
    labels = form_labels(guidance)
    assert [a.n for a in form] == list(range(1, 25)) and "ico.org.uk" in labels["source"]
    assert form[0].label == "Name of organisation receiving request to share data"
    assert form[-1].label == "Signed: Dated:" and form[9].label == "Why is sharing ‘necessary’?"
    got = answers(record, guidance)
    assert got["receiving"] == "Test Borough Children's Services" and got["requesting"] == "Test Police Force"
    assert got["requester"] == "Test Requester" and got["received"] == "2026-11-02"
    assert got["data_requested"] == "Attendance and welfare concerns" and got["necessary"] == NECESSITY
    assert got["purpose"] == "Section 47 enquiry (test)" and got["dates"] == "2026-11-03"
    assert "(ukgdpr-art6-1e)" in got["lawful_basis"] and "art9" not in got["lawful_basis"]
    assert "(ukgdpr-art9-2g)" in got["special_conditions"] and "(dpa2018-sch1-pt2-para18)" in got["special_conditions"]
    assert "(ca1989-s47)" in got["legal_power"] and got["part3"] == NOT_RECORDED
    assert got["decision"] == "Share" and got["reasons"].startswith("Fictional test: risk of significant harm")
    assert got["decided_by"].startswith("Test Practitioner") and "Test social worker" in got["decided_by"]
    assert got["signed"].startswith("Test Practitioner") and str(record.get("decided.at"))[:10] in got["signed"]
    # the organisation holds these: with no register entry and no config, none is invented
    for field in ("controller_relationship", "agreement", "dpia_considered", "dpia_outcome", "dpo_views",
                  "retention", "security", "individuals_rights"):
        assert got[field] == NOT_RECORDED, field


def test_the_organisations_answers_come_from_the_partner_register_and_the_config(records, guidance):
    record = save(records, guidance, recipient={"agency": "Leicestershire Police"})
    got = answers(record, guidance, {"controller_relationship": "separate", "security": "Fictional: secure email."})
    assert got["agreement"].startswith("Yes: Leicester, Leicestershire and Rutland Information Sharing Agreement")
    assert "Leicestershire Police is a signatory" in got["agreement"]
    assert got["controller_relationship"] == "Separate" and got["security"] == "Fictional: secure email."
    assert got["dpia_outcome"] == NOT_RECORDED
    refused = save(records, guidance, decision={"recorded": "do-not-share", "reasons": "Fictional: not necessary.",
                                                "override_reason": "Fictional: the school holds it."},
                   sharing=None, consent=None, transparency=None)
    got = answers(refused, guidance)
    assert got["decision"] == "Do not share" and got["dates"] == "Not shared"
    assert "Departing from the flowchart's outcome (share): Fictional: the school holds it." in got["reasons"]


def test_a_register_states_its_arrangements_once_for_every_signatory(tmp_path):
    from isp_tui.errors import InputError
    from isp_tui.guidance.load import load_register

    path = tmp_path / "test.toml"
    path.write_text('id = "test"\ntitle = "Test agreement"\nsource = "test"\n'
                    '[arrangements]\nretention = "Fictional: deleted after 6 years."\n'
                    '[[agencies]]\nid = "a"\nname = "Test Agency"\ngroup = "Test"\nstatutory = true\n')
    assert load_register(path).arrangements == {"retention": "Fictional: deleted after 6 years."}
    path.write_text(path.read_text().replace("retention =", "keeping ="))
    with pytest.raises(InputError, match="unknown: keeping"):
        load_register(path)


class Page(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.tags: list[str] = []
        self.loads: list[str] = []
        self.text = ""
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.loads += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text += data


def test_isp_export_ico_decision_form_markdown_and_html_with_the_config(records, guidance, isp, tmp_path, monkeypatch):
    record = save(records, guidance)
    config = tmp_path / "config.toml"
    config.write_text(ORGANISATION.split("\n", 1)[1])
    monkeypatch.setenv("ISP_CONFIG", str(config))
    md = isp("export", record.id, "--format", "ico-decision-form").stdout
    assert md.startswith(f"# Data sharing decision form: record {record.id}")
    assert "| 6 | Data controller relationship: Joint / Separate | Separate | organisation \\(config\\) |" in md
    assert "| 15 | DPIA undertaken and outcome \\(if applicable\\) | not recorded |  |" in md
    assert "the safeguarding DPIA of 2026" in md and f"Record {record.id}, status final" in md  # the footer
    page = isp("export", record.id, "--format", "ico-decision-form-html").stdout
    parsed = Page(page)
    assert "script" not in parsed.tags and parsed.loads == [] and parsed.tags.count("tr") == 25
    assert "Fictional: sent by secure email only." in parsed.text and "Which legal power for sharing applies" in parsed.text
    redacted = isp("export", record.id, "--format", "ico-decision-form", "--redact").stdout
    assert "Test Requester" not in redacted and "REDACTED COPY" in redacted


@pytest.mark.parametrize("table, message", [
    ('[organisation]\nname = "Test Org"\ndpia = "yes"\n', "unknown key(s) dpia"),
    ('[organisation]\ncontroller_relationship = "both"\n', "expected one of: joint, separate"),
    ('[organisation]\nsecurity = 3\n', "expected a string"),
    ('organisation = 3\n', "expected a string or a table"),
])
def test_a_bad_organisation_table_is_refused_with_a_clear_message(records, guidance, isp, tmp_path, monkeypatch,
                                                                  table, message):
    record = save(records, guidance)
    config = tmp_path / "config.toml"
    config.write_text(table)
    monkeypatch.setenv("ISP_CONFIG", str(config))
    result = isp("export", record.id, "--format", "ico-decision-form", check=2)
    assert message in result.stderr and "organisation" in result.stderr


def test_the_organisation_table_names_the_organisation_as_the_string_did(tmp_path):
    from isp_tui.config import load_config

    config = tmp_path / "config.toml"
    config.write_text(ORGANISATION.split("\n", 1)[1])
    loaded = load_config(config)
    assert loaded.organisation == "Test Borough Children's Services"
    assert loaded.arrangements["controller_relationship"] == "separate" and "name" not in loaded.arrangements
