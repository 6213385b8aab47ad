"""The `isp` command line's grammar: every command's arguments, and the fast path for the app.

`isp` and `isp tui` (the way the app is started every time) are read by `cli.appargs.app_args`
without argparse, so nothing delays the app's first screen; everything else is parsed here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from isp_tui.errors import InputError

REPORT_NAMES = ("outcomes", "months", "agencies", "bases", "without-consent", "incomplete", "responses", "corrections",
                "reviews", "overrides")  # audit.REPORTS' names


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors are bad input too
        self.print_usage(sys.stderr)
        raise InputError(message)


def options(default: Any, records: str = "the user's own") -> argparse.ArgumentParser:
    # the same options before or after the command; after it they must not reset what came before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--records", metavar="PATH", default=default,
                        help=f"the records repository (default: ISP_RECORDS, the config file's records, else {records})")
    common.add_argument("--config", metavar="FILE", default=default,
                        help="the config file to use (default: ISP_CONFIG or the user config dir)")
    common.add_argument("--as", dest="identity", metavar='"NAME <EMAIL>"', default=default,
                        help="who is deciding (default: the config file, or git config user.name/email)")
    common.add_argument("--verbose", action="store_true", default=default,
                        help="with a failed sync: git's and ssh's own text too")
    return common


TABLE_ROWS = 50  # a report's rows on a terminal: the first of them, then how many more and where to get them


def row_count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of rows (0 for all)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from isp_tui.config import default_records_path

    here = str(default_records_path()).replace("%", "%%")
    common = options(argparse.SUPPRESS, here)
    parser = Parser(prog="isp", parents=[options(None, here)],
                    description="Information sharing decisions for safeguarding children, recorded in git. "
                                "With no command, opens the full-screen app. The records repository is one per "
                                f"user: {here} unless --records, ISP_RECORDS or the config file choose another "
                                "(created by the app or the first saved record; read-only commands never create "
                                "it).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    command("tui", "open the full-screen app (the default)")
    p = command("init", "create the records repository (done on first use anyway)")
    p.add_argument("path", nargs="?", help="where (default: the records repository in use)")
    p.add_argument("--clone", metavar="URL", help="start from the organisation's repository at URL")
    p.add_argument("--sign", action="store_true", help="sign every commit from now on (git's SSH or OpenPGP signing)")
    p.add_argument("--key", metavar="KEY", help="with --sign: the SSH key file (default ~/.ssh/id_ed25519) or OpenPGP key id")
    p.add_argument("--signing-format", choices=("ssh", "openpgp"), default="ssh")
    p.add_argument("--allowed-signers", metavar="FILE",
                   help="with --sign: the allowed-signers file to add the key to (default .git/isp/allowed_signers)")
    p = command("decide", "run the engine on an answers file; writes nothing")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p = command("record", "validate a record file, write it to the records repository and commit; prints the id")
    p.add_argument("file")
    p.add_argument("--draft", action="store_true", help="save as a draft: completeness is not checked")
    p.add_argument("--json", action="store_true")
    p = command("import", "bring records across from an old copy (after a destroy, an old clone) as they were: "
                          "their ids, authors and dates kept, each commit saying it was brought across")
    p.add_argument("paths", nargs="+", metavar="PATH", help="record files, or an old records repository's folder")
    p.add_argument("--json", action="store_true")
    p = command("amend", "change a final record, with a reason, in its own commit")
    p.add_argument("id")
    p.add_argument("file", help="a TOML file with the tables and keys to change (e.g. an edited `isp show ID`)")
    p.add_argument("--reason", required=True)
    p.add_argument("--json", action="store_true")
    p = command("list", "list the records")
    p.add_argument("--json", action="store_true")
    p = command("show", "show one record")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p = command("log", "history: of one record, or of the whole repository")
    p.add_argument("id", nargs="?")
    p.add_argument("--diff", nargs=2, metavar=("REV1", "REV2"),
                   help="with ID: what changed between two revisions (numbers from `isp log ID`, or commits)")
    p.add_argument("--by", metavar="PRACTITIONER", help="only commits by this practitioner (name or email, any part)")
    p.add_argument("--agency", help="only records whose recipient or requesting agency contains this")
    p.add_argument("--outcome", help="only commits with this outcome (share, do-not-share, seek-advice ...)")
    p.add_argument("--action", choices=("draft", "final", "amend", "correct", "destroy", "merge"))
    p.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="up to and including this date (YYYY-MM-DD)")
    p.add_argument("-n", "--limit", type=int, metavar="N", default=200,
                   help="the timeline's newest N entries (default 200; 0 for all)")
    p.add_argument("--json", action="store_true")
    p = command("verify", "check the records repository has not been tampered with; exit 1 on any failure")
    p.add_argument("--full", action="store_true", help="also git fsck --strict and check every revision of every record")
    p.add_argument("--json", action="store_true")
    p = command("report", "reports for auditors: a table, or --json, --csv, --html")
    p.add_argument("name", nargs="?", metavar="NAME", help="one report (default: all): " + ", ".join(REPORT_NAMES))
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--html", action="store_true")
    p.add_argument("--as-of", metavar="DATE", help="what was overdue on this date (default: today)")
    p.add_argument("--rows", metavar="N", type=row_count, default=TABLE_ROWS,
                   help=f"rows a table shows per report (default {TABLE_ROWS}; 0: all); --json, --csv and --html "
                        "always hold every row")
    p.add_argument("--charts", action=argparse.BooleanOptionalAction, default=None,
                   help="draw each report's chart above its table (default: on a terminal only; --no-charts: "
                        "tables alone); --html always embeds them as inline SVG unless --no-charts")
    p = command("export", "one record as Markdown or self-contained HTML, signed and dated")
    p.add_argument("id")
    p.add_argument("--format", choices=("md", "html", "ico-decision-form", "ico-decision-form-html"), default="md",
                   help="md, html, or the ICO's data sharing decision form (Annex B) as Markdown or HTML")
    p.add_argument("--redact", action="store_true", help="leave out what identifies the person (to seek advice)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (default: standard output)")
    p = command("correct", "record a correction to information already shared, and when each recipient was told")
    p.add_argument("id")
    p.add_argument("--description", help="what was wrong and what is right (a new correction)")
    p.add_argument("--found-on", metavar="DATE", help="when the error was found (default: today)")
    p.add_argument("--recipient", action="append", default=[], metavar="AGENCY[=DATE]",
                   help="a recipient to notify, and the date they were told if they have been (repeat for each)")
    p.add_argument("--correction", metavar="CID", help="an earlier correction: record when its recipients were told")
    p.add_argument("--json", action="store_true")
    p = command("bases", "the legal-basis catalogue: each basis, when it was law and the source of that date")
    p.add_argument("--on", metavar="DATE", help="mark the bases not in force on this date, e.g. the date of an old "
                   "decision (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p = command("rules", "the seven golden rules")
    p.add_argument("--ruleset", metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("signing", "the organisation's signing policy, committed in the records repository (admins)")
    signing = p.add_subparsers(dest="signing_command", metavar="ACTION", parser_class=Parser, required=True)
    r = signing.add_parser("publish", help="commit the allowed signers and the admins who may change them, signed; "
                                           "every clone's isp verify enforces it", parents=[common])
    r.add_argument("--allowed-signers", required=True, metavar="FILE",
                   help="`email namespaces=\"git\" type key` lines, one a person")
    r.add_argument("--admin", action="append", default=[], metavar="EMAIL", help="who may change the policy (repeat)")
    p = command("remote", "the organisation's repository this one syncs with")
    remote = p.add_subparsers(dest="remote_command", metavar="ACTION", parser_class=Parser, required=True)
    r = remote.add_parser("add", help="set the remote URL (ssh://, user@host:path, https://, git:// or a path)",
                          parents=[common])
    r.add_argument("url")
    remote.add_parser("show", help="show the remote URL", parents=[common])
    p = command("sync", "fetch, integrate and push: bring this machine and the organisation's repository in step")
    p.add_argument("--json", action="store_true")
    p.add_argument("--restore", action="store_true",
                   help="the server lost records this machine holds (an older backup restored, a force-push): merge "
                        "and push them back, never forced")
    p = command("status", "health: ahead/behind, drafts, records not yet pushed, last successful sync")
    p.add_argument("--json", action="store_true")
    p.add_argument("--seen", action="store_true", help="stop showing the versions of yours a sync did not keep")
    p = command("retention", "records past their retention or review date: list, extend, destroy (admins)")
    retention = p.add_subparsers(dest="retention_command", metavar="ACTION", parser_class=Parser, required=True)
    r = retention.add_parser("list", help="final records past their retain_until or review_on date", parents=[common])
    r.add_argument("--json", action="store_true")
    r = retention.add_parser("extend", help="keep a record longer: an amendment with a reason", parents=[common])
    r.add_argument("id")
    r.add_argument("--until", required=True, metavar="YYYY-MM-DD")
    r.add_argument("--reason", required=True)
    r.add_argument("--json", action="store_true")
    r = retention.add_parser("destroy", help="remove a record's content from every commit (rewrites history)",
                             parents=[common])
    r.add_argument("id")
    r.add_argument("--reason", required=True, help="why (no personal data: it is kept in the tombstone)")
    r.add_argument("--yes", action="store_true", help="confirm: this rewrites the history of the records repository")
    r.add_argument("--json", action="store_true")
    return parser
