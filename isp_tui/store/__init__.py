"""The records repository: a git repository holding one TOML file per decision.

    repo.py     Store: reading, the lock
    save.py     save, amend, correct (every save normalised: record/normalise.py)
    commit.py   the commit path: objects, the branch move, git's index
    journal.py  the journal of saves under way, and recovery after a crash
    files.py    atomic_write: every write complete or failed
    types.py    Identity, Saved, Revision, Problem

The names below are re-exported so `from isp_tui.store import ...` keeps working while other modules move.
"""

from isp_tui.gitlayer.env import git_env
from isp_tui.gitlayer.messages import commit_message
from isp_tui.gitlayer.plumbing import ZERO, blob_id
from isp_tui.record import RECORD_GLOB
from isp_tui.record.model import outcome_table
from isp_tui.store.commit import BRANCH, STALE_GIT_LOCK
from isp_tui.store.files import atomic_write, fsync_dir, make_dirs
from isp_tui.store.repo import BACKGROUND, LOCK_TIMEOUT, Store, wait_for_background
from isp_tui.store.save import RULESETS_DIR
from isp_tui.identity import Identity
from isp_tui.store.types import Problem, Revision, Saved

__all__ = ["BACKGROUND", "BRANCH", "LOCK_TIMEOUT", "RECORD_GLOB", "RULESETS_DIR", "STALE_GIT_LOCK", "ZERO", "Identity",
           "Problem", "Revision", "Saved", "Store", "atomic_write", "blob_id", "commit_message",
           "fsync_dir", "git_env", "make_dirs", "outcome_table", "wait_for_background"]
