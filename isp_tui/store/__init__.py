"""The records repository: a git repository holding one TOML file per decision.

    repo.py      Store: reading, the lock
    save.py      save, amend, correct (every save normalised: record/normalise.py)
    commit.py    the commit path: objects, the branch move, git's index
    journal.py   the journal of saves under way, and recovery after a crash
    files.py     atomic_write: every write complete or failed
    autosave.py  the app's crash autosave of unsaved answers (file logic only)
    types.py     Saved, Revision, Problem

Other modules import Store and Problem from here; everything else from the module that defines it.
"""

from isp_tui.store.repo import Store
from isp_tui.store.types import Problem

__all__ = ["Problem", "Store"]
