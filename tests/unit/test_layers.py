"""The import contracts in pyproject.toml ([tool.importlinter]) hold: the core never imports Textual, Rich
or the faces, the app never imports the CLI, and the core's layers import in one direction only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def lint_imports() -> str | None:
    """The installed import-linter's console script: beside this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("lint-imports")
    return str(beside) if beside.is_file() else shutil.which("lint-imports")


def test_the_import_contracts_hold():
    program = lint_imports()
    if program is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]' installs it)")
    done = subprocess.run([program, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
