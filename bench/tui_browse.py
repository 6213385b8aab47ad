"""Browse open + one keystroke through the real TUI (Pilot): `python bench/tui_browse.py ROOT REPO N` (ROOT: the isp-tui checkout to import; REPO: a scratch copy of a bench/out repository, the index is written into it)."""
import asyncio, sys, time, statistics, os
root, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
os.environ.setdefault("ISP_CONFIG", os.path.join(repo, "no-config.toml"))  # no user config
from datetime import date
from textual.widgets import DataTable
from isp_tui.tui.app import IspApp

async def once():
    app = IspApp(records=repo, identity="Test Practitioner <practitioner@example.invalid>", today=date(2026, 11, 21))
    async with app.run_test(size=(120, 40)) as pilot:
        t = time.perf_counter(); await app.loaded.wait(); load = time.perf_counter() - t
        await pilot.pause()
        t = time.perf_counter()
        await pilot.press("b"); await pilot.pause()
        table = app.screen.query_one(DataTable)
        opened = time.perf_counter() - t
        await app.workers.wait_for_complete()
        t = time.perf_counter()
        await pilot.press("z"); await pilot.pause()  # a key the table ignores: Pilot's own cost, the baseline
        idle = time.perf_counter() - t
        t = time.perf_counter()
        await pilot.press("ctrl+f", "a"); await pilot.pause()
        key1 = time.perf_counter() - t
        t = time.perf_counter()
        await pilot.press("l"); await pilot.pause()
        key2 = time.perf_counter() - t
        t = time.perf_counter()
        await pilot.press("i"); await pilot.pause()
        key3 = time.perf_counter() - t
        return load, opened, key1, key2, table.row_count, app.screen.sub_title, idle, key3

res = [asyncio.run(once()) for _ in range(n)]
for label, i in (("load (services)", 0), ("browse open (b -> table)", 1), ("baseline: a key the table ignores", 6),
                 ("ctrl+f + 'a'", 2), ("then 'l'", 3), ("then 'i'", 7)):
    print(f"{label}: median {statistics.median(r[i] for r in res)*1000:.0f} ms  {[round(r[i]*1000) for r in res]}")
print("rows in table", res[-1][4], res[-1][5])
