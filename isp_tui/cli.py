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


def build_parser() -> argparse.ArgumentParser:
    def options(default: Any) -> argparse.ArgumentParser:
        # the same options before or after the command; after it they must not reset what came before
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--records", metavar="PATH", default=default,
                            help="the records repository (default: ISP_RECORDS, the config file, or ./records)")
        common.add_argument("--config", metavar="FILE", default=default,
                            help="the config file to use (default: ISP_CONFIG or the user config dir)")
        common.add_argument("--as", dest="identity", metavar='"NAME <EMAIL>"', default=default,
                            help="who is deciding (default: the config file, or git config user.name/email)")
        return common

    common = options(argparse.SUPPRESS)
    parser = Parser(prog="isp", parents=[options(None)],
                    description="Information sharing decisions for safeguarding children, recorded in git. "
                                "With no command, opens the full-screen app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    command("tui", "open the full-screen app (the default)")
    p = command("init", "create the records repository (done on first use anyway)")
    p.add_argument("path", nargs="?", help="where (default: the records repository in use)")
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
    p.add_argument("--json", action="store_true")
    p = command("bases", "the legal-basis catalogue")
    p.add_argument("--json", action="store_true")
    p = command("rules", "the seven golden rules")
    p.add_argument("--ruleset", metavar="ID")
    p.add_argument("--json", action="store_true")
    return parser


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
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


def _store(args: argparse.Namespace):
    from isp_tui.config import load_config
    from isp_tui.store import Store

    store = Store(load_config().records_path(args.records))
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

    store = Store(Path(args.path) if args.path else load_config().records_path(args.records))
    print(store.root)
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    from isp_tui.engine import decide, read_answers
    from isp_tui.store import default_ruleset

    guidance = _guidance()
    data = _read_file(args.file)
    extra = sorted(set(data) - {"ruleset", "when", "context"})
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: ruleset, when, context", file=args.file, field=extra[0])
    ruleset_id = data.get("ruleset", default_ruleset(guidance))
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
    saved = store.save(data, guidance, _identity(args, store), draft=args.draft, file=args.file)
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


def cmd_list(args: argparse.Namespace) -> int:
    from isp_tui.store import Problem

    store = _store(args)
    rows, problems = [], []
    for item in store.records():
        (problems if isinstance(item, Problem) else rows).append(item if isinstance(item, Problem) else _summary(item))
    for problem in problems:
        print(f"isp: {printable(problem.message)}", file=sys.stderr)
    if args.json:
        _print_json(rows)
        return EXIT_OK
    from rich.table import Table

    table = Table("created", "id", "status", "outcome", "decision", "recipient", "response due", "review")
    for row in rows:
        table.add_row(f"{row['created']:%Y-%m-%d}", row["id"], row["status"], row["outcome"] or "",
                      row["decision"] or "", row["recipient"] or "", str(row["response_due"] or ""),
                      str(row["review_on"] or ""))
    _console().print(table)
    if not rows:
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


def cmd_log(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.id:
        from isp_tui.record import is_personal, record_path

        record_path(args.id)  # validates the id
        revisions = store.history(args.id)
        if not revisions:
            raise InputError(f"no history for record {args.id} in {store.root}", field="id")
        amendments = {}
        if store.exists(args.id):
            for a in store.get(args.id).data.get("amendments", []):
                # personal data stays in the record (`isp show`): a log names the field, not its values
                changes = [c if not is_personal(c["field"]) else {"field": c["field"], "personal": True}
                           for c in a["changes"]]
                amendments[a["id"]] = {**a, "changes": changes}
        rows = [{"commit": r.commit, "author": r.author, "email": r.email, "date": r.date, "action": r.action,
                 "subject": r.subject, "trailers": r.trailers} for r in revisions]
        if args.json:
            _print_json({"id": args.id, "revisions": rows, "amendments": list(amendments.values())})
            return EXIT_OK
        console = _console()
        for r in rows:
            console.print(f"{r['date']:%Y-%m-%d %H:%M}  {r['commit'][:12]}  {r['action']:<8} {r['author']} <{r['email']}>")
        for a in amendments.values():
            console.print(f"amendment {a['id']} at {a['at']:%Y-%m-%d %H:%M} by {a['by']}: {a['reason']}")
            for change in a["changes"]:
                if change.get("personal"):
                    console.print(f"    {change['field']}: changed (personal data: see `isp show {args.id}`)")
                    continue
                console.print(f"    {change['field']}: {change.get('before', '(none)')!r} -> {change.get('after', '(none)')!r}")
        return EXIT_OK
    out = store.git("log", "--format=%H%x1f%aI%x1f%an%x1f%s", "-n", "200") if store.head() else ""
    rows = []
    for line in out.splitlines():
        commit, when, author, subject = line.split("\x1f")
        rows.append({"commit": commit, "date": when, "author": author, "subject": subject})
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['date'][:16]}  {r['commit'][:12]}  {r['author']}: {r['subject']}")
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
    from isp_tui.store import default_ruleset

    guidance = _guidance()
    ruleset = guidance.ruleset(args.ruleset or default_ruleset(guidance), key="--ruleset")
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
}
