"""The bad-input harness, continued: what could be copied out of the records repository, or forged in it.

Exports written through planted links or into directories, credentials in remote URLs, personal data a
redacted copy missed, files git or isp makes readable by others under a careless umask, and a forged
index (hostile history pulled by sync: tests/test_bad_input_history.py). Each gives one line (never a
traceback), writes nothing it should not, and leaves isp working.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, git, write_toml
from factory import final_record

TOKEN = "ghp_TESTTOKEN0123456789abcdefTEST"  # fictional, shaped like a forge's access token


def one_line(result, code: int = 2) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def last_line(result, code: int = 1) -> str:
    """The one line a command that prints its progress first ends with."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def new_record(isp, tmp_path, guidance, name: str = "r.toml", **overrides) -> str:
    return isp("record", str(write_toml(tmp_path / name, final_record(guidance, **overrides)))).stdout.strip()


# ---------------------------------------------------------------------------------------------
# Credentials in remote URLs


@pytest.mark.parametrize("url", [
    f"https://{TOKEN}@git.example.invalid/isp/records.git",
    f"https://oauth2:{TOKEN}@git.example.invalid/isp/records.git",
    f"https://x-access-token@git.example.invalid/isp/records.git",
    f"ssh://git:{TOKEN}@git.example.invalid/isp/records.git",
    f"git:{TOKEN}@git.example.invalid:isp/records.git",
])
def test_a_url_with_credentials_is_refused_with_advice_and_never_stored_or_echoed(isp, url):
    isp("init")
    line = one_line(isp("remote", "add", url, check=2))
    assert "SSH keys or a git credential helper" in line and TOKEN not in line
    assert TOKEN not in git(isp.records, "config", "-l") and "x-access-token" not in git(isp.records, "config", "-l")


def test_a_login_name_in_a_url_is_kept(isp):
    isp("init")
    for url in ("git@git.example.invalid:isp/records.git", "https://alice@git.example.invalid/isp/records.git"):
        assert isp("remote", "add", url).stdout.strip() == f"origin {url}"


def test_credentials_written_into_the_config_by_hand_are_never_printed(isp):
    isp("init")
    git(isp.records, "remote", "add", "origin", f"https://{TOKEN}@127.0.0.1:9/records.git")
    shown = [isp("remote", "show"), isp("status"), isp("status", "--json"), isp("sync", check=1),
             isp("sync", "--json", check=1)]
    for result in shown:
        assert TOKEN not in result.stdout + result.stderr, result
    assert "https://***@127.0.0.1:9/records.git" in shown[1].stdout
    assert "SSH keys or a git credential helper" in shown[3].stderr


# ---------------------------------------------------------------------------------------------
# isp export -o


def left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_an_export_never_writes_through_a_link_planted_at_the_target(isp, tmp_path, guidance):
    record_id = new_record(isp, tmp_path, guidance)
    out, secret = tmp_path / "out", tmp_path / "elsewhere.txt"
    out.mkdir()
    secret.write_text("not yours\n")
    (out / "copy.md").symlink_to(secret)
    line = one_line(isp("export", record_id, "-o", str(out / "copy.md"), check=2))
    assert "symbolic link" in line
    assert secret.read_text() == "not yours\n" and left_in(out) == ["copy.md"]


def test_an_export_never_writes_through_a_predictable_temporary_name(isp, tmp_path, guidance, monkeypatch):
    """The old writer used `<target>.<pid>.tmp` without O_EXCL / O_NOFOLLOW: a link planted there received the
    record. Every name the old scheme could pick is planted; the copy lands only in the target, owner-only,
    even under umask 000."""
    record_id = new_record(isp, tmp_path, guidance)
    out, secret = tmp_path / "out", tmp_path / "elsewhere.txt"
    out.mkdir()
    secret.write_text("")
    os.chmod(secret, 0o666)
    for planted in (f"copy.md.{os.getpid()}.tmp", f".copy.md.{os.getpid()}.tmp"):
        (out / planted).symlink_to(secret)
    old = os.umask(0)
    try:
        isp("export", record_id, "-o", str(out / "copy.md"))
    finally:
        os.umask(old)
    assert secret.read_text() == "" and "Test Child Alpha" in (out / "copy.md").read_text()
    assert stat.S_IMODE((out / "copy.md").stat().st_mode) == 0o600
    assert len(left_in(out)) == 3  # the copy and the two planted links, nothing else


def test_an_export_to_a_folder_or_a_missing_folder_is_one_line_and_leaves_nothing(isp, tmp_path, guidance):
    record_id = new_record(isp, tmp_path, guidance)
    out = tmp_path / "out"
    (out / "a-folder").mkdir(parents=True)
    line = one_line(isp("export", record_id, "-o", str(out / "a-folder"), check=2))
    assert "is a folder" in line
    assert left_in(out) == ["a-folder"] and left_in(out / "a-folder") == []
    line = one_line(isp("export", record_id, "-o", str(out / "missing" / "deeper" / "copy.md"), check=2))
    assert "does not exist" in line and not (out / "missing").exists()
    assert left_in(out) == ["a-folder"]


def test_an_export_that_cannot_be_written_is_one_line_and_leaves_nothing(isp, tmp_path, guidance, monkeypatch):
    import errno

    record_id = new_record(isp, tmp_path, guidance)
    out = tmp_path / "out"
    out.mkdir()

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # the disk fills as the copy is written
    assert "nothing was written" in one_line(isp("export", record_id, "-o", str(out / "copy.md"), check=2))
    assert left_in(out) == []


# ---------------------------------------------------------------------------------------------
# --redact: every spelling of who the record is about


ZEBEDEE = {"name": "Zebedee Testchild", "reference": "TEST-0042", "date_of_birth": __import__("datetime").date(2014, 3, 9)}
SPELLINGS = ["ZEBEDEE", "zebedee's", "Zebedee's school nurse", "TESTCHILD", "zebedee  testchild",
             "9/3/2014", "09/03/2014", "2014-3-9", "2014-03-09", "9 March 2014", "March 9, 2014", "09-03-2014",
             "9.3.2014", "9th of March 2014", "9/3/14", "test-0042", "TEST 0042", "TEST0042", "test_0042"]


def zebedee(guidance) -> dict:
    reasons = "Fictional test. " + "; ".join(f"<{s}>" for s in SPELLINGS) + "; born 10/3/2014 is another child."
    return final_record(guidance, subject=ZEBEDEE, decision={"reasons": reasons},
                        sharing={"information": "Fictional: Zebedee's school nurse saw TEST 0042 on 9 March 2014."})


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_redacted_copy_leaves_out_every_spelling_of_the_name_reference_and_date_of_birth(isp, tmp_path,
                                                                                          guidance, fmt):
    record_id = isp("record", str(write_toml(tmp_path / "z.toml", zebedee(guidance)))).stdout.strip()
    out = isp("export", record_id, "--redact", "--format", fmt).stdout
    for spelling in ("zebedee", "testchild", "0042", "2014-3-9", "2014-03-09", "9/3/", "09/03", "9.3.", "09-03",
                     "march 9", "9 march", "9th of march"):
        assert spelling not in out.lower(), spelling
    assert out.replace("\\", "").count("[redacted]") >= len(SPELLINGS) and "10/3/2014" in out.replace("\\", "")  # another date stays
    assert "school nurse" in out  # the rest of the sentence stays


def test_verify_finds_a_date_of_birth_however_it_is_written(isp, tmp_path, guidance):
    """The personal-data check reads dates with the redaction's spellings (isp_tui.record.identify)."""
    record_id = isp("record", str(write_toml(tmp_path / "z.toml", zebedee(guidance)))).stdout.strip()
    assert isp("verify").returncode == 0
    for n, written in enumerate(("born March 9, 2014", "seen 09-03-2014", "dob 9th of March 2014")):
        (isp.records / "README.md").write_text(f"Fictional notes {n}\n")
        git(isp.records, "add", "-f", "README.md")
        git(isp.records, "-c", "user.name=Test Tamperer", "-c", "user.email=test.tamperer@example.invalid",
            "commit", "-qm", written)
        result = json.loads(isp("verify", "--json", check=1).stdout)
        found = [f["message"] for c in result["checks"] if c["name"] == "personal-data" for f in c["failures"]]
        assert len(found) == n + 1 and all(f"(record {record_id})" in f for f in found), found
        assert not any("2014" in f or "march" in f.lower() for f in found)


# ---------------------------------------------------------------------------------------------
# umask 000


def open_to_others(root: Path) -> list[str]:
    """Everything under root (itself included) that a group or other user could read, write or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found.append(f"{path.relative_to(root.parent)} {stat.S_IMODE(mode):o}")
    return found


def test_everything_isp_creates_is_owner_only_under_umask_000(tmp_path, guidance):
    """umask 000 left .git/ 0777 and .git/config 0666: the entry point sets the umask to 077, and git's
    core.sharedRepository is isp's, not the repository config's."""
    records, bare, out = tmp_path / "records", tmp_path / "server" / "records.git", tmp_path / "out"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    out.mkdir()
    record = write_toml(tmp_path / "r.toml", final_record(guidance))

    def isp(*args: str, check: int = 0, where: Path = records) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "isp_tui", "--records", str(where), "--as",
                                 "Test Practitioner <test.practitioner@example.invalid>", *args],
                                capture_output=True, text=True, env=os.environ.copy(), timeout=120,
                                preexec_fn=lambda: os.umask(0))
        assert result.returncode == check, (args, result.stderr)
        return result

    isp("init")
    git(records, "config", "core.sharedRepository", "0666")  # a planted config asking git for world-writable files
    record_id = isp("record", str(record)).stdout.strip()
    isp("list")
    isp("report")
    isp("verify", "--full")
    isp("remote", "add", bare.as_uri())
    isp("sync")
    isp("export", record_id, "-o", str(out / "copy.md"))
    isp("init", "--clone", bare.as_uri(), str(tmp_path / "second"), where=tmp_path / "second")
    assert open_to_others(records) == [] and open_to_others(tmp_path / "second") == []
    assert open_to_others(out / "copy.md") == []


# ---------------------------------------------------------------------------------------------
# A forged index


def test_an_edited_index_fails_verify_full_naming_what_differs(isp, tmp_path, guidance):
    """An UPDATE on the index's tables forged `isp report` and `isp list` while `verify --full` passed."""
    import sqlite3

    from isp_tui.record import record_path

    record_id = new_record(isp, tmp_path, guidance)
    new_record(isp, tmp_path, guidance, "second.toml")
    assert isp.json("list")[0]["decision"] == "share"
    assert isp("verify", "--full").returncode == 0
    db = sqlite3.connect(isp.records / ".git" / "isp" / "index.sqlite")
    with db:
        db.execute("UPDATE rows SET decision = 'share-part', status = 'draft' WHERE id = ?", (record_id,))
        db.execute("UPDATE reported SET recorded = 'share-part' WHERE id = ?", (record_id,))
    db.close()
    assert any(row["decision"] == "share-part" for row in isp.json("list"))  # what the forgery does
    result = isp("verify", "--full", check=1)
    assert "FAIL  index:" in result.stdout
    report = json.loads(isp("verify", "--full", "--json", check=1).stdout)
    found = [f["message"] for c in report["checks"] if c["name"] == "index" for f in c["failures"]]
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["index"]
    assert f"the index's rows table differs from {record_path(record_id)} in: status, decision" in found
    assert f"the index's reported table differs from {record_path(record_id)} in: recorded" in found
    for personal in ("Test Child", "TEST-0001", "2015-01-01"):
        assert personal not in result.stdout + json.dumps(report)
    assert "SKIP  index:" in isp("verify", check=None).stdout  # the default run says where the check is
    (isp.records / ".git" / "isp" / "index.sqlite").unlink()  # as the FAIL advises
    assert isp("verify", "--full").returncode == 0
    assert not [p for p in (isp.records / ".git" / "isp").iterdir() if p.name.startswith("tmp") and p.name != "tmp"]
