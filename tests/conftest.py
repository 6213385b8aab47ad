"""Shared fixtures: real templates, real git repositories in tmp_path, the real CLI, in-process (`isp`)
or in a subprocess (`isp_process`).

All people, agencies' staff and cases in these tests are fictional (example.invalid addresses,
"Test ..." names, TEST- references).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from isp_tui.guidance import load_guidance

PRACTITIONER = "Test Practitioner <test.practitioner@example.invalid>"
ROOT = Path(__file__).resolve().parent.parent


# The slowest tests (each 15-60 s on 2 cores), started first: on every core (pytest-xdist, `--dist worksteal`)
# none of them is left to start last while the other workers sit idle.
SLOW_FIRST = (
    "tests/e2e/",
    "test_every_path_of_the_flowchart",
    "tests/test_crash.py",
    "test_a_half_finished_decision_survives",
    "test_rules_checklists_help_palette",
    "test_focus_shows_and_only_where_it_acts",
    "tests/test_scale.py",
    "tests/test_concurrency.py",
    "tests/test_e2e_tmux.py",
    "test_browse_search_open_history_and_amend",
    "test_browse_more_records_than_a_page",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not any(part in item.nodeid for part in SLOW_FIRST))


@pytest.fixture(scope="session")
def guidance():
    return load_guidance()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's own config or git identity."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("ISP_CONFIG", str(home / "no-config.toml"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("ISP_RECORDS", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the CLI under test is this checkout's, whatever is installed
    return home


@pytest.fixture
def v1(tmp_path) -> Path:
    """A records repository as the schema-1 store wrote it (tests/fixtures/records-v1.bundle), cloned."""
    repo = tmp_path / "records"
    subprocess.run(["git", "clone", "-q", "--branch", "main", str(ROOT / "tests" / "fixtures" / "records-v1.bundle"),
                    str(repo)], check=True, capture_output=True)
    repo.chmod(0o700)
    return repo


@pytest.fixture
def records(tmp_path) -> Path:
    return tmp_path / "records"


class Cli:
    """`isp` run in-process: `isp_tui.cli.main(argv)` with stdin, stdout and stderr of its own, in `cwd`.
    Returns what a subprocess would (the exit code, the output); `CliProcess` runs the real one."""

    def __init__(self, records: Path, cwd: Path):
        self.records = records
        self.cwd = cwd

    def argv(self, args: tuple[str, ...], identity: str | None) -> list[str]:
        argv = ["--records", str(self.records)]
        if identity:
            argv += ["--as", identity]
        return argv + list(args)

    def __call__(self, *args: str, check: int | None = 0, identity: str | None = PRACTITIONER,
                 stdin: str | None = None) -> subprocess.CompletedProcess:
        result = self.run(self.argv(args, identity), stdin)
        if check is not None:
            assert result.returncode == check, (result.returncode, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def run(self, argv: list[str], stdin: str | None) -> subprocess.CompletedProcess:
        from isp_tui.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        try:
            with contextlib.chdir(self.cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:  # argparse's --help
                    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
        finally:
            sys.stdin = saved
        return subprocess.CompletedProcess(["isp", *argv], code, out.getvalue(), err.getvalue())

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)


class CliProcess(Cli):
    """The real `isp` in a subprocess (`python -m isp_tui`): for exit codes, signals and the console script."""

    def run(self, argv: list[str], stdin: str | None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "isp_tui", *argv], cwd=self.cwd, capture_output=True, text=True,
                              input=stdin, env=os.environ.copy(), timeout=120)


@pytest.fixture
def isp(records, tmp_path) -> Cli:
    return Cli(records, tmp_path)


@pytest.fixture
def isp_process(records, tmp_path) -> CliProcess:
    return CliProcess(records, tmp_path)


def write_toml(path: Path, data: dict) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout
