"""The command line at 80 columns and the one records repository per user (issue 15, items 16 and 17)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import PRACTITIONER, Cli, write_toml
from factory import final_record

LONG_EMAIL = "test.practitioner.with.a.long.address@example.invalid"


@pytest.fixture
def two(isp, tmp_path, guidance):
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    ids = [isp("record", str(path), identity=f"Test Practitioner <{LONG_EMAIL}>").stdout.strip() for _ in range(2)]
    return ids


def test_list_writes_plain_rows_with_whole_ids_when_not_a_terminal(isp, two):
    lines = isp("list").stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["created", "id", "status"]
    assert sorted(line.split("\t")[1] for line in lines[1:]) == sorted(two)
    assert "…" not in "".join(lines) and "│" not in "".join(lines)


def test_list_on_a_narrow_terminal_drops_lesser_columns_first():
    from isp_tui.cli.commands_record import LIST_COLUMNS, list_columns

    at_80 = [LIST_COLUMNS[n] for n in list_columns(80)]
    assert at_80 == ["created", "id", "status", "recipient", "response due"]
    assert [LIST_COLUMNS[n] for n in list_columns(200)] == list(LIST_COLUMNS)


def test_every_command_taking_an_id_accepts_a_unique_prefix(isp, two, tmp_path):
    first, second = two
    common = os.path.commonprefix([first, second])
    short = first[:len(common) + 1].lower()  # case does not matter
    assert f'id = "{first}"' in isp("show", short).stdout
    assert first in isp("log", short).stdout
    assert "Test Child" in isp("export", short).stdout
    changes = write_toml(tmp_path / "c.toml", {"retention": {"review_on": date(2027, 12, 1)}})
    assert isp("amend", short, str(changes), "--reason", "Test: review sooner").stdout.strip() == first
    ambiguous = isp("show", common, check=2).stderr
    assert len(ambiguous.splitlines()) == 1 and "is the start of 2 record ids" in ambiguous
    unknown = isp("log", "7ZZZ", check=2).stderr
    assert unknown.splitlines() == ["isp: no record id starts with 7ZZZ (field id)"] or \
        (len(unknown.splitlines()) == 1 and "no record id starts with 7ZZZ" in unknown)


def test_report_log_and_bases_never_crop_or_break_ids_hashes_emails_at_80_columns(isp, two, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    report = isp("report", "without-consent").stdout
    lines = report.splitlines()
    assert all(len(line) <= 80 for line in lines)
    for record_id in two:
        assert any(record_id in line for line in lines)
    assert "Seeking consent would place the test child at increased risk." in " ".join(" ".join(lines).split())
    assert "why not sought" in report and "why_not_sought" not in report
    for args in (("log",), ("log", two[0])):
        out = isp(*args).stdout
        assert all(len(line) <= 80 for line in out.splitlines())
        assert LONG_EMAIL in out  # whole, on one line
        hashes = re.findall(r"\b[0-9a-f]{12}\b", out)
        assert hashes, out
    bases = isp("bases").stdout
    assert "dpa2018-sch1-pt2-para18" in bases and all(len(line) <= 80 for line in bases.splitlines())


def test_log_of_an_amendment_shows_dates_not_python_reprs(isp, two, tmp_path):
    changes = write_toml(tmp_path / "c.toml", {"retention": {"review_on": date(2027, 12, 1)}})
    isp("amend", two[0], str(changes), "--reason", "Test: review sooner")
    out = isp("log", two[0]).stdout
    assert "datetime.date" not in out and "2027-12-01" in out


def test_the_default_records_repository_is_one_per_user(tmp_path, guidance, isolated_env):
    """No --records: the user data directory's records, wherever the command is run; read-only commands never
    create it and say where they looked; the first save creates it there."""
    default = isolated_env / ".local" / "share" / "isp-tui" / "records"
    elsewhere = tmp_path / "some" / "folder"
    elsewhere.mkdir(parents=True)
    isp = Cli(tmp_path / "unused", elsewhere)
    run = lambda *args, check=0: isp.run(["--as", PRACTITIONER, *args], None)  # noqa: E731
    assert str(default) in run("--help").stdout.replace("\n", "")
    for args in (["list"], ["log"], ["status"], ["verify"], ["report"], ["retention", "list"],
                 ["show", "01JDB3M7Q2X8W5ZK4T9N6E1RVA"], ["export", "01JDB3M7Q2X8W5ZK4T9N6E1RVA"], ["remote", "show"]):
        result = run(*args)
        assert f"{default} (the default" in result.stderr and "is not a records repository" in result.stderr, \
            (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, (args, result.stderr)
        assert not default.exists() and not (elsewhere / "records").exists(), args
    assert run("list", "--json").stdout.strip() == "[]"
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    saved = run("record", str(path))
    assert saved.returncode == 0, saved.stderr
    assert (default / ".git").is_dir() and not (elsewhere / "records").exists()
    assert saved.stdout.strip() in run("list").stdout


def test_records_env_and_config_still_choose_another(tmp_path, guidance, isolated_env, monkeypatch):
    chosen = tmp_path / "chosen"
    monkeypatch.setenv("ISP_RECORDS", str(chosen))
    isp = Cli(tmp_path / "unused", tmp_path)
    result = isp.run(["list"], None)
    assert f"{chosen} is not a records repository" in result.stderr and "(the default" not in result.stderr
    monkeypatch.delenv("ISP_RECORDS")
    config = tmp_path / "config.toml"
    config.write_text(f'records = "{tmp_path / "configured"}"\n')
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    assert isp.run(["--config", str(config), "--as", PRACTITIONER, "record", str(path)], None).returncode == 0
    assert (tmp_path / "configured" / ".git").is_dir()
    assert not Path(isolated_env / ".local" / "share" / "isp-tui").exists()
