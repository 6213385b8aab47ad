"""The `isp` command: one face of the core (the TUI is the other). No domain logic lives here.

Exit codes: 0 success, 1 a check failed (verify) or the repository could not do it, 2 bad input.
A person's mistake is one line on stderr naming the file and the field, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from isp_tui.errors import InputError, StoreError, printable

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors are bad input too
        self.print_usage(sys.stderr)
        raise InputError(message)


class _Quiet(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise ValueError(message)


def _options(default: Any) -> argparse.ArgumentParser:
    # the same options before or after the command; after it they must not reset what came before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--records", metavar="PATH", default=default,
                        help="the records repository (default: ISP_RECORDS, the config file, or ./records)")
    common.add_argument("--config", metavar="FILE", default=default,
                        help="the config file to use (default: ISP_CONFIG or the user config dir)")
    common.add_argument("--as", dest="identity", metavar='"NAME <EMAIL>"', default=default,
                        help="who is deciding (default: the config file, or git config user.name/email)")
    return common


def _app_args(argv: list[str] | None) -> argparse.Namespace | None:
    """`isp` or `isp tui` with the common options only (the way the app is started every time): parsed
    without building every command's parser, so nothing delays the first screen. None for anything else."""
    quick = _Quiet(prog="isp", add_help=False, parents=[_options(None)])
    quick.add_argument("command", nargs="?", choices=["tui"])
    try:
        args, rest = quick.parse_known_args(argv)
    except ValueError:  # anything else: the full parser parses it, and says what is wrong
        return None
    return None if rest else args


TABLE_ROWS = 50  # a report's rows on a terminal: the first of them, then how many more and where to get them


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of rows (0 for all)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    common = _options(argparse.SUPPRESS)
    parser = Parser(prog="isp", parents=[_options(None)],
                    description="Information sharing decisions for safeguarding children, recorded in git. "
                                "With no command, opens the full-screen app.")
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
    p.add_argument("--action", choices=("draft", "final", "amend", "correct"))
    p.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="up to and including this date (YYYY-MM-DD)")
    p.add_argument("-n", "--limit", type=int, metavar="N", default=200,
                   help="the timeline's newest N entries (default 200; 0 for all)")
    p.add_argument("--json", action="store_true")
    p = command("verify", "check the records repository has not been tampered with; exit 1 on any failure")
    p.add_argument("--full", action="store_true", help="also git fsck --strict and check every revision of every record")
    p.add_argument("--json", action="store_true")
    p = command("report", "reports for auditors: a table, or --json, --csv, --html")
    p.add_argument("name", nargs="?", metavar="NAME", help="one report (default: all): " + ", ".join(
        ["outcomes", "months", "agencies", "bases", "without-consent", "incomplete", "responses", "corrections",
         "reviews"]))
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--html", action="store_true")
    p.add_argument("--as-of", metavar="DATE", help="what was overdue on this date (default: today)")
    p.add_argument("--rows", metavar="N", type=_count, default=TABLE_ROWS,
                   help=f"rows a table shows per report (default {TABLE_ROWS}; 0: all); --json, --csv and --html "
                        "always hold every row")
    p = command("export", "one record as Markdown or self-contained HTML, signed and dated")
    p.add_argument("id")
    p.add_argument("--format", choices=("md", "html"), default="md")
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
    p = command("bases", "the legal-basis catalogue")
    p.add_argument("--json", action="store_true")
    p = command("rules", "the seven golden rules")
    p.add_argument("--ruleset", metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("remote", "the organisation's repository this one syncs with")
    remote = p.add_subparsers(dest="remote_command", metavar="ACTION", parser_class=Parser, required=True)
    r = remote.add_parser("add", help="set the remote URL (ssh://, user@host:path, https://, git:// or a path)",
                          parents=[common])
    r.add_argument("url")
    remote.add_parser("show", help="show the remote URL", parents=[common])
    p = command("sync", "fetch, integrate and push: bring this machine and the organisation's repository in step")
    p.add_argument("--json", action="store_true")
    p = command("status", "health: ahead/behind, drafts, records not yet pushed, last successful sync")
    p.add_argument("--json", action="store_true")
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


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    try:
        args = _app_args(argv) or build_parser().parse_args(argv)
        from isp_tui.config import use_config

        use_config(args.config)
        command = args.command or "tui"
        try:
            return COMMANDS[command](args)
        finally:  # a save completes an interrupted one first (under the lock): say so, even if this save fails
            for store in _opened:
                _tell(store)
    except InputError as exc:
        print(f"isp: {printable(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"isp: {printable(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _console():
    from rich.console import Console

    return Console(markup=False, highlight=False, emoji=False)


def _guidance():
    from isp_tui.guidance import load_guidance

    return load_guidance()


def _store(args: argparse.Namespace, *, create: bool = True):
    from isp_tui.config import load_config
    from isp_tui.store import Store

    store = Store(load_config().records_path(args.records), create=create)
    _opened.append(store)
    _tell(store)
    return store


_opened: list[Any] = []  # stores this command opened: what they learn later (a recovery) is told at exit too


def _tell(store) -> None:
    """Print what the store has to tell a person (a warning, a recovery), once each."""
    while store.messages:
        print(f"isp: {printable(store.messages.pop(0))}", file=sys.stderr)


def _identity(args: argparse.Namespace, store) -> Any:
    from isp_tui.config import load_config
    from isp_tui.store import Identity

    if args.identity:
        return Identity.parse(args.identity)
    configured = load_config().identity
    if configured:
        return Identity.parse(configured, field="config name/email")
    try:
        name = store.git("config", "user.name").strip()
        email = store.git("config", "user.email").strip()
    except Exception:
        name = email = ""
    if name and email:
        return Identity(name, email)
    raise InputError('who is deciding? pass --as "Name <email>", or set name and email in the config file '
                     "or git config user.name/user.email", field="--as")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=_json_default, ensure_ascii=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _read_file(path: str, *, empty_ok: bool = True) -> dict[str, Any]:
    from isp_tui.guidance import read_toml
    from isp_tui.record import MAX_FILE

    data = read_toml(Path(path), limit=MAX_FILE)
    if not data and not empty_ok:
        raise InputError("is empty; expected the tables of a record (see the README's record file)", file=path)
    return data


# ---------------------------------------------------------------------------------------------
# The commands


def cmd_tui(args: argparse.Namespace) -> int:
    from isp_tui.tui.app import run

    return run(records=args.records, identity=args.identity)


def cmd_init(args: argparse.Namespace) -> int:
    from isp_tui.config import load_config
    from isp_tui.store import Store

    path = Path(args.path) if args.path else load_config().records_path(args.records)
    if args.clone:
        from isp_tui import sync

        sync.check_url(args.clone, field="--clone")
        try:
            store, result = sync.clone(args.clone, path, progress=_progress)
        except sync.SyncError as exc:
            print(f"isp: {exc}", file=sys.stderr)
            return EXIT_FAIL
        print(f"{store.root}: {result.summary()}")
        return EXIT_OK
    store = Store(path)
    if args.sign:
        from isp_tui.audit import setup_signing

        key = args.key or (str(Path("~/.ssh/id_ed25519").expanduser()) if args.signing_format == "ssh" else "")
        config = setup_signing(store, key=key, principal=_identity(args, store).email, fmt=args.signing_format,
                               allowed_signers=args.allowed_signers)
        for name, value in config.items():
            print(f"git config {name} {value}", file=sys.stderr)
    print(store.root)
    return EXIT_OK


def _progress(message: str) -> None:
    print(f"isp: {message}", file=sys.stderr)


def _index_progress() -> Callable[[int, int], None] | None:
    """On a terminal, how far a first build of the derived index has got (every record file is read once)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\risp: indexing the records: {done:,} of {total:,}", end=end, file=sys.stderr, flush=True)

    return show


def cmd_remote(args: argparse.Namespace) -> int:
    from isp_tui import sync

    store = _store(args)
    if args.remote_command == "add":
        url = sync.add_remote(store, args.url)
        warning = sync.url_warning(url)
        if warning:
            print(f"isp: {warning}", file=sys.stderr)
        print(f"{sync.REMOTE} {url}")
        return EXIT_OK
    url = sync.remote_url(store)
    if url is None:
        print("no remote set; an admin sets one with `isp remote add URL`")
        return EXIT_OK
    print(f"{sync.REMOTE} {url}")
    return EXIT_OK


def _sync_identity(args: argparse.Namespace, store):
    try:
        return _identity(args, store)
    except InputError:
        return None  # merges are then made as "isp sync"


def cmd_sync(args: argparse.Namespace) -> int:
    from isp_tui import sync

    store = _store(args)
    try:
        result = sync.sync(store, identity=_sync_identity(args, store), progress=None if args.json else _progress)
    except sync.SyncError as exc:
        if args.json:
            _print_json({"ok": False, "error": str(exc)})
        print(f"isp: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        _print_json({"ok": True, **result.as_dict()})
        return EXIT_OK
    for message in result.messages:
        print(f"isp: {message}", file=sys.stderr)
    print(result.summary())
    for label, ids in (("in", result.received), ("out", result.sent), ("merged", result.merged)):
        for record_id in ids:
            print(f"  {label:<6} {record_id}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from isp_tui import sync

    store = _store(args)
    state = sync.status(store)
    if args.json:
        _print_json(state.as_dict())
        return EXIT_OK
    print(f"remote:          {state.remote or 'none (isp remote add URL)'}")
    print(f"last sync:       {state.last_sync.isoformat(timespec='seconds') if state.last_sync else 'never'}")
    print(f"ahead / behind:  {state.ahead} / {state.behind} commit(s), as of the last sync")
    print(f"not yet pushed:  {len(state.unpushed)} record(s)")
    print(f"drafts:          {len(state.drafts)} record(s) not yet final")
    if state.uncommitted:
        print(f"uncommitted:     {len(state.uncommitted)} file(s) changed outside isp (git status shows them)")
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    from isp_tui import sync

    store = _store(args)
    if args.retention_command == "list":
        due = sync.retention_due(store)
        if args.json:
            _print_json([d.as_dict() for d in due])
        elif not due:
            print("no final record is past its retention or review date")
        else:
            for d in due:
                print(f"{d.id}  {d.because:<9}  retain until {d.retain_until or '-'}  review on {d.review_on or '-'}")
        return EXIT_OK
    if args.retention_command == "extend":
        try:
            until = date.fromisoformat(args.until)
        except ValueError:
            raise InputError(f"{args.until!r} is not a date; expected YYYY-MM-DD", field="--until") from None
        saved = sync.extend(store, args.id, until, args.reason, _guidance(), _identity(args, store))
        return _saved(args, saved)
    if not args.yes:
        raise InputError("destroying a record rewrites the history of the records repository and cannot be undone; "
                         "read README \"Retention\" and confirm with --yes", field="--yes")
    done = sync.destroy(store, args.id, args.reason, _identity(args, store))
    if args.json:
        _print_json(done.as_dict())
        return EXIT_OK
    print(f"destroyed record {done.id}: {done.rewritten} commit(s) rewritten, {done.versions_removed} version(s) of its "
          f"content removed from this repository; tombstone {done.tombstone} committed as {done.commit[:12]}")
    print("Every other copy still holds it. Now:")
    for line in done.instructions:
        print(f"  {line}")
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    from isp_tui.config import load_config
    from isp_tui.engine import decide, read_answers
    from isp_tui.store import default_ruleset  # merge: use isp_tui.config.default_ruleset(config, guidance)

    guidance = _guidance()
    data = _read_file(args.file)
    extra = sorted(set(data) - {"ruleset", "when", "context"})
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: ruleset, when, context", file=args.file, field=extra[0])
    ruleset_id = data.get("ruleset", default_ruleset(guidance, load_config().ruleset))
    if not isinstance(ruleset_id, str):
        raise InputError("expected a ruleset id string", file=args.file, field="ruleset")
    ruleset = guidance.ruleset(ruleset_id, file=args.file)
    answers = read_answers(data.get("when"), data.get("context"), guidance, file=args.file)
    decision = decide(answers, ruleset, guidance)
    if args.json:
        _print_json(decision.as_dict())
        return EXIT_OK
    console = _console()
    console.print(f"Outcome: {decision.outcome}", style="bold")
    console.print(f"Ruleset: {ruleset.id} {ruleset.version}")
    console.print("Path: " + " -> ".join(decision.path + (decision.outcome,)))
    for title, findings in (("Reasons", decision.reasons), ("Warnings", decision.warnings)):
        if findings:
            console.print(f"{title}:")
            for f in findings:
                console.print(f"  - {f.text}  [{f.source}]")
    if decision.missing:
        console.print("Still to answer: " + ", ".join(decision.missing))
    return EXIT_OK


def _saved(args: argparse.Namespace, saved) -> int:
    if getattr(args, "json", False):
        _print_json({"id": saved.id, "commit": saved.commit, "path": saved.path, "action": saved.action,
                     "status": saved.record.status})
    else:
        print(saved.id)
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    guidance = _guidance()
    data = _read_file(args.file, empty_ok=False)
    store = _store(args)
    from isp_tui.config import load_config

    # merge: ruleset=isp_tui.config.default_ruleset(config, guidance), the config the CLI already read
    saved = store.save(data, guidance, _identity(args, store), draft=args.draft, file=args.file,
                       ruleset=load_config().ruleset)
    return _saved(args, saved)


def cmd_amend(args: argparse.Namespace) -> int:
    guidance = _guidance()
    changes = _read_file(args.file, empty_ok=False)
    store = _store(args)
    # the changes are laid over the record under the store's lock, not over a copy read before it
    saved = store.amend(args.id, changes, args.reason, guidance, _identity(args, store), file=args.file, partial=True)
    return _saved(args, saved)


def _summary(record) -> dict[str, Any]:
    return {
        "id": record.id,
        "created": record.get("created"),
        "status": record.status,
        "outcome": record.engine_outcome,
        "decision": record.recorded,
        "recipient": record.get("recipient.agency"),
        "ruleset": record.get("ruleset.id"),
        "response_due": record.get("request.response_due"),
        "review_on": record.get("retention.review_on"),
        "amendments": len(record.data.get("amendments", [])),
    }


def _edited_since_commit(store) -> bool:
    """Whether a record file was written after the branch's last commit (a hand edit not committed): its
    modification time says so, without hashing anything (so no filter a tampered repository names runs)."""
    import os

    head = store.head()
    if not head:
        return False
    since = int(store.git("log", "-1", "--format=%ct", head).strip() or 0) + 2  # commit times are whole seconds
    stack = [str(store.root)]
    depth = {str(store.root): 0}
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if depth[folder] < 3 and entry.name.isdigit() and entry.is_dir(follow_symlinks=False):
                    depth[entry.path] = depth[folder] + 1
                    stack.append(entry.path)
                elif depth[folder] == 3 and entry.name.endswith(".toml") and \
                        entry.stat(follow_symlinks=False).st_mtime > since:
                    return True
    return False


def cmd_list(args: argparse.Namespace) -> int:
    from isp_tui.index import Index

    store = _store(args)
    if store.git("ls-files", "-z", "--others", "--exclude-standard").strip("\0") or _edited_since_commit(store):
        # files put there by hand and not committed (planted, copied in): read the working tree itself, file
        # by file, so each is listed or named as it stands; the derived index describes committed records.
        # (`git ls-files --others` hashes nothing, so no filter a tampered repository names can run.)
        from isp_tui.store import Problem

        rows, problems = [], []
        for item in store.records():
            if isinstance(item, Problem):
                problems.append(item)
            else:
                rows.append({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in _summary(item).items()})
    else:
        index = Index(store)
        index.refresh(progress=_index_progress())
        problems, rows = index.problems, index.summaries()
    for problem in problems:
        print(f"isp: {printable(problem.message)}", file=sys.stderr)
    if args.json:  # one record a line: json's C encoder, fast at 100,000 records
        out = sys.stdout
        out.write("[")
        for n, row in enumerate(rows):
            out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        return EXIT_OK
    from rich.table import Table

    table = Table("created", "id", "status", "outcome", "decision", "recipient", "response due", "review")
    for row in rows:
        table.add_row(row["created"][:10], row["id"], row["status"], row["outcome"] or "", row["decision"] or "",
                      row["recipient"] or "", row["response_due"] or "", row["review_on"] or "")
    _console().print(table)
    if not table.row_count:
        print(f"no records yet in {store.root}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    store = _store(args)
    record = store.get(args.id, _guidance())
    if args.json:
        _print_json(record.data)
    else:
        sys.stdout.write(record.to_toml())
    return EXIT_OK


def _date_arg(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date; expected YYYY-MM-DD", field=field) from None


def _plain(value: Any) -> str:
    """Text from git (authors, subjects) made by hand may hold terminal escapes: show them, never act on them."""
    import unicodedata

    return "".join(ch if ch in "\t" or unicodedata.category(ch) not in ("Cc", "Cf") else f"\\x{ord(ch):02x}"
                   for ch in str(value))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def cmd_log(args: argparse.Namespace) -> int:
    from isp_tui import audit

    store = _store(args)
    console = _console()
    if args.id:
        from isp_tui.record import record_path

        record_path(args.id)  # validates the id
        if args.diff:
            result = audit.revision_diff(store, args.id, *args.diff)
            if args.json:
                _print_json(result)
                return EXIT_OK
            console.print(f"record {args.id}: {result['from'][:12]} -> {result['to'][:12]}")
            for change in result["changes"]:
                console.print(f"  {change['field']}")
                if change.get("personal"):
                    console.print(f"    changed (personal data: see `isp show {args.id}`)")
                    continue
                console.print(f"    before: {_cell(change.get('before', '(none)'))}")
                console.print(f"    after:  {_cell(change.get('after', '(none)'))}")
            if not result["changes"]:
                console.print("  (no field changed)")
            return EXIT_OK
        # personal data stays in the record (`isp show`): the history names the field, not its values
        found = audit.history(store, args.id)
        revisions, amendments = found.revisions, found.amendments
        if args.json:
            _print_json(found.as_dict())
            return EXIT_OK
        from rich.table import Table

        table = Table(title=f"record {args.id}")
        for column in ("#", "date", "commit", "action", "outcome", "author", "reason"):
            table.add_column(column, overflow="fold")  # folded, never cut short
        for r in revisions:
            table.add_row(str(r["n"]), _cell(r["date"]), r["commit"][:12], _plain(r["action"]), _plain(r["outcome"]),
                          _plain(f"{r['author']} <{r['email']}>"), r["reason"])
        console.print(table)
        for a in amendments:
            console.print(f"amendment {a['id']} at {a['at']:%Y-%m-%d %H:%M} by {a['by']}: {a['reason']}")
            for change in a["changes"]:
                if change.get("personal"):
                    console.print(f"    {change['field']}: changed (personal data: see `isp show {args.id}`)")
                    continue
                console.print(f"    {change['field']}: {change.get('before', '(none)')!r} -> {change.get('after', '(none)')!r}")
        console.print(f"compare two revisions: isp log {args.id} --diff 1 {len(revisions)}")
        return EXIT_OK
    if args.diff:
        raise InputError("--diff compares two revisions of one record: isp log ID --diff REV1 REV2", field="--diff")
    rows = audit.timeline(store, practitioner=args.by, agency=args.agency, outcome=args.outcome, action=args.action,
                          since=_date_arg(args.since, "--since"), until=_date_arg(args.until, "--until"),
                          limit=args.limit or None)
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for r in rows:
        console.print(f"{r['date']:%Y-%m-%d %H:%M}  {r['commit'][:12]}  " + _plain(f"{r['author']} <{r['email']}>: {r['subject']}"),
                      soft_wrap=True)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from isp_tui import audit

    store = _store(args, create=False)  # verifying a mistyped path must not create an empty repository
    progress = (lambda what: print(f"isp verify: {what}...", file=sys.stderr)) if sys.stderr.isatty() else None
    result = audit.verify(store, _guidance(), full=args.full, progress=progress)
    if args.json:
        _print_json(result.as_dict())
        return EXIT_OK if result.ok else EXIT_FAIL
    console = _console()
    console.print(f"verifying {store.root} at {(result.head or 'no commits yet')[:12]}: {result.commits} commit(s), "
                  f"{result.records} record(s){' (full)' if result.full else ''}")
    for check in result.checks:
        mark = "FAIL" if not check.ok else "SKIP" if check.skipped else "PASS"
        note = f"  ({check.skipped})" if check.skipped else ""
        console.print(f"{mark}  {check.name}: {check.title}{note}", style="green" if check.ok else "bold red")
        for failure in check.failures[:20]:
            console.print(f"      - {failure['message']}" + (f"  [{failure['path']}]" if "path" in failure and
                                                                 failure["path"] not in failure["message"] else ""))
        if len(check.failures) > 20:
            console.print(f"      ... and {len(check.failures) - 20} more (see --json)")
    failed = [c.name for c in result.checks if not c.ok]
    console.print("verified: no problems found" if not failed else f"FAILED: {', '.join(failed)}",
                  style="bold green" if not failed else "bold red")
    return EXIT_OK if result.ok else EXIT_FAIL


def cmd_report(args: argparse.Namespace) -> int:
    from isp_tui import audit
    from isp_tui.dates import now, today

    store = _store(args, create=False)
    guidance = _guidance()
    as_of = _date_arg(args.as_of, "--as-of") or today()
    from isp_tui.index import Index

    index = Index(store)
    index.refresh(progress=_index_progress())
    for problem in index.problems:
        print(f"isp: {problem.message}", file=sys.stderr)
    reports = audit.reports(store, guidance, as_of, [args.name] if args.name else None, index=index)
    if args.json:
        _print_json({"as_of": as_of, "reports": {r.name: r.as_dict() for r in reports}})
        return EXIT_OK
    if args.csv:
        from isp_tui.export import report_csv

        if len(reports) > 1:
            raise InputError("--csv writes one report; name it: " + ", ".join(audit.REPORTS), field="NAME")
        sys.stdout.write(report_csv(reports[0]))
        return EXIT_OK
    if args.html:
        from isp_tui.export import reports_html

        sys.stdout.write(reports_html(reports, generated_by=str(_identity_or_unknown(args, store)), generated_at=now(),
                                      as_of=as_of, head=store.head()))
        return EXIT_OK
    from rich.table import Table

    console = _console()
    for report in reports:
        table = Table(title=f"{report.title} ({report.source}) as of {as_of}")
        for column in report.columns:  # ids in full: an auditor looks them up
            table.add_column(column, min_width=26 if column in ("id", "correction") else None, overflow="fold")
        shown = report.rows if not args.rows else report.rows[:args.rows]
        for row in shown:
            table.add_row(*(_cell(row.get(c)) for c in report.columns))
        console.print(table)
        if not report.rows:
            console.print("  none")
        elif len(shown) < len(report.rows):
            console.print(f"  ... and {len(report.rows) - len(shown):,} more ({len(report.rows):,} in all): "
                          f"--rows 0 shows them all; --csv, --json or --html writes them all")
    return EXIT_OK


def _identity_or_unknown(args: argparse.Namespace, store) -> str:
    try:
        return str(_identity(args, store))
    except InputError:
        return "(unknown: set --as)"


def cmd_export(args: argparse.Namespace) -> int:
    from isp_tui.dates import now
    from isp_tui.export import record_html, record_markdown

    store = _store(args)
    record = store.get(args.id, _guidance())
    revisions = store.history(args.id)
    commit = revisions[0].commit if revisions else None
    render = record_html if args.format == "html" else record_markdown
    import hashlib

    out = render(record, exported_by=_identity_or_unknown(args, store), exported_at=now(), commit=commit,
                 redacted=args.redact, sha256=hashlib.sha256(store.path_of(args.id).read_bytes()).hexdigest())
    if args.output:
        from isp_tui.store import atomic_write

        target = Path(args.output).absolute()
        atomic_write(target, out.encode("utf-8"), target.parent, mode=0o600)
        print(target)
    else:
        sys.stdout.write(out)
    return EXIT_OK


def _recipient_arg(value: str) -> tuple[str, date | None]:
    agency, sep, when = value.rpartition("=") if "=" in value else (value, "", "")
    return (agency, _date_arg(when, "--recipient") if sep else None)


def cmd_correct(args: argparse.Namespace) -> int:
    from isp_tui import audit
    from isp_tui.dates import today

    guidance = _guidance()
    store = _store(args)
    author = _identity(args, store)
    recipients = [_recipient_arg(r) for r in args.recipient]
    if args.correction:
        if args.description or args.found_on:
            raise InputError("--correction records when recipients were told; --description and --found-on are for "
                             "a new correction", field="--correction")
        if not recipients:
            raise InputError("name the recipients told: --recipient AGENCY=DATE", field="--recipient")
        saved = audit.mark_told(store, args.id, args.correction, guidance, author, recipients)
    else:
        if not args.description:
            raise InputError("a new correction needs --description (or --correction CID to record who was told)",
                             field="--description")
        saved = audit.record_correction(store, args.id, guidance, author, description=args.description,
                                        found_on=_date_arg(args.found_on, "--found-on") or today(),
                                        recipients=recipients)
    if args.json:
        _print_json({"id": saved.id, "commit": saved.commit, "action": saved.action,
                     "corrections": saved.record.data.get("corrections", [])})
    else:
        latest = saved.record.data["corrections"][-1] if not args.correction else \
            next(c for c in saved.record.data["corrections"] if c["id"] == args.correction)
        print(latest["id"])
    return EXIT_OK


def cmd_bases(args: argparse.Namespace) -> int:
    guidance = _guidance()
    rows = [{"id": b.id, "title": b.title, "kind": b.kind, "special_category": b.special_category,
             "statutory_bodies_only": b.statutory_bodies_only, "era": b.era, "source": b.source}
            for b in guidance.bases.values()]
    if args.json:
        _print_json(rows)
        return EXIT_OK
    from rich.table import Table

    table = Table("id", "title", "kind", "era", "flags")
    for r in rows:
        flags = ", ".join(f for f, on in (("special category", r["special_category"]),
                                          ("statutory bodies only", r["statutory_bodies_only"])) if on)
        table.add_row(r["id"], r["title"], r["kind"], r["era"], flags)
    _console().print(table)
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from isp_tui.config import load_config
    from isp_tui.store import default_ruleset  # merge: use isp_tui.config.default_ruleset(config, guidance)

    guidance = _guidance()
    ruleset = guidance.ruleset(args.ruleset or default_ruleset(guidance, load_config().ruleset), key="--ruleset")
    if args.json:
        _print_json({"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256, "title": ruleset.title,
                     "rules": [{"id": r.id, "number": r.number, "title": r.title, "text": r.text, "source": r.source}
                               for r in ruleset.rules]})
        return EXIT_OK
    console = _console()
    console.print(f"{ruleset.title} ({ruleset.id} {ruleset.version})", style="bold")
    for rule in ruleset.rules:
        console.print(f"\n{rule.number}. {rule.title}", style="bold")
        console.print(rule.text)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "tui": cmd_tui, "init": cmd_init, "decide": cmd_decide, "record": cmd_record, "amend": cmd_amend,
    "list": cmd_list, "show": cmd_show, "log": cmd_log, "bases": cmd_bases, "rules": cmd_rules,
    "remote": cmd_remote, "sync": cmd_sync, "status": cmd_status, "retention": cmd_retention,
    "verify": cmd_verify, "report": cmd_report, "export": cmd_export, "correct": cmd_correct,
}
