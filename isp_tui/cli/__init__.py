"""The `isp` command: one face of the core (the TUI is the other). No domain logic lives here.

Exit codes: 0 success, 1 a check failed (verify) or the repository could not do it, 2 bad input.
A person's mistake is one line on stderr naming the file and the field, never a traceback.

`main(argv)` keeps nothing between runs (each run's state is a `Session`), so it can run
in-process and returns the exit code. It runs under umask 077 (UMASK): what isp and git create is
owner-only. `isp` and `isp tui` are read without argparse (cli.appargs) and import only the app's
command (the app's first paint waits for nothing).
"""

from __future__ import annotations

import os
from importlib import import_module

from isp_tui.cli.output import EXIT_FAIL, EXIT_INPUT, EXIT_OK, say
from isp_tui.errors import InputError, StoreError

__all__ = ["main", "EXIT_OK", "EXIT_FAIL", "EXIT_INPUT"]

# each command's module, imported only when that command runs
COMMANDS = {
    "tui": "admin", "init": "admin", "remote": "admin", "sync": "admin", "status": "admin", "retention": "admin",
    "bases": "admin", "rules": "admin", "signing": "admin",
    "decide": "record", "record": "record", "import": "record", "amend": "record", "list": "record", "show": "record",
    "log": "audit", "verify": "audit", "report": "audit", "export": "audit", "correct": "audit",
}


# Everything isp makes (the records repository, .git/ and all git writes there, .git/isp/, exports) is for
# its owner only, whatever umask the person's shell or service manager set. git inherits it.
UMASK = 0o077


def main(argv: list[str] | None = None) -> int:
    previous = os.umask(UMASK)
    try:
        return run_main(argv)
    finally:
        os.umask(previous)  # main(argv) run in-process leaves the caller's umask as it was


def run_main(argv: list[str] | None) -> int:
    from isp_tui.cli.appargs import app_args

    try:
        args = app_args(argv)
        if args is None:
            from isp_tui.cli.parser import build_parser

            args = build_parser().parse_args(argv)
        from isp_tui.cli.session import Session

        session = Session(args)
        command = args.command or "tui"
        run = getattr(import_module(f"isp_tui.cli.commands_{COMMANDS[command]}"), f"cmd_{command}")
        try:
            return run(session)
        finally:  # a save completes an interrupted one first (under the lock): say so, even if this save fails
            session.tell_all()
    except (InputError, StoreError) as exc:
        say(exc)
        return EXIT_INPUT
    except OSError as exc:  # a full or read-only disk, a folder that vanished: one line, never a traceback
        say(f"the records repository could not be read or written here ({exc.strerror or exc}); nothing was changed")
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
