"""The auditor's screens through the real TUI (Pilot): `python bench/tui_auditor.py ROOT REPO N`.

ROOT: the isp-tui checkout to import; REPO: a scratch copy of a bench/out repository (the derived index
is written into it). Times, from the key press to the screen filled (its workers done): the reports
screen (p: every charted report and the overrides from the derived index, already up to date) and the
timeline (t: every commit, newest first, the first page in the table), with Pilot's own round trip for
a key nothing acts on as the baseline.

Measured 2026-12-01 on the shared 2-core machine under load (load average 7), medians:
  10,000 records (12,487 commits):   reports screen 2.7 s, timeline 2.5 s, baseline 72 ms
  100,000 records (124,985 commits): reports screen 3.6 s, timeline 12.8 s, baseline 87 ms
The reports' queries are ~0.1 s of it at 10k; the rest is the screen's first composition (seven tabs,
plotext's import) and the worker sharing the interpreter with the drawing. The timeline was
audit.timeline reading the whole log (`git log --reverse --raw`) before the first row; it now reads
newest first a page at a time (audit.timeline_page): at 10,000 records 3.4 s -> 1.3 s (bench/README.md).
The screens are opened by their app actions (the Home menu has the focus, and takes letters itself)."""
import asyncio, os, statistics, sys, time

root, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
os.environ.setdefault("ISP_CONFIG", os.path.join(repo, "no-config.toml"))  # no user config
from datetime import date

from isp_tui.tui.app import IspApp


async def once():
    app = IspApp(records=repo, identity="Test Practitioner <practitioner@example.invalid>", today=date(2026, 11, 21))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await app.workers.wait_for_complete()
        t = time.perf_counter()
        await pilot.press("z"); await pilot.pause()  # a key Home ignores: Pilot's own cost, the baseline
        idle = time.perf_counter() - t
        t = time.perf_counter()
        await app.action_reports(); await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        reports = time.perf_counter() - t
        filled = len(app.screen.reports)
        await pilot.press("escape"); await pilot.pause()
        t = time.perf_counter()
        await app.action_timeline(); await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        timeline = time.perf_counter() - t
        changes = len(app.screen.rows)
        return idle, reports, timeline, filled, changes


res = [asyncio.run(once()) for _ in range(n)]
for label, i in (("baseline: a key Home ignores", 0), ("reports screen (p -> filled)", 1),
                 ("timeline (t -> first page)", 2)):
    print(f"{label}: median {statistics.median(r[i] for r in res)*1000:.0f} ms  {[round(r[i]*1000) for r in res]}")
print("reports", res[-1][3], "changes", res[-1][4])
