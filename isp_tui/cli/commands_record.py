"""`isp decide`, `record`, `amend`, `list`, `show`: the practitioner's commands on records."""

from __future__ import annotations

import json
import sys

from isp_tui.cli.output import EXIT_OK, console, index_progress, print_json, read_file, saved, say
from isp_tui.cli.session import Session
from isp_tui.errors import InputError
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


def cmd_amend(s: Session) -> int:
    args = s.args
    guidance = s.guidance()
    changes = read_file(args.file, empty_ok=False)
    store = s.store()
    # the changes are laid over the record under the store's lock, not over a copy read before it
    result = store.amend(args.id, changes, args.reason, guidance, s.identity(store), file=args.file, partial=True)
    return saved(args, result)


def cmd_list(s: Session) -> int:
    from isp_tui.index import Index

    args = s.args
    store = s.store()
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
    from rich.table import Table

    table = Table("created", "id", "status", "outcome", "decision", "recipient", "response due", "review")
    for row in rows:
        table.add_row(row["created"][:10], row["id"], row["status"], row["outcome"] or "", row["decision"] or "",
                      row["recipient"] or "", row["response_due"] or "", row["review_on"] or "")
    console().print(table)
    if not table.row_count:
        print(f"no records yet in {store.root}")
    return EXIT_OK


def cmd_show(s: Session) -> int:
    args = s.args
    store = s.store()
    record = store.get(args.id, s.guidance())
    if args.json:
        print_json(record.data)
    else:
        sys.stdout.write(record.to_toml())
    return EXIT_OK
