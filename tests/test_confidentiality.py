"""Confidentiality: owner-only files, no personal data where it does not belong, and a tampered repository
config that cannot make the app run code.

The personal data used here is fictional: "Test Child Alpha", TEST-0001, born 2015-01-01.
"""

from __future__ import annotations

import os
import stat
import subprocess
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

def evil_script(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "marker"
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\nexit 1\n')
    script.chmod(0o755)
    return script, marker


# keys isp overrides for every git it runs: a repository holding them is used, and they run nothing
OVERRIDDEN = ("core.hooksPath", "core.fsmonitor", "log.showSignature", "gpg.program", "gpg.ssh.program",
              "gpg.x509.program", "gpg.ssh.defaultKeyCommand", "core.pager", "core.editor", "sequence.editor",
              "core.askPass")
# keys no override reaches (named per driver, per URL, or a list): a repository holding one is refused
REFUSED = ("filter.evil.clean", "filter.evil.smudge", "filter.evil.process", "core.gitProxy", "credential.helper",
           "core.sshCommand", "core.alternateRefsCommand", "diff.evil.textconv", "diff.evil.command", "diff.external",
           "uploadpack.packObjectsHook", "merge.evil.driver", "remote.origin.uploadpack", "include.path",
           "core.worktree", "credential.https://example.invalid.helper")


def plant(repo: Path, tmp_path: Path, keys=OVERRIDDEN) -> Path:
    """Hooks in .git/hooks and in a core.hooksPath folder, and each key of `keys` naming a marker-writing
    program: each one, if git ever ran it, would leave a marker file."""
    script, marker = evil_script(tmp_path)
    hooks = tmp_path / "evil-hooks"
    hooks.mkdir(exist_ok=True)
    for folder in (hooks, repo / ".git" / "hooks"):
        folder.mkdir(exist_ok=True)
        for name in HOOKS:
            (folder / name).write_text(f'#!/bin/sh\necho "hook {name}" >> {marker}\n')
            (folder / name).chmod(0o755)
    for key in keys:
        value = {"core.hooksPath": str(hooks), "log.showSignature": "true", "credential.helper": f"!{script}",
                 "core.worktree": str(tmp_path), "include.path": str(tmp_path / "evil.config")}.get(key, str(script))
        git(repo, "config", key, value)
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


def destroyable(isp, tmp_path, guidance, bare_path):
    """Two records, a local bare remote synced once: what verify, status, destroy, sync and a save act on."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare_path)], check=True)
    first = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    isp("remote", "add", bare_path.as_uri())
    isp("sync")
    return first


def every_command(isp, tmp_path, guidance, first, check):
    results = [isp("verify", check=check), isp("status", check=check), isp("sync", check=check),
               isp("record", str(write_toml(tmp_path / "c.toml", final_record(guidance))), check=check),
               isp("amend", first, str(write_toml(tmp_path / "m.toml", {"sharing": {"time_limits": "Fictional: 6"}})),
                   "--reason", "Fictional: agreed", check=check),
               isp("retention", "destroy", first, "--reason", "Fictional: past retention", "--yes", check=check)]
    return results


@pytest.mark.parametrize("key", REFUSED)
def test_a_repository_config_key_that_names_a_program_is_refused_and_runs_nothing(isp, tmp_path, guidance, key):
    first = destroyable(isp, tmp_path, guidance, tmp_path / "bare.git")
    marker = plant(isp.records, tmp_path, (key,))
    for result in every_command(isp, tmp_path, guidance, first, check=2):
        assert "refused: the records repository's git config sets" in result.stderr and key in result.stderr.lower() \
            or key.lower() in result.stderr.lower(), result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not marker.exists(), marker.read_text()
    git(isp.records, "config", "--unset", key)
    isp("verify")  # once the key is gone, the repository is used again


@pytest.mark.parametrize("key", OVERRIDDEN)
def test_a_repository_config_key_isp_overrides_runs_nothing(isp, tmp_path, guidance, key):
    first = destroyable(isp, tmp_path, guidance, tmp_path / "bare.git")
    marker = plant(isp.records, tmp_path, (key,))
    every_command(isp, tmp_path, guidance, first, check=0)
    assert not marker.exists(), marker.read_text()


@pytest.mark.parametrize("where", [".git/info/attributes", ".gitattributes"])
def test_attributes_naming_a_filter_are_refused_and_run_nothing(isp, tmp_path, guidance, where):
    first = destroyable(isp, tmp_path, guidance, tmp_path / "bare.git")
    script, marker = evil_script(tmp_path)
    # the driver in the person's own global config (the repository's is refused anyway): the attribute alone
    # would make git run it on `git status`
    git(isp.records, "config", "--global", "filter.evil.clean", str(script))
    (isp.records / where).parent.mkdir(exist_ok=True)
    (isp.records / where).write_text("* filter=evil\n")
    for result in every_command(isp, tmp_path, guidance, first, check=2):
        assert f"{where} names a filter, diff or merge driver" in result.stderr, result.stderr
    assert not marker.exists(), marker.read_text()
