"""End to end: the real `isp` (the console script installed beside this Python) in a real terminal (tmux,
80x24), driven with send-keys only, completing decisions; the records repository is then checked with plain git.

The typical case of issue 15 (tests/walks.py) is sent as fast as tmux sends keys: no pause after a Tab or an
Enter, each step only waited for (its heading) before its keys go. Every key lands in the field focused for it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest

from conftest import PRACTITIONER, ROOT, git
from isp_tui.tui.forms.fields import HOW_SHORT, SHORT, STEP_TITLES
from walks import KEY, STEP, TYPE, count, twelve_months, typical

ISP = Path(sys.executable).with_name("isp")  # the console script of this environment
TMUX_KEYS = {"tab": "Tab", "enter": "Enter", "down": "Down", "up": "Up", "space": "Space", "escape": "Escape"}

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: the end-to-end test drives the "
                       "real app in tmux"),
    pytest.mark.skipif(not ISP.exists(), reason=f"no isp console script beside {sys.executable}: install the "
                       "package (pip install -e .) to drive the real command"),
]


class Terminal:
    def __init__(self, socket: str):
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "isp", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "isp")

    def wait_for(self, text: str, limit: float = 60, *, marker: re.Pattern | None = None) -> str:
        """Poll the screen until it shows `text`, or a line matching `marker` (a generous limit: this is no
        timing assertion). Keys sent next need no pause: the app hands each key to the widget focused when its
        turn comes."""
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if text in screen or text in flowed(screen) or (marker is not None and marker.search(screen)):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen}")
            time.sleep(0.1)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def tab(self) -> None:
        self.keys("Tab")

    def press(self, key: str) -> None:
        """A key in Textual's name ("ctrl+n", "down") as tmux names it ("C-n", "Down")."""
        self.keys(f"C-{key[5:]}" if key.startswith("ctrl+") else TMUX_KEYS.get(key, key))

    def play(self, walk) -> None:
        for what, value in walk:
            if what == KEY:
                self.press(value)
            elif what == TYPE:
                self.type(value)
            elif what == STEP:  # the step's heading, or the list of steps pointing at it (a step that opens
                self.wait_for(value[1], marker=current_step(value[0]))  # on a field below scrolls its heading away)


def current_step(step_id: str) -> re.Pattern | None:
    """The line of the list of steps that marks `step_id` as the one shown ("> 3 The recipient")."""
    if step_id == "review":  # its words say nothing is missing: that is the check, not where the app is
        return None
    kind, _, key = step_id.partition(":")
    title = STEP_TITLES.get(step_id) or SHORT.get(key) or (f"How: {HOW_SHORT[key]}" if key in HOW_SHORT else None)
    return re.compile(rf"^\s*> \d+ {re.escape(title)}\s", re.M) if title else None


def flowed(screen: str) -> str:
    """The screen's right-hand pane as one line of words: a heading is found however it wraps (a scrollbar
    appearing takes a column, and the words move to the next line)."""
    bars = str.maketrans("", "", "▁▂▃▄▅▆▇█▔▏▕")  # a scrollbar's glyphs at a line's end
    return " ".join(" ".join(line.split("│", 1)[-1].translate(bars).split()) for line in screen.splitlines())


@pytest.fixture
def terminal(tmp_path):
    socket = f"isp-e2e-{os.getpid()}"
    term = Terminal(socket)
    yield term
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def start_isp(terminal, records, tmp_path) -> None:
    """The real `isp` at 80x24, as a practitioner whose config names their role and organisation."""
    env = {k: os.environ[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "ISP_CONFIG", "GIT_CONFIG_GLOBAL",
                                      "GIT_CONFIG_NOSYSTEM", "PYTHONPATH", "PATH")}
    env["TERM"] = "xterm-256color"
    config = tmp_path / "config.toml"  # the practitioner's organisation, as a user's config file gives it
    config.write_text('role = "Test social worker"\norganisation = "Test Borough Children\'s Services"\n')
    env["ISP_CONFIG"] = str(config)
    command = " ".join(["env", *(shlex.quote(f"{k}={v}") for k, v in env.items()), shlex.quote(str(ISP)),
                        "--records", shlex.quote(str(records)), "--as", shlex.quote(PRACTITIONER)])
    terminal.tmux("new-session", "-d", "-s", "isp", "-x", "80", "-y", "24", "-c", str(tmp_path),
                  f"{command}; echo ISP-EXITED-$?; sleep 60")
    terminal.wait_for("New decision")
    terminal.wait_for("Deciding as")


def the_one_commit(records: Path, decision: str) -> tuple[str, str, dict]:
    """Read with plain git, no app: the repository holds one commit, by the practitioner, saving a final record
    of `decision`. (its record id, the file's path, the file as committed)"""
    log = git(records, "log", "--format=%an <%ae>|%s").strip().splitlines()
    assert len(log) == 1
    author, subject = log[0].split("|")
    assert author == PRACTITIONER
    assert subject.endswith(f": final ({decision})")
    record_id = subject.split()[1].rstrip(":")
    [path] = [p for p in git(records, "ls-files").split() if p.endswith(f"{record_id}.toml")]
    return record_id, path, tomllib.loads(git(records, "show", f"HEAD:{path}"))


def test_the_typical_case_in_the_real_app_at_80x24_in_at_most_80_keys(terminal, records, tmp_path):
    today = date.today()  # the real app's today: the dates it fills in, the review typed a year on
    walk = typical(today)
    start_isp(terminal, records, tmp_path)
    terminal.play(walk)
    terminal.keys("C-q")
    terminal.wait_for("ISP-EXITED-0")
    assert count(walk) + 1 <= 80  # the walk's keys, and ctrl+q to leave the app; none to find focus

    _record_id, path, record = the_one_commit(records, "share")
    assert path in git(records, "show", "--name-only", "--format=", "HEAD").split()  # the commit that saved it
    assert record["status"] == "final"
    assert record["subject"] == {"name": "Test Child Alpha", "reference": "TEST-0001"}
    assert record["decided"]["role"] == "Test social worker"
    assert record["decided"]["organisation"] == "Test Borough Children's Services"
    assert record["request"]["agency"] == "Leicestershire Police" and record["request"]["in_writing"] is True
    assert record["request"]["received"] == today and record["sharing"]["shared_on"] == today
    assert record["recipient"]["agency"] == "Leicestershire Police"
    assert record["when"]["consent"] == "not-sought"
    assert record["when"]["consent_not_sought_reason"] == "increased-risk"
    assert {"ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"} <= set(
        record["when"]["lawful_basis"])
    assert record["context"]["special_category"] is True
    assert record["sharing"]["data_categories"] == ["health-information", "school-attendance"]
    assert record["sharing"]["method"] == "secure-email"
    assert record["retention"]["review_on"] == twelve_months(today)
    assert record["decision"]["recorded"] == "share" and record["outcome"]["engine"] == "share"
    assert len(record["checklists"]["sixteen-questions"]) == 16
    assert record["checklists"]["sixteen-questions"]["q06"] == "The child's, and the family's (test)."
    git(records, "fsck", "--strict")
    assert git(records, "status", "--porcelain") == ""


def test_a_decision_made_in_the_real_app_is_committed(terminal, records, tmp_path):
    start_isp(terminal, records, tmp_path)
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
    terminal.keys("Enter")  # Do not share; Enter goes on to the reasons
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

    record_id, _path, record = the_one_commit(records, "do-not-share")
    assert record_id in screen
    assert record["status"] == "final"
    assert record["subject"] == {"name": "Test Child Alpha", "reference": "TEST-0001"}
    assert record["decided"]["organisation"] == "Test Borough Children's Services"
    assert record["retention"]["review_on"].isoformat() == "2027-11-03"
    assert record["decision"]["recorded"] == "do-not-share"
    assert record["outcome"]["engine"] == "do-not-share"
    git(records, "fsck", "--strict")
    assert git(records, "status", "--porcelain") == ""
