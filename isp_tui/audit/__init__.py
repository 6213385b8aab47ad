"""What an auditor asks of the records repository: history, verification and reports.

Everything here returns plain data (dataclasses, dicts, lists) for the CLI and the TUI to show; nothing
prints. It reads the repository through git and the store's public methods only.

- history.py: `history(store, id)` one record's revisions and amendments (personal values hidden),
  `revision_diff`, `timeline`;
- verify.py: `verify(store, guidance, full=)` and its results; checks.py: the checks over the history;
  verify_state.py: what a passing run leaves for the next; personal.py: personal data in free text;
- reports.py: `reports(store, guidance, today)` and `reports_of(records, ...)` (see REPORTS);
- corrections.py: corrections to information already shared; signing.py: commit signing;
- gitlog.py: reading git in bulk, and commit messages parsed.

The names below are the ones the faces and the other modules import.
"""

from isp_tui.audit.checks import Check
from isp_tui.audit.corrections import mark_told, record_correction
from isp_tui.audit.history import History, Resume, history, revision_diff, timeline, timeline_page
from isp_tui.audit.reports import REPORTS, Report, reports, reports_of
from isp_tui.audit.signing import setup_signing, signing_required
from isp_tui.audit.verify import CHECKS, Verification, verify
from isp_tui.audit.verify_state import CACHE, MARKER, STATE, forget_verified, index_and_facts

__all__ = ["CACHE", "CHECKS", "MARKER", "REPORTS", "STATE", "Check", "History", "Report", "Verification",
           "forget_verified", "history", "index_and_facts", "mark_told", "record_correction", "reports", "reports_of", "revision_diff",
           "setup_signing", "signing_required", "timeline", "timeline_page", "verify", "Resume"]
