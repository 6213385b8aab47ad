"""End to end: the real `isp` in a real terminal (tmux, 80x24), driven with send-keys only,
completing a decision; the records repository is then checked with plain git."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conftest import PRACTITIONER, ROOT, git

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: the end-to-end test drives the real app in tmux")


class Terminal:
    def __init__(self, socket: str):
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "isp", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "isp")

    def wait_for(self, text: str, limit: float = 60) -> str:
        """Poll the screen until it shows `text` (a generous limit: this is no timing assertion)."""
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if text in screen:
                time.sleep(0.5)  # let the step take focus before the next keys (not an assertion)
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen}")
            time.sleep(0.1)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def tab(self) -> None:
        """Move to the next field. Textual hands keys to the widget focused when they arrive, so text
        sent within milliseconds of a Tab would go to the field being left: wait for the move."""
        self.keys("Tab")
        time.sleep(0.5)


@pytest.fixture
def terminal(tmp_path):
    socket = f"isp-e2e-{os.getpid()}"
    term = Terminal(socket)
    yield term
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def test_a_decision_made_in_the_real_app_is_committed(terminal, records, tmp_path):
    env = {k: os.environ[k] for k in ("HOME", "XDG_CONFIG_HOME", "ISP_CONFIG", "GIT_CONFIG_GLOBAL",
                                      "GIT_CONFIG_NOSYSTEM", "PYTHONPATH", "PATH")}
    env["TERM"] = "xterm-256color"
    config = tmp_path / "config.toml"  # the practitioner's organisation, as a user's config file gives it
    config.write_text('role = "Test social worker"\norganisation = "Test Borough Children\'s Services"\n')
    env["ISP_CONFIG"] = str(config)
    command = " ".join(["env", *(shlex.quote(f"{k}={v}") for k, v in env.items()), shlex.quote(sys.executable),
                        "-m", "isp_tui", "--records", shlex.quote(str(records)), "--as", shlex.quote(PRACTITIONER)])
    terminal.tmux("new-session", "-d", "-s", "isp", "-x", "80", "-y", "24", "-c", str(tmp_path),
                  f"{command}; echo ISP-EXITED-$?; sleep 60")
    terminal.wait_for("New decision")
    terminal.wait_for("Deciding as")
    terminal.keys("n")
    terminal.wait_for("About the decision")
    terminal.type("Test Child Alpha")
    terminal.wait_for("Test Child Alpha")
    terminal.tab()
    terminal.type("TEST-0001")
    terminal.wait_for("TEST-0001")
    terminal.keys("C-n")
    terminal.wait_for("Were you asked for the information")
    terminal.keys("C-n")
    terminal.wait_for("Who would receive the information")
    terminal.keys("C-n")
    terminal.wait_for("Is there a clear and legitimate purpose")
    terminal.keys("Down")  # Yes -> No
    terminal.keys("Enter")
    terminal.wait_for("DO NOT SHARE")
    terminal.keys("C-n")
    terminal.wait_for("The flowchart's outcome")
    terminal.keys("Down")
    terminal.keys("Down")
    terminal.keys("Enter")  # Do not share
    terminal.tab()
    terminal.type("Fictional test: no legitimate purpose.")
    terminal.keys("C-n")
    terminal.wait_for("Keeping the record: Review")
    terminal.type("2027-11-03")
    terminal.keys("C-n")
    terminal.wait_for("Final check")
    terminal.keys("C-n")
    terminal.wait_for("Nothing: it can be saved as final")
    terminal.keys("Enter")  # the focused "Save final record" button
    screen = terminal.wait_for("Commit")
    terminal.keys("Enter")
    terminal.wait_for("New decision")
    terminal.keys("C-q")
    terminal.wait_for("ISP-EXITED-0")

    # plain git, no app
    log = git(records, "log", "--format=%an <%ae>|%s").strip().splitlines()
    assert len(log) == 1
    author, subject = log[0].split("|")
    assert author == PRACTITIONER
    assert subject.endswith(": final (do-not-share)")
    record_id = subject.split()[1].rstrip(":")
    assert record_id in screen
    [path] = git(records, "ls-files", "*.toml").split()[:1] if False else [
        p for p in git(records, "ls-files").split() if p.endswith(f"{record_id}.toml")]
    record = tomllib.loads(git(records, "show", f"HEAD:{path}"))
    assert record["status"] == "final"
    assert record["subject"] == {"name": "Test Child Alpha", "reference": "TEST-0001"}
    assert record["decided"]["organisation"] == "Test Borough Children's Services"
    assert record["retention"]["review_on"].isoformat() == "2027-11-03"
    assert record["decision"]["recorded"] == "do-not-share"
    assert record["outcome"]["engine"] == "do-not-share"
    git(records, "fsck", "--strict")
    assert git(records, "status", "--porcelain") == ""
