"""The auditor's screens through the real TUI (Pilot): `python bench/tui_auditor.py ROOT REPO N`.

ROOT: the isp-tui checkout to import; REPO: a scratch copy of a bench/out repository (the derived index
is written into it). Times, from the key press to the screen filled (its workers done): the reports
screen (p: every charted report and the overrides from the derived index, already up to date) and the
timeline (t: every commit, newest first, the first page in the table), with Pilot's own round trip for
a key nothing acts on as the baseline.

Each figure is printed with the CPU time the app's process spent on it (every thread): on this shared
2-core machine the wall time moves 2-4x with the load, the CPU time much less.

Measured 2026-12-01 on the shared 2-core machine under load (load average 7), medians:
  10,000 records (12,487 commits):   reports screen 2.7 s, timeline 2.5 s, baseline 72 ms
  100,000 records (124,985 commits): reports screen 3.6 s, timeline 12.8 s, baseline 87 ms
Later the same day at 100,000 records (load average 6-8; before = the code before the changes, run
alternately on the same copy; bench/README.md has the table): reports screen 9.1-10.8 s wall (3.2-3.8 s
CPU) before, 6.8-7.9 s wall (2.7-2.8 s CPU) after; timeline 1.1-2.1 s wall (0.6-0.8 s CPU), as on an empty
repository (1.6 s, 0.6 s CPU): the newest-first reader's page does not grow with the history.
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
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("z"); await pilot.pause()  # a key Home ignores: Pilot's own cost, the baseline
        idle, idle_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        await app.action_reports(); await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        reports, reports_cpu = time.perf_counter() - t, time.process_time() - c
        filled = len(app.screen.reports)
        await pilot.press("escape"); await pilot.pause()
        t, c = time.perf_counter(), time.process_time()
        await app.action_timeline(); await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        timeline, timeline_cpu = time.perf_counter() - t, time.process_time() - c
        changes = len(app.screen.rows)
        return idle, reports, timeline, filled, changes, idle_cpu, reports_cpu, timeline_cpu


res = [asyncio.run(once()) for _ in range(n)]
for label, i in (("baseline: a key Home ignores", 0), ("reports screen (p -> filled)", 1),
                 ("timeline (t -> first page)", 2)):
    print(f"{label}: median {statistics.median(r[i] for r in res)*1000:.0f} ms  {[round(r[i]*1000) for r in res]}"
          f"  (CPU, every thread: median {statistics.median(r[i + 5] for r in res)*1000:.0f} ms)")
print("reports", res[-1][3], "changes", res[-1][4])
