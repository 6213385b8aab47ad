"""The app's start is read without argparse (cli.appargs): the same arguments as the full parser gives, or
None so that the full parser parses it (and says what is wrong)."""

from __future__ import annotations

import argparse

import pytest

from isp_tui.cli.appargs import app_args
from isp_tui.cli.parser import build_parser, options

SAME = [
    [], ["tui"], ["--records", "r"], ["--records=r", "tui"], ["tui", "--records", "r"], ["--as", "Test <t@example.invalid>"],
    ["--config", "c.toml", "--verbose", "tui", "--records", "r"], ["--records", "a", "--records", "b"], ["--records="],
]
FULL_PARSER = [  # another command, help, a missing value, an abbreviation, a repeated command
    ["list"], ["--help"], ["-h"], ["--records"], ["--records", "--verbose"], ["--rec", "r"], ["tui", "tui"], ["--verbose=1"],
    ["--", "tui"], ["tui", "extra"],
]


def argparse_reading(argv: list[str]) -> dict:
    """What argparse reads from the same command line (the common options of cli.parser, and `tui`)."""
    quick = argparse.ArgumentParser(prog="isp", add_help=False, parents=[options(None)])
    quick.add_argument("command", nargs="?", choices=["tui"])
    return vars(quick.parse_args(argv))


@pytest.mark.parametrize("argv", SAME)
def test_the_app_start_reads_as_argparse_does(argv):
    assert vars(app_args(argv)) == argparse_reading(argv)


@pytest.mark.parametrize("argv", SAME)
def test_the_full_parser_agrees_on_the_app_start(argv):
    full = vars(build_parser().parse_args(argv))
    assert {key: full.get(key) for key in vars(app_args(argv))} == {**vars(app_args(argv)), "command": full["command"]}


@pytest.mark.parametrize("argv", FULL_PARSER)
def test_anything_else_is_left_to_the_full_parser(argv):
    assert app_args(argv) is None


def test_the_app_start_imports_no_argparse():
    import subprocess
    import sys

    code = "import sys, isp_tui.cli.appargs as a, isp_tui.cli.commands_admin; a.app_args(['tui']); print('argparse' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
