"""Who is deciding, the default ruleset and the app's crash autosave: each one rule, used by both faces."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from isp_tui.config import Config, default_ruleset, load_config
from isp_tui.errors import InputError
from isp_tui.identity import Identity, resolve_identity
from isp_tui.store.autosave import autosave_dir, autosaves, discard_autosave, read_autosave, write_autosave

ME = "Test Practitioner <test.practitioner@example.invalid>"


def test_given_then_config_then_git(tmp_path):
    repo = tmp_path / "records"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    configured = Config(name="Test Configured", email="configured@example.invalid")
    assert resolve_identity(ME, configured, repo) == Identity.parse(ME)
    assert str(resolve_identity(None, configured, repo)) == "Test Configured <configured@example.invalid>"
    with pytest.raises(InputError, match="who is deciding"):
        resolve_identity(None, Config(), repo)
    subprocess.run(["git", "-C", str(repo), "config", "user.name", "Test Git"], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.email", "git@example.invalid"], check=True)
    assert str(resolve_identity(None, Config(), repo)) == "Test Git <git@example.invalid>"



def test_before_the_repository_exists_the_persons_own_git_config_is_used(tmp_path, isolated_env):
    with pytest.raises(InputError, match="who is deciding"):
        resolve_identity(None, Config(), tmp_path / "not-yet")
    for key, value in (("user.name", "Test Global"), ("user.email", "global@example.invalid")):
        subprocess.run(["git", "config", "--global", key, value], check=True)
    assert str(resolve_identity(None, Config(), tmp_path / "not-yet")) == "Test Global <global@example.invalid>"


def test_a_bad_identity_names_where_it_came_from():
    with pytest.raises(InputError) as given:
        resolve_identity("not an identity", Config(), None)
    assert given.value.field == "--as"
    with pytest.raises(InputError) as configured:
        resolve_identity(None, Config(name="Test <Bad>", email="x@example.invalid"), None)
    assert configured.value.field == "config name/email"


def test_the_default_ruleset(guidance):
    assert default_ruleset(Config(ruleset="dpa-1998"), guidance) == "dpa-1998"
    assert default_ruleset(Config(ruleset="no-such-ruleset"), guidance) == sorted(guidance.rulesets)[-1]


def test_config_given_must_exist(tmp_path):
    with pytest.raises(InputError, match="config file not found"):
        load_config(tmp_path / "missing.toml")
    path = tmp_path / "config.toml"
    path.write_text('ruleset = "dpa-1998"\n')
    assert load_config(path).ruleset == "dpa-1998"


class FakeStore:
    def __init__(self, work):
        self.work = work


def test_autosave_round_trip(tmp_path):
    store = FakeStore(tmp_path / "isp")
    assert autosaves(store) == []
    path = autosave_dir(store) / "01JDB3M7Q2X8W5ZK4T9N6E1RVA.toml"
    assert write_autosave(store, path, {"subject": {"name": "Test Child"}, "request": {"received": date(2026, 11, 2)}})
    assert autosaves(store) == [path]
    assert path.stat().st_mode & 0o077 == 0  # the owner's only
    assert read_autosave(path)["request"]["received"] == date(2026, 11, 2)
    discard_autosave(path)
    discard_autosave(path)  # twice is fine
    assert autosaves(store) == []


def test_an_unreadable_autosave_is_empty_and_an_unwritable_one_is_not_an_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe not toml")
    assert read_autosave(bad) == {}
    assert read_autosave(tmp_path / "gone.toml") == {}
    store = FakeStore(tmp_path / "isp")
    assert write_autosave(store, autosave_dir(store) / "x.toml", {"bad": object()}) is False
