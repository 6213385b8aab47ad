"""`isp log`, `verify`, `report`, `export`, `correct`: the auditor's commands, and corrections."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from isp_tui.cli.output import EXIT_FAIL, EXIT_OK, cell, console, date_arg, index_progress, print_json, say
from isp_tui.cli.session import Session
from isp_tui.errors import InputError, printable


def cmd_log(s: Session) -> int:
    from isp_tui import audit

    args = s.args
    store = s.store(create=False)
    out = console()
    if args.id:
        args.id = s.record_id(store, args.id)
        if args.diff:
            result = audit.revision_diff(store, args.id, *args.diff)
            if args.json:
                print_json(result)
                return EXIT_OK
            out.print(f"record {args.id}: {result['from'][:12]} -> {result['to'][:12]}")
            for change in result["changes"]:
                out.print(f"  {change['field']}")
                if change.get("personal"):
                    out.print(f"    changed (personal data: see `isp show {args.id}`)")
                    continue
                out.print(f"    before: {cell(change.get('before', '(none)'))}")
                out.print(f"    after:  {cell(change.get('after', '(none)'))}")
            if not result["changes"]:
                out.print("  (no field changed)")
            return EXIT_OK
        # personal data stays in the record (`isp show`): the history names the field, not its values
        found = audit.history(store, args.id)
        revisions, amendments = found.revisions, found.amendments
        if args.json:
            print_json(found.as_dict())
            return EXIT_OK
        from isp_tui.cli.output import print_table

        # never cut short, and no hash or email broken across lines (too wide: one block a revision)
        print_table(out, f"record {args.id}", ["#", "date", "commit", "action", "outcome", "author", "reason"],
                    [[str(r["n"]), cell(r["date"]), r["commit"][:12], printable(str(r["action"])),
                      printable(str(r["outcome"])), printable(f"{r['author']} <{r['email']}>"),
                      printable(str(r["reason"] or ""))] for r in revisions], whole=("commit",))
        if found.tombstone:
            t = found.tombstone
            out.print(printable(f"destroyed at {t.get('destroyed_at')} authorised by {t.get('authorised_by')}: "
                                f"{t.get('reason')} (tombstone {t.get('id')}; decided {t.get('decided_at', '-')}, "
                                f"kept until {t.get('retain_until', '-')})"), soft_wrap=True)
        for a in amendments:
            out.print(f"amendment {a['id']} at {a['at']:%Y-%m-%d %H:%M} by {a['by']}: {a['reason']}")
            for change in a["changes"]:
                if change.get("personal"):
                    out.print(f"    {change['field']}: changed (personal data: see `isp show {args.id}`)")
                    continue
                out.print(f"    {change['field']}: {cell(change.get('before', '(none)'))} -> "
                          f"{cell(change.get('after', '(none)'))}")
        out.print(f"compare two revisions: isp log {args.id} --diff 1 {len(revisions)}")
        return EXIT_OK
    if args.diff:
        raise InputError("--diff compares two revisions of one record: isp log ID --diff REV1 REV2", field="--diff")
    rows = audit.timeline(store, practitioner=args.by, agency=args.agency, outcome=args.outcome, action=args.action,
                          since=date_arg(args.since, "--since"), until=date_arg(args.until, "--until"),
                          limit=args.limit or None)
    if args.json:
        print_json(rows)
        return EXIT_OK
    from rich.text import Text

    for r in rows:  # wrapped between words: a hash or an email is never broken across lines
        out.print(Text(f"{r['date']:%Y-%m-%d %H:%M}  {r['commit'][:12]}  " +
                       printable(f"{r['author']} <{r['email']}>: {r['subject']}")), overflow="fold")
    return EXIT_OK


def cmd_verify(s: Session) -> int:
    from isp_tui import audit

    args = s.args
    store = s.store(create=False)  # verifying a mistyped path must not create an empty repository
    progress = (lambda what: print(f"isp verify: {what}...", file=sys.stderr)) if sys.stderr.isatty() else None
    result = audit.verify(store, s.guidance(), full=args.full, progress=progress)
    if args.json:
        print_json(result.as_dict())
        return EXIT_OK if result.ok else EXIT_FAIL
    out = console()
    out.print(f"verifying {store.root} at {(result.head or 'no commits yet')[:12]}: {result.commits} commit(s), "
              f"{result.records} record(s){' (full)' if result.full else ''}")
    for check in result.checks:
        mark = "FAIL" if not check.ok else "SKIP" if check.skipped else "PASS"
        note = f"  ({check.skipped})" if check.skipped else ""
        out.print(f"{mark}  {check.name}: {check.title}{note}", style="green" if check.ok else "bold red")
        for failure in check.failures[:20]:
            where = f"  [{failure['path']}]" if "path" in failure and failure["path"] not in failure["message"] else ""
            out.print(f"      - {failure['message']}{where}")
        if len(check.failures) > 20:
            out.print(f"      ... and {len(check.failures) - 20} more (see --json)")
    failed = [c.name for c in result.checks if not c.ok]
    out.print("verified: no problems found" if not failed else f"FAILED: {', '.join(failed)}",
              style="bold green" if not failed else "bold red")
    return EXIT_OK if result.ok else EXIT_FAIL


def cmd_report(s: Session) -> int:
    from isp_tui import audit
    from isp_tui.dates import now, today

    args = s.args
    store = s.store(create=False)
    guidance = s.guidance()
    as_of = date_arg(args.as_of, "--as-of") or today()
    from isp_tui.index import Index

    index = Index(store)
    index.refresh(progress=index_progress())
    for problem in index.problems:
        say(problem.message)
    reports = audit.reports(store, guidance, as_of, [args.name] if args.name else None, index=index)
    if args.json:
        print_json({"as_of": as_of, "reports": {r.name: r.as_dict() for r in reports}})
        return EXIT_OK
    if args.csv:
        from isp_tui.export import report_csv

        if len(reports) > 1:
            raise InputError("--csv writes one report; name it: " + ", ".join(audit.REPORTS), field="NAME")
        sys.stdout.write(report_csv(reports[0]))
        return EXIT_OK
    if args.html:
        from isp_tui.export import reports_html

        sys.stdout.write(reports_html(reports, generated_by=s.identity_or_unknown(store), generated_at=now(),
                                      as_of=as_of, head=store.head(), charts=args.charts is not False))
        return EXIT_OK
    from isp_tui.cli.output import print_table

    from isp_tui.charts import chart_for, chart_text

    out = console()
    draw = sys.stdout.isatty() if args.charts is None else args.charts  # charts on a terminal, unless told
    for report in reports:
        chart = chart_for(report) if draw else None
        if chart is not None:
            for line in chart_text(chart, width=out.width).splitlines():  # labels come from records: printable
                out.print(printable(line), overflow="ignore", crop=False, soft_wrap=True)
        shown = report.rows if not args.rows else report.rows[:args.rows]
        # ids in full (an auditor looks them up); too wide for the terminal: one block a row, never cropped
        print_table(out, f"{report.title} ({report.source}) as of {as_of}", list(report.columns),
                    [[cell(row.get(c)) for c in report.columns] for row in shown], whole=("id", "correction"))
        if not report.rows:
            out.print("  none")
        elif len(shown) < len(report.rows):
            out.print(f"  ... and {len(report.rows) - len(shown):,} more ({len(report.rows):,} in all): "
                      f"--rows 0 shows them all; --csv, --json or --html writes them all")
    return EXIT_OK


def cmd_export(s: Session) -> int:
    from isp_tui.dates import now
    from isp_tui.export_file import render

    args = s.args
    store = s.store(create=False)
    args.id = s.record_id(store, args.id)
    # the app's export screen calls the same render: one export, whichever face asks
    out = render(store, s.guidance(), args.id, args.format, exported_by=s.identity_or_unknown(store), exported_at=now(),
                 redacted=args.redact, arrangements=s.config.arrangements)
    if args.output:
        from isp_tui.export_file import write_export

        print(write_export(Path(args.output), out, field="--output"))
    else:
        sys.stdout.write(out)
    return EXIT_OK


def recipient_arg(value: str) -> tuple[str, date | None]:
    agency, sep, when = value.rpartition("=") if "=" in value else (value, "", "")
    return (agency, date_arg(when, "--recipient") if sep else None)


def cmd_correct(s: Session) -> int:
    from isp_tui import audit
    from isp_tui.dates import today

    args = s.args
    guidance = s.guidance()
    store = s.store()
    args.id = s.record_id(store, args.id)
    author = s.identity(store)
    recipients = [recipient_arg(r) for r in args.recipient]
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
                                        found_on=date_arg(args.found_on, "--found-on") or today(),
                                        recipients=recipients)
    if args.json:
        print_json({"id": saved.id, "commit": saved.commit, "action": saved.action,
                     "corrections": saved.record.data.get("corrections", [])})
    else:
        latest = saved.record.data["corrections"][-1] if not args.correction else \
            next(c for c in saved.record.data["corrections"] if c["id"] == args.correction)
        print(latest["id"])
    return EXIT_OK
