"""Bad input: a corpus of malformed records and templates, hostile field content, links and crafted ids.

Each gives one clear line naming the file and the field (exit 2), nothing is written, nothing is executed
or rendered as markup, and every other record keeps working. The corpus is tests/corpus/ (expected.toml
says what each file must produce).
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, git, write_toml
from factory import final_record

from isp_tui.record import MAX_FILE, MAX_TEXT, new_id, record_path
from isp_tui.store import Store

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text())
RECORDS = sorted(EXPECTED["records"])
TEMPLATES = sorted(EXPECTED["templates"])
ESC = "\x1b"


def one_line_naming(result, file: object, field: str, fragment: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    where = f"isp: {file}: {field}: " if field else f"isp: {file}: "
    assert lines[0].startswith(where), (where, lines[0])
    assert fragment in lines[0], (fragment, lines[0])
    assert ESC not in result.stderr and "Traceback" not in result.stderr


def test_the_corpus_is_all_there():
    on_disk = sorted(p.name for p in (CORPUS / "records").iterdir())
    assert on_disk == RECORDS
    assert sorted(p.stem for p in (CORPUS / "templates").iterdir()) == TEMPLATES


@pytest.mark.parametrize("name", RECORDS)
def test_a_bad_record_file_is_refused_by_name_and_field(isp, tmp_path, name):
    path = tmp_path / name
    shutil.copyfile(CORPUS / "records" / name, path)
    field, fragment = EXPECTED["records"][name]
    result = isp("record", str(path), check=None)
    one_line_naming(result, path, field, fragment)
    if (isp.records / ".git").exists():  # nothing was written
        assert Store(isp.records).head() is None
        assert git(isp.records, "status", "--porcelain") == ""


def test_bad_files_inside_the_repository_are_named_and_the_rest_keep_working(isp, tmp_path, guidance, monkeypatch):
    """A tampered or corrupted records repository: `isp list` lists every good record and names each bad
    file; `isp show` of a bad one says what is wrong with it; the good ones still show, amend and log."""
    good = [isp("record", str(write_toml(tmp_path / f"g{n}.toml", final_record(guidance)))).stdout.strip()
            for n in range(2)]
    bad = {}
    for name in RECORDS:
        record_id = new_id()
        target = isp.records / record_path(record_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / "records" / name, target)
        bad[record_id] = record_path(record_id)
    result = isp("list", "--json")
    listed = [row["id"] for row in json.loads(result.stdout)]
    assert sorted(listed) == sorted(good)
    problems = result.stderr.strip().splitlines()
    assert len(problems) == len(bad)
    for rel in bad.values():
        assert sum(line.startswith(f"isp: {rel}: ") for line in problems) == 1, rel
    assert ESC not in result.stderr
    monkeypatch.setenv("COLUMNS", "300")
    plain = isp("list")  # the table view too
    assert all(record_id in plain.stdout for record_id in good)
    for record_id, rel in list(bad.items())[:8]:
        shown = isp("show", record_id, check=2)
        assert shown.stderr.startswith(f"isp: {isp.records / rel}: ") and len(shown.stderr.splitlines()) == 1
    change = write_toml(tmp_path / "change.toml", {"sharing": {"time_limits": "Fictional: 6 months"}})
    isp("amend", good[0], str(change), "--reason", "Fictional: still works beside broken files")
    assert len(isp.json("log", good[0])["revisions"]) == 2


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_broken_template_fails_loudly_by_file_and_key(isp, tmp_path, name, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    target, field, fragment = EXPECTED["templates"][name]
    shutil.copyfile(CORPUS / "templates" / f"{name}.toml", templates / target)
    monkeypatch.setenv("ISP_TEMPLATES", str(templates))
    for args in (["rules"], ["bases"]):
        one_line_naming(isp(*args, check=None), templates / target, field, fragment)
    answers = write_toml(tmp_path / "a.toml", {"when": {"legitimate_purpose": "yes"}})
    one_line_naming(isp("decide", str(answers), check=None), templates / target, field, fragment)


@pytest.mark.parametrize("edit,file,field,fragment", [
    (lambda t: t.replace('yes = "consent"', 'yes = "nowhere"', 1), "rulesets/gdpr-2018.toml", "", "nowhere"),
    (lambda t: 'colour = "blue"\n' + t, "rulesets/gdpr-2018.toml", "", "unknown key(s): colour"),
    (lambda t: t.replace('version = "1.0.0"', "version = 1", 1), "rulesets/gdpr-2018.toml", "version", "expected a string"),
    (lambda t: t.replace('id = "ca1989-s27"', 'id = "ca1989-s17"', 1), "legal_bases.toml", "", "duplicate id 'ca1989-s17'"),
    (lambda t: t + "\n" + "x = " + "[" * 5000 + "]" * 5000 + "\n", "methods.toml", "", "nested too deeply"),
])
def test_an_edited_template_fails_loudly(isp, tmp_path, monkeypatch, edit, file, field, fragment):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    path = templates / file
    path.write_text(edit(path.read_text()))
    monkeypatch.setenv("ISP_TEMPLATES", str(templates))
    result = isp("rules", check=None)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"isp: {path}: " + (f"{field}" if field else "")), result.stderr
    assert fragment in result.stderr


def test_missing_templates_are_named(isp, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    shutil.rmtree(templates / "rulesets")
    monkeypatch.setenv("ISP_TEMPLATES", str(templates))
    result = isp("rules", check=2)
    assert result.stderr.startswith(f"isp: {templates}: no rulesets found")
    monkeypatch.setenv("ISP_TEMPLATES", str(tmp_path / "nowhere"))
    assert "templates directory not found" in isp("rules", check=2).stderr


# -- hostile content that is legitimate text ------------------------------------------------------------

MARKUP = "[bold red]Test Agency[/]"
LINK = "[link=https://example.invalid/x]Fictional click here[/link]"
EMOJI = "Fictional :warning: note with [i]brackets[/i] and [/] stray closer"


def test_rich_markup_in_a_field_is_stored_and_shown_literally(isp, tmp_path, guidance, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # a wide table: nothing truncated or wrapped
    data = final_record(guidance, recipient={"agency": MARKUP},
                        decision={"reasons": f"{LINK} {EMOJI}"})
    record_id = isp("record", str(write_toml(tmp_path / "m.toml", data))).stdout.strip()
    stored = (isp.records / record_path(record_id)).read_text()
    assert MARKUP in stored and LINK in stored
    shown = isp("show", record_id).stdout
    assert MARKUP in shown and LINK in shown and EMOJI in shown and ESC not in shown
    assert isp.json("show", record_id)["decision"]["reasons"] == f"{LINK} {EMOJI}"
    listing = isp("list").stdout
    assert MARKUP in listing and ESC not in listing
    change = write_toml(tmp_path / "c.toml", {"sharing": {"time_limits": MARKUP}})
    isp("amend", record_id, str(change), "--reason", f"Fictional {LINK}")
    log = isp("log", record_id).stdout
    # the changed value shown literally, as a value, not as a Python repr (issue 15: no machine words)
    assert f"Fictional {LINK}" in log and f"(none) -> {MARKUP}" in log and ESC not in log


def test_markup_in_the_practitioners_name_is_shown_literally(isp, tmp_path, guidance, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # wide enough that the history table does not fold the name
    who = "Test [bold]Practitioner[/bold] <test.markup@example.invalid>"
    record_id = isp("record", str(write_toml(tmp_path / "m.toml", final_record(guidance))), identity=who).stdout.strip()
    assert "Test [bold]Practitioner[/bold]" in isp("log", record_id).stdout


@pytest.mark.parametrize("reason,code", [("Fictional \x1b[31mred\x1b[0m", "U+001B"), ("Fictional \u202eesrever", "U+202E"),
                                         ("Fictional \x07 bell", "U+0007")])
def test_control_characters_in_an_amendment_reason_are_refused(isp, tmp_path, guidance, reason, code):
    record_id = isp("record", str(write_toml(tmp_path / "m.toml", final_record(guidance)))).stdout.strip()
    change = write_toml(tmp_path / "c.toml", {"sharing": {"time_limits": "Fictional"}})
    result = isp("amend", record_id, str(change), "--reason", reason, check=2)
    assert f"--reason: holds a control or direction-override character ({code})" in result.stderr
    assert ESC not in result.stderr
    assert len(isp.json("log", record_id)["revisions"]) == 1


# -- enormous input ---------------------------------------------------------------------------------------

def test_an_enormous_field_is_refused(isp, tmp_path, guidance):
    data = final_record(guidance, decision={"reasons": "x" * (MAX_TEXT + 1)})
    result = isp("record", str(write_toml(tmp_path / "big.toml", data)), check=2)
    assert f"decision.reasons: is {MAX_TEXT + 1:,} characters long; at most {MAX_TEXT:,}" in result.stderr


def test_an_enormous_record_file_in_the_repository_is_a_named_problem(isp, tmp_path, guidance):
    good = isp("record", str(write_toml(tmp_path / "g.toml", final_record(guidance)))).stdout.strip()
    record_id = new_id()
    target = isp.records / record_path(record_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text('schema = 1\n[decision]\nreasons = "' + "x" * (MAX_FILE + 10) + '"\n')
    result = isp("list", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [good]
    assert f"{record_path(record_id)}: is " in result.stderr and "a record may be at most" in result.stderr


# -- links out of the repository and ids crafted as paths ----------------------------------------------------

def test_a_record_file_linked_out_of_the_repository_is_not_followed(isp, tmp_path, guidance):
    good = isp("record", str(write_toml(tmp_path / "g.toml", final_record(guidance)))).stdout.strip()
    outside = tmp_path / "outside.toml"
    outside.write_text((isp.records / record_path(good)).read_text())
    record_id = new_id()
    link = isp.records / record_path(record_id)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    result = isp("list", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [good]
    assert f"isp: {record_path(record_id)}: is a symbolic link" in result.stderr
    assert "is a symbolic link" in isp("show", record_id, check=2).stderr


def test_a_folder_linked_out_of_the_repository_is_not_read_or_written(isp, tmp_path, guidance):
    first = isp("record", str(write_toml(tmp_path / "g.toml", final_record(guidance)))).stdout.strip()
    year = record_path(first).split("/")[0]
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(isp.records / year), str(elsewhere))
    (isp.records / year).symlink_to(elsewhere)
    listed = isp("list", "--json")
    assert json.loads(listed.stdout) == []
    assert f"is under a symbolic link ({year})" in listed.stderr
    assert f"is under a symbolic link ({year})" in isp("show", first, check=2).stderr
    before = sorted(p.name for p in elsewhere.rglob("*"))
    result = isp("record", str(write_toml(tmp_path / "h.toml", final_record(guidance))), check=2)
    assert "is a symbolic link; records are written only to plain folders inside it" in result.stderr
    assert sorted(p.name for p in elsewhere.rglob("*")) == before  # nothing written outside
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("crafted", ["../../../etc/passwd", "/etc/passwd", ".git/config", "01JDB3M7Q2X8W5ZK4T9N6E1RV",
                                     "01JDB3M7Q2X8W5ZK4T9N6E1RVA/../x", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "01jdb3m7q2x8w5zk4t9n6e1rva"])
def test_ids_crafted_as_paths_are_refused(isp, tmp_path, crafted):
    change = write_toml(tmp_path / "c.toml", {"sharing": {"time_limits": "Fictional"}})
    for args in (["show", crafted], ["log", crafted], ["amend", crafted, str(change), "--reason", "Fictional"]):
        result = isp(*args, check=None)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr  # argparse may add its usage line
        assert "Traceback" not in result.stderr
    assert not (isp.records / ".git" / "config.toml").exists()


def test_hostile_file_names_in_the_repository_are_shown_escaped(isp, tmp_path, guidance):
    """A tampered repository names files with terminal escapes, newlines, direction overrides or invalid
    UTF-8: `isp list` reports each on one line with the characters escaped, never sent to the terminal."""
    good = isp("record", str(write_toml(tmp_path / "g.toml", final_record(guidance)))).stdout.strip()
    day = (isp.records / record_path(good)).parent
    names = [b"\x1b[31mRED\x1b]0;owned\x07.toml", b"two\nlines.toml", "rtl\u202eg.toml".encode(), b"\xff\xfe.toml"]
    for name in names:
        with open(os.fsencode(day) + b"/" + name, "wb") as fh:
            fh.write(b'schema = "x"\n')
    result = isp("list", "--json")
    assert [row["id"] for row in json.loads(result.stdout)] == [good]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(names), result.stderr
    assert ESC not in result.stderr and "\u202e" not in result.stderr and "\x07" not in result.stderr
    assert any("\\x1b[31mRED" in line for line in lines) and any("two\\nlines" in line for line in lines)


@pytest.mark.parametrize("command", ["record", "decide"])
def test_an_endless_or_enormous_input_file_is_refused_without_reading_it_all(isp, tmp_path, command):
    big = tmp_path / "big.toml"
    big.write_text('x = "' + "y" * (MAX_FILE + 10) + '"\n')
    for path in (Path("/dev/zero"), big):
        result = isp(command, str(path), check=2)
        assert result.stderr == f"isp: {path}: is larger than {MAX_FILE:,} bytes, the most isp reads from one file\n"


@pytest.mark.parametrize("who", ["Test\nparent 0000 <test@example.invalid>", "Test \x1b[31mRed <test@example.invalid>",
                                 "Test\u202eTset <test@example.invalid>", "Test <te\tst@example.invalid>",
                                 "<test@example.invalid>", "Test Practitioner", "Test <a> <test@example.invalid>"])
def test_a_hostile_identity_is_refused_before_anything_is_written(isp, tmp_path, guidance, who):
    """--as becomes a git author line and the record's decided.by: a newline in it once broke the commit after
    the record file and journal were written, and every later save failed in recovery."""
    path = write_toml(tmp_path / "r.toml", final_record(guidance))
    result = isp("record", str(path), identity=who, check=2)
    assert result.stderr.startswith("isp: --as: ") and len(result.stderr.strip().splitlines()) == 1
    assert ESC not in result.stderr
    isp("record", str(path))  # the repository still works
    assert len(git(isp.records, "log", "--format=%H").split()) == 1
    assert git(isp.records, "status", "--porcelain") == ""
