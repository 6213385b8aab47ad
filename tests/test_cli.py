"""The `isp` command: in-process through `main(argv)` (the `isp` fixture), and the real console script and
`python -m isp_tui` in a subprocess for the exit codes a shell sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from isp_tui.cli import EXIT_FAIL, EXIT_INPUT, EXIT_OK, main
from isp_tui.record import SCHEMA_VERSION

from conftest import git, write_toml
from factory import final_record


def test_decide_json(isp, tmp_path):
    answers = write_toml(tmp_path / "answers.toml", {
        "ruleset": "gdpr-2018",
        "when": {"legitimate_purpose": "yes", "consent": "refused", "identifiable": "yes", "lawful_basis": []},
        "context": {"special_category": False, "recipient_statutory": True},
    })
    out = isp.json("decide", str(answers))
    assert out["outcome"] == "do-not-share"
    assert out["path"] == ["legitimate_purpose", "consent", "identifiable", "lawful_basis"]
    assert set(out) >= {"outcome", "path", "reasons", "warnings", "missing"}
    assert not (isp.records / ".git").exists()  # decide writes nothing


def test_decide_plain(isp, tmp_path):
    answers = write_toml(tmp_path / "a.toml", {"when": {"legitimate_purpose": "unsure"}})
    out = isp("decide", str(answers)).stdout
    assert "Outcome: seek-advice" in out


@pytest.mark.parametrize("content,expected", [
    ("[when\nconsent = 1", "is not valid TOML"),
    ('[when]\nconsent = "perhaps"', "when.consent: 'perhaps' is not one of"),
    ('[when]\nconsent = 3', "when.consent"),
    ('colour = "blue"', "unknown key(s) colour"),
    ('[context]\nspecial_category = "no"', "context.special_category: expected true or false"),
    ('ruleset = "no-such-ruleset"', "unknown ruleset 'no-such-ruleset'"),
    ("", None),
])
def test_decide_bad_input_names_file_and_field(isp, tmp_path, content, expected):
    path = tmp_path / "answers.toml"
    path.write_text(content)
    result = isp("decide", str(path), check=None)
    if expected is None:  # an empty answers file is simply not answered yet
        assert result.returncode == 0 and "incomplete" in result.stdout
        return
    assert result.returncode == 2
    assert result.stderr.startswith(f"isp: {path}")
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_decide_missing_file(isp, tmp_path):
    result = isp("decide", str(tmp_path / "nope.toml"), check=2)
    assert "nope.toml: file not found" in result.stderr


def test_record_list_show_log_amend(isp, tmp_path, guidance):
    path = write_toml(tmp_path / "decision.toml", final_record(guidance))
    record_id = isp("record", str(path)).stdout.strip()
    assert len(record_id) == 26
    [row] = isp.json("list")
    assert (row["id"], row["status"], row["outcome"], row["decision"]) == (record_id, "final", "share", "share")
    shown = isp.json("show", record_id)
    assert shown["subject"]["reference"] == "TEST-0001"
    assert isp("show", record_id).stdout.startswith(f"schema = {SCHEMA_VERSION}\n")
    change = write_toml(tmp_path / "change.toml", {"sharing": {"time_limits": "Fictional: 12 months"}})
    isp("amend", record_id, str(change), "--reason", "Fictional: time limit agreed")
    log = isp.json("log", record_id)
    assert [r["action"] for r in log["revisions"]] == ["amend", "final"]
    assert log["amendments"][0]["changes"][0]["field"] == "sharing.time_limits"
    assert "Fictional: time limit agreed" in isp("log", record_id).stdout
    assert record_id in isp("log").stdout
    assert git(isp.records, "status", "--porcelain") == ""
    git(isp.records, "fsck", "--strict")


def test_record_draft_and_missing_list(isp, tmp_path, guidance):
    path = write_toml(tmp_path / "d.toml", final_record(guidance, decision=None))
    result = isp("record", str(path), check=2)
    assert "still missing: decision.recorded, decision.reasons" in result.stderr
    assert not (isp.records / ".git").exists() or not git(isp.records, "log", "--all", "--oneline").strip()
    draft = isp.json("record", str(path), "--draft")
    assert draft["status"] == "draft"


@pytest.mark.parametrize("content,expected", [
    ('[subject]\nname = 7', "subject.name: expected a string"),
    ('[sharing]\nshared_on = "yesterday"', "sharing.shared_on: expected a date"),
    ('[sharing]\nmethod = "carrier-pigeon"', "sharing.method: unknown method 'carrier-pigeon'"),
    ('[subjekt]\nname = "x"', "unknown table(s) or key(s) subjekt"),
    ('schema = 99', "schema: schema 99 is newer"),
    ('[decision]\nrecorded = "maybe"', "decision.recorded"),
    ('[subject]\nname = "Test\\u001b[31mChild"', "subject.name: holds a control"),
])
def test_record_bad_input(isp, tmp_path, content, expected):
    path = tmp_path / "r.toml"
    path.write_text(content)
    result = isp("record", str(path), "--draft", check=2)
    assert expected in result.stderr, result.stderr
    assert not (isp.records / ".git").exists() or not git(isp.records, "log", "--all", "--oneline").strip()


def test_records_path_not_a_repository(isp, tmp_path, guidance):
    isp.records.mkdir()
    (isp.records / "something.txt").write_text("fictional")
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    result = isp("record", str(path), check=2)
    assert "is not a git repository and is not empty" in result.stderr
    assert sorted(p.name for p in isp.records.iterdir()) == ["something.txt"]


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nobody may write in: mode 0500, and for root (who ignores modes) the immutable flag."""
    import shutil
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    immutable = False
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("running as root and the filesystem has no immutable flag: root writes anywhere")
        immutable = True
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("where", ["records", "records-existing"])
def test_read_only_directory(isp, tmp_path, guidance, read_only_dir, where):
    """A records path that cannot be created, or an existing repository that cannot be written."""
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    if where == "records":
        isp.records = read_only_dir / "records"
        result = isp("record", str(path), check=2)
        assert "permission denied" in result.stderr.lower()
        assert not isp.records.exists()
    else:
        import subprocess

        isp.records = tmp_path / "existing"
        isp("record", str(path))
        before = git(isp.records, "rev-parse", "HEAD")
        day = next(isp.records.glob("[0-9]*/*/*"))
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(day), str(isp.records / ".git" / "objects")], check=True)
        else:
            os.chmod(day, 0o500)
        try:
            result = isp("record", str(path), check=None)
        finally:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(day), str(isp.records / ".git" / "objects")], check=True)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.startswith("isp: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert git(isp.records, "rev-parse", "HEAD") == before
        assert git(isp.records, "status", "--porcelain") == ""


def test_identity_is_required(isp, tmp_path, guidance):
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    result = isp("record", str(path), identity=None, check=2)
    assert "who is deciding" in result.stderr
    result = isp("record", str(path), identity="not an identity", check=2)
    assert "--as" in result.stderr


def test_unknown_record_id(isp):
    assert "not a record id" in isp("show", "../../etc/passwd", check=2).stderr
    isp("init")  # a read-only command creates no repository (test_cli_width): here there is one to look in
    assert "no record with id" in isp("show", "01JDB3M7Q2X8W5ZK4T9N6E1RVA", check=2).stderr


def test_bases_and_rules(isp):
    bases = isp.json("bases")
    by_id = {b["id"]: b for b in bases}
    assert by_id["cda1998-s115"]["statutory_bodies_only"] is True
    assert by_id["dpa2018-sch1-pt2-para18"]["special_category"] is True
    rules = isp.json("rules", "--ruleset", "dpa-1998")
    assert len(rules["rules"]) == 7
    assert "7." in isp("rules").stdout
    assert "unknown ruleset" in isp("rules", "--ruleset", "nope", check=2).stderr


def test_bases_say_when_each_was_law_and_mark_those_not_in_force_on_the_day(isp):
    """`isp bases` (and --on DATE, to check an old decision): the in-force and repeal dates with their source."""
    today = {b["id"]: b for b in isp.json("bases")}
    lga = today["lga2000-pt1"]
    assert (lga["in_force"], lga["repealed"]) == ("2000-10-18", "2012-04-04")
    assert "legislation.gov.uk/uksi/2012/1008" in lga["in_force_source"]
    assert lga["in_force_on"] is False and lga["state_on"] == "repealed"
    assert today["ca2004-s16la"]["state_on"] == "not yet in force" and today["ca2004-s16la"]["in_force"] is None
    assert today["ca1989-s47"]["in_force_on"] is True
    assert today["common-law-public-interest"]["state_on"] == "not tied to a date"
    in_2012 = {b["id"]: b for b in isp.json("bases", "--on", "2012-04-03")}
    assert in_2012["lga2000-pt1"]["in_force_on"] is True and in_2012["lga2000-pt1"]["on"] == "2012-04-03"
    assert in_2012["ca2004-s16h"]["state_on"] == "not yet in force"
    text = isp("bases", "--on", "2012-04-03").stdout
    assert "checked against 2012-04-03" in text and "NOT IN FORCE on 2012-04-03: not yet in force" in text
    assert "from 2000-10-18, repealed 2012-04-04" in text and "SI 2000/2836" in text
    assert "NOT IN FORCE on 2012-04-03: repealed" not in text.split("id lga2000-pt1")[1].split("\nid ")[0]
    assert "is not a date" in isp("bases", "--on", "2012-13-01", check=2).stderr


def test_usage_errors_exit_2(isp):
    result = isp("frobnicate", check=2)
    assert "invalid choice" in result.stderr


def test_main_runs_in_process_and_keeps_nothing_between_runs(tmp_path, capsys, guidance, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('ruleset = "dpa-1998"\nname = "Test Configured"\nemail = "configured@example.invalid"\n')
    assert main(["--config", str(config), "rules", "--json"]) == EXIT_OK
    assert '"id": "dpa-1998"' in capsys.readouterr().out
    assert main(["rules", "--json"]) == EXIT_OK  # the --config of the run before is not kept
    assert '"id": "gdpr-2018"' in capsys.readouterr().out
    assert main(["--config", str(tmp_path / "missing.toml"), "bases"]) == EXIT_INPUT
    assert "config file not found" in capsys.readouterr().err
    path = write_toml(tmp_path / "r.toml", final_record(guidance, ruleset=None, when={"confidential": "no"},
                                                        decision={"override_reason": "Fictional: the 1998 wording."}))
    assert main(["--records", str(tmp_path / "records"), "--config", str(config), "record", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"status": "final"' in out
    record = next((tmp_path / "records").glob("*/*/*/*.toml")).read_text()
    assert 'id = "dpa-1998"' in record  # a record naming no ruleset gets the --config's default
    assert 'by = "Test Configured <configured@example.invalid>"' in record  # and its practitioner


def test_the_console_script_and_python_m_give_the_exit_codes(isp_process, tmp_path):
    script = Path(sys.executable).with_name("isp")
    if not script.exists():
        pytest.skip("the package is not installed in this interpreter's environment")
    env = os.environ.copy()
    run = lambda *args: subprocess.run([str(script), *args], capture_output=True, text=True, env=env,  # noqa: E731
                                       cwd=tmp_path, timeout=120)
    assert run("--help").returncode == EXIT_OK
    bad = run("decide", str(tmp_path / "nope.toml"))
    assert bad.returncode == EXIT_INPUT and "nope.toml: file not found" in bad.stderr
    assert isp_process("frobnicate", check=EXIT_INPUT).stdout == ""
    assert isp_process("verify", check=EXIT_INPUT).stderr  # verify never creates the repository it is asked about
    isp_process("init")
    assert isp_process("verify").returncode == EXIT_OK
    (isp_process.records / "2026").mkdir()
    (isp_process.records / "2026" / "planted.toml").write_text("not a record")
    git(isp_process.records, "add", "-A")
    git(isp_process.records, "-c", "user.name=Test", "-c", "user.email=t@example.invalid", "commit", "-qm", "planted")
    assert isp_process("verify", check=EXIT_FAIL).returncode == EXIT_FAIL
