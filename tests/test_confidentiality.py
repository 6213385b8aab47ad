"""Confidentiality: owner-only files, no personal data where it does not belong, and a tampered repository
config that cannot make the app run code.

The personal data used here is fictional: "Test Child Alpha", TEST-0001, born 2015-01-01.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import git, write_toml
from factory import final_record

from isp_tui.record import record_path
from isp_tui.store import Store

PERSONAL = ("Test Child Alpha", "TEST-0001", "2015-01-01", "Test Child Beta", "TEST-0002")
HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-merge-commit", "post-merge",
         "post-checkout", "post-rewrite", "pre-auto-gc", "reference-transaction", "post-index-change", "pre-push",
         "post-update", "update", "pre-receive", "push-to-checkout", "fsmonitor-watchman", "sendemail-validate")


def personal_in(text: str) -> list[str]:
    return [p for p in PERSONAL if p in text]


# -- permissions -----------------------------------------------------------------------------------------------

def test_repository_folders_are_owner_only_and_record_files_0600(isp, tmp_path, guidance):
    record_id = isp("record", str(write_toml(tmp_path / "r.toml", final_record(guidance)))).stdout.strip()
    root = isp.records
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    path = root / record_path(record_id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rel = Path(record_path(record_id))
    for folder in list(rel.parents)[:-1]:  # 2026, 2026/11, 2026/11/21: every level, not only the last
        assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700, folder
    for pinned in (root / "rulesets").iterdir():
        assert stat.S_IMODE(pinned.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "rulesets").stat().st_mode) == 0o700
    work = root / ".git" / "isp"
    assert stat.S_IMODE(work.stat().st_mode) == 0o700


def test_a_repository_readable_by_others_is_warned_about(isp, tmp_path, guidance):
    isp("record", str(write_toml(tmp_path / "r.toml", final_record(guidance))))
    os.chmod(isp.records, 0o755)
    result = isp("list")
    assert "can be read by other users (mode 755)" in result.stderr and f"chmod 700 {isp.records}" in result.stderr
    os.chmod(isp.records, 0o700)
    assert "read by other users" not in isp("list").stderr


# -- no personal data where it does not belong --------------------------------------------------------------

def test_no_personal_data_in_names_messages_output_or_gits_own_files(isp, tmp_path, guidance):
    first = final_record(guidance)
    record_id = isp("record", str(write_toml(tmp_path / "a.toml", first)))
    outputs = [record_id.stdout, record_id.stderr]
    record_id = record_id.stdout.strip()
    draft = isp("record", "--draft", str(write_toml(tmp_path / "b.toml", final_record(
        guidance, subject={"name": "Test Child Beta", "reference": "TEST-0002"}, decision=None))))
    outputs += [draft.stdout, draft.stderr]
    change = write_toml(tmp_path / "c.toml", {"subject": {"name": "Test Child Beta", "reference": "TEST-0002"}})
    amended = isp("amend", record_id, str(change), "--reason", "Fictional: the subject was recorded wrongly")
    outputs += [amended.stdout, amended.stderr]
    for args in (["log"], ["log", record_id], ["log", record_id, "--json"], ["list"], ["list", "--json"], ["log", "--json"]):
        result = isp(*args)
        outputs += [result.stdout, result.stderr]
    # errors: a bad field beside personal data, an incomplete final record, an amendment that changes nothing
    bad = final_record(guidance, subject={"name": "Test Child Alpha\u202e", "reference": "TEST-0001"})
    outputs.append(isp("record", str(write_toml(tmp_path / "d.toml", bad)), check=2).stderr)
    bad = final_record(guidance, subject={"name": 3})
    outputs.append(isp("record", str(write_toml(tmp_path / "e.toml", bad)), check=2).stderr)
    outputs.append(isp("record", str(write_toml(tmp_path / "f.toml", final_record(guidance, decision=None))), check=2).stderr)
    outputs.append(isp("amend", record_id, str(change), "--reason", "Fictional again", check=2).stderr)
    for text in outputs:
        assert not personal_in(text), text
    # file names, commit messages and trailers, reflogs, git's index and the app's own journal
    names = git(isp.records, "log", "--all", "--format=%B", "--name-only") + git(isp.records, "reflog", "--format=%gs %s")
    names += "\n".join(str(p) for p in isp.records.rglob("*"))
    assert not personal_in(names)
    for path in (isp.records / ".git").rglob("*"):
        if path.is_file() and "objects" not in path.parts:  # objects are compressed: compared through git above
            assert not personal_in(path.read_bytes().decode("latin-1")), path
    # (the record itself holds them, of course: it is the evidence)
    assert "Test Child Beta" in (isp.records / record_path(record_id)).read_text()


# -- a tampered repository config runs no code ------------------------------------------------------------

def plant(repo: Path, tmp_path: Path) -> Path:
    """Hooks in .git/hooks and in a core.hooksPath folder, an fsmonitor, a filter and a textconv driver, signing
    and log-signature programs: each one, if git ever ran it, would leave a marker file."""
    marker = tmp_path / "marker"
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\nexit 1\n')
    script.chmod(0o755)
    hooks = tmp_path / "evil-hooks"
    hooks.mkdir()
    for folder in (hooks, repo / ".git" / "hooks"):
        folder.mkdir(exist_ok=True)
        for name in HOOKS:
            (folder / name).write_text(f'#!/bin/sh\necho "hook {name}" >> {marker}\n')
            (folder / name).chmod(0o755)
    for key, value in (("core.hooksPath", str(hooks)), ("core.fsmonitor", str(script)),
                       ("filter.evil.clean", str(script)), ("filter.evil.smudge", str(script)),
                       ("filter.evil.process", str(script)), ("filter.evil.required", "true"),
                       ("diff.evil.textconv", str(script)), ("diff.external", str(script)),
                       ("log.showSignature", "true"), ("gpg.program", str(script)), ("gpg.ssh.program", str(script)),
                       ("gpg.x509.program", str(script)), ("gpg.ssh.defaultKeyCommand", str(script)),
                       ("core.pager", str(script)), ("core.editor", str(script)), ("core.sshCommand", str(script))):
        git(repo, "config", key, value)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* filter=evil diff=evil\n")
    return marker


def test_a_tampered_repository_config_runs_no_code(isp, tmp_path, guidance):
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    marker = plant(isp.records, tmp_path)
    record_id = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance)))).stdout.strip()
    draft = isp("record", "--draft", str(write_toml(tmp_path / "d.toml", final_record(guidance, decision=None)))).stdout.strip()
    change = write_toml(tmp_path / "c.toml", {"sharing": {"time_limits": "Fictional: 12 months"}})
    isp("amend", first, str(change), "--reason", "Fictional: agreed")
    for args in (["list"], ["show", record_id], ["log"], ["log", first], ["show", draft, "--json"]):
        isp(*args)
    # and recovery of an interrupted save, which runs git too
    store = Store(isp.records)
    with store.lock():
        store.history(first)
        store.record_at(first, store.head())
    assert not marker.exists(), marker.read_text()
    assert len(store.history(first)) == 2


def test_signing_programs_come_from_the_users_own_config_not_the_repositorys(isp, tmp_path, guidance, isolated_env):
    """commit.gpgsign set in a tampered repository config must not run the repository's gpg.program."""
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    marker = plant(isp.records, tmp_path)
    git(isp.records, "config", "commit.gpgsign", "true")
    result = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))), check=None)
    assert not marker.exists(), marker.read_text()
    # without a signing key of the user's own the save cannot be signed: it says so, one line, and writes nothing
    if result.returncode != 0:
        assert result.returncode == 2 and "signing the commit failed" in result.stderr
        store = Store(isp.records)
        assert len(list(store.paths())) == 1 and not list((store.work / "journal").glob("*"))
        assert len(git(isp.records, "log", "--format=%H").split()) == 1


@pytest.mark.parametrize("key", ["core.hooksPath", "core.fsmonitor"])
def test_the_apps_git_has_hooks_and_fsmonitor_off(isp, key):
    store = Store(isp.records)
    expected = {"core.hooksPath": os.devnull, "core.fsmonitor": "false"}[key]
    assert store.git("config", "--get", key).strip() == expected
