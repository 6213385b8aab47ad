"""`isp decide`, `record`, `amend`, `list`, `show`: the practitioner's commands on records."""

from __future__ import annotations

import json
import sys

from isp_tui.cli.output import EXIT_OK, console, index_progress, print_json, read_file, saved, say
from isp_tui.cli.session import Session
from isp_tui.errors import InputError, printable
from isp_tui.record.model import summary


def cmd_decide(s: Session) -> int:
    from isp_tui.engine import decide, read_answers

    args = s.args
    guidance = s.guidance()
    data = read_file(args.file)
    extra = sorted(set(data) - {"ruleset", "when", "context"})
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: ruleset, when, context", file=args.file, field=extra[0])
    ruleset_id = data.get("ruleset", s.default_ruleset(guidance))
    if not isinstance(ruleset_id, str):
        raise InputError("expected a ruleset id string", file=args.file, field="ruleset")
    ruleset = guidance.ruleset(ruleset_id, file=args.file)
    answers = read_answers(data.get("when"), data.get("context"), guidance, file=args.file)
    decision = decide(answers, ruleset, guidance)
    if args.json:
        print_json(decision.as_dict())
        return EXIT_OK
    out = console()
    out.print(f"Outcome: {decision.outcome}", style="bold")
    out.print(f"Ruleset: {ruleset.id} {ruleset.version}")
    out.print("Path: " + " -> ".join(decision.path + (decision.outcome,)))
    for title, findings in (("Reasons", decision.reasons), ("Warnings", decision.warnings)):
        if findings:
            out.print(f"{title}:")
            for f in findings:
                out.print(f"  - {f.text}  [{f.source}]")
    if decision.missing:
        out.print("Still to answer: " + ", ".join(decision.missing))
    return EXIT_OK


def cmd_record(s: Session) -> int:
    args = s.args
    guidance = s.guidance()
    data = read_file(args.file, empty_ok=False)
    store = s.store()
    # a record naming no ruleset is decided under the person's default, as in the app
    result = store.save(data, guidance, s.identity(store), draft=args.draft, file=args.file,
                        ruleset=s.default_ruleset(guidance))
    return saved(args, result)


def cmd_import(s: Session) -> int:
    """`isp import PATH...`: records from an old copy, as they were (Store.bring_across)."""
    from pathlib import Path

    from isp_tui.record import RECORD_GLOB

    args = s.args
    guidance = s.guidance()
    store = s.store()
    who = s.identity(store)
    done = []
    for given in args.paths:
        path = Path(given).expanduser()
        files = sorted(path.glob(RECORD_GLOB)) if path.is_dir() else [path]
        root = path if path.is_dir() else path.absolute().parents[3] if len(path.absolute().parents) > 3 else path.parent
        if path.is_dir() and not files:
            raise InputError("holds no record files (YYYY/MM/DD/<id>.toml): give an old records repository's folder",
                             file=given)
        for file in files:
            if path.is_dir() and store.was_destroyed(file.stem):
                if not args.json:
                    print(f"destroyed here: {file.stem} (not brought back)")
                continue
            result = store.bring_across(read_file(str(file), empty_ok=False), guidance, who, file=str(file),
                                        rulesets=root / "rulesets")
            record_id = result.id if result else read_file(str(file)).get("id")
            done.append({"id": record_id, "brought_across": result is not None,
                         "status": result.record.status if result else None})
            if not args.json:
                print(f"brought across {record_id} ({result.record.status})" if result else
                      f"already here: {record_id} (the same content)")
    if args.json:
        print_json(done)
    return EXIT_OK


def cmd_amend(s: Session) -> int:
    args = s.args
    guidance = s.guidance()
    changes = read_file(args.file, empty_ok=False)
    store = s.store()
    args.id = s.record_id(store, args.id)
    # the changes are laid over the record under the store's lock, not over a copy read before it
    result = store.amend(args.id, changes, args.reason, guidance, s.identity(store), file=args.file, partial=True)
    return saved(args, result)


def cmd_list(s: Session) -> int:
    from isp_tui.index import Index

    args = s.args
    store = s.existing_store()
    if store is None:
        if args.json:
            print("[]")
        return EXIT_OK
    if store.hand_edited():
        # files put there by hand and not committed (planted, copied in): read the working tree itself, file
        # by file, so each is listed or named as it stands; the derived index describes committed records.
        from isp_tui.store import Problem

        rows, problems = [], []
        for item in store.records():
            if isinstance(item, Problem):
                problems.append(item)
            else:
                rows.append({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in summary(item).items()})
    else:
        index = Index(store)
        index.refresh(progress=index_progress())
        problems, rows = index.problems, index.summaries()
    for problem in problems:
        say(problem.message)
    if args.json:  # one record a line: json's C encoder, fast at 100,000 records
        out = sys.stdout
        out.write("[")
        for n, row in enumerate(rows):
            out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        return EXIT_OK
    if not rows:
        print(f"no records yet in {store.root}")
        return EXIT_OK
    cells = [(row["created"][:10], row["id"], row["status"], row["decision"] or "", row["recipient"] or "",
              row["response_due"] or "", row["review_on"] or "", row["outcome"] or "") for row in rows]
    if not sys.stdout.isatty():  # for grep, cut and a script: one record a line, tab-separated, ids whole
        out = sys.stdout
        out.write("\t".join(LIST_COLUMNS) + "\n")
        for line in cells:
            out.write("\t".join(printable(c) for c in line) + "\n")
        return EXIT_OK
    out = console()
    shown = list_columns(out.width)
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for n in shown:  # the id and the dates whole (an id is copied from here); a long recipient folds
        table.add_column(LIST_COLUMNS[n], no_wrap=n != 4, overflow="fold", min_width=26 if n == 1 else None)
    for line in cells:
        table.add_row(*(printable(line[n]) for n in shown))
    out.print(table)
    return EXIT_OK


LIST_COLUMNS = ("created", "id", "status", "decision", "recipient", "response due", "review", "outcome")
LIST_WIDTHS = (10, 26, 6, 12, 16, 12, 10, 14)  # the least each needs: dates and the id whole
LIST_DROP = (7, 6, 3)  # on a narrow terminal, dropped first: the engine's outcome, the review date, the decision


def list_columns(width: int) -> list[int]:
    """Which of LIST_COLUMNS fit in `width` columns: the lesser ones are dropped first."""
    shown = list(range(len(LIST_COLUMNS)))
    for n in LIST_DROP:
        if sum(LIST_WIDTHS[c] + 1 for c in shown) <= width:
            break
        shown.remove(n)
    return shown


def cmd_show(s: Session) -> int:
    args = s.args
    store = s.store(create=False)
    record = store.get(s.record_id(store, args.id), s.guidance())
    if args.json:
        print_json(record.data)
    else:
        sys.stdout.write(record.to_toml())
    return EXIT_OK
