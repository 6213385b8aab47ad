"""The bad-input harness, continued: what could be copied out of the records repository, or forged in it.

Exports written through planted links or into directories, credentials in remote URLs, personal data a
redacted copy missed, files git or isp makes readable by others under a careless umask, a forged index,
and hostile history pulled by sync (separators in subjects, gitlinks, a clashing amendment of a
checklist). Each gives one line (never a traceback), writes nothing it should not, and leaves isp working.
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
