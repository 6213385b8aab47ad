"""The typical case of issue 15 walked through the real app with Pilot, step by step, as a first decision (role and
organisation typed) and as a returning practitioner's (both remembered from the first):

    python bench/tui_walk.py [--repeat 3] [--size 80x24] [--markdown]

The walk is tests/walks.py's, the one the tmux test plays: every key and every character typed is a Pilot key
press. Each step's time runs from the step shown to the next step shown. Pilot's own round trip (a key the focused
field ignores, F12, pressed 40 times on the same screen in the same run) is the baseline: the app's own time for a
step is the step's time less its keys times that round trip. Medians of --repeat runs; a fresh records repository
in a scratch directory each run, obviously fictional data."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from walks import count, play, settle, typed_characters, typical  # noqa: E402

PRACTITIONER = "Test Practitioner <test.practitioner@example.invalid>"
TODAY = date(2026, 12, 1)
ROLE, ORGANISATION = "Test social worker", "Test Borough Children's Services"


async def round_trip(pilot, n: int = 40) -> float:
    """Pilot's own cost of one key press the app does nothing with (median seconds)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await pilot.press("f12")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


async def walk_once(records: Path, size: tuple[int, int], *, first: bool) -> tuple[dict, float, float]:
    """One walk: {step: (seconds, keys)}, the baseline round trip, the whole walk's seconds."""
    from isp_tui.config import Config
    from isp_tui.tui.app import IspApp

    steps: dict[str, tuple[float, int]] = {}
    walk = typical(TODAY, role=ROLE, organisation=ORGANISATION) if first else typical(TODAY)
    app = IspApp(records=str(records), identity=PRACTITIONER, config=Config(), today=TODAY)
    async with app.run_test(size=size) as pilot:
        await app.loaded.wait()
        await settle(pilot)
        baseline = await round_trip(pilot)
        started = time.perf_counter()
        await play(pilot, walk, lambda step, seconds, keys: steps.__setitem__(step, (seconds, keys)))
        total = time.perf_counter() - started
    return steps, baseline, total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--markdown", action="store_true", help="print the table as bench/README.md has it")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    results: dict[str, list] = defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["ISP_CONFIG"] = str(Path(scratch) / "no-config.toml")  # no user config: nothing known of them
        os.environ["XDG_DATA_HOME"] = str(Path(scratch) / "data")
        for n in range(args.repeat):
            records = Path(scratch) / f"records-{n}"
            results["first"].append(asyncio.run(walk_once(records, size, first=True)))
            results["returning"].append(asyncio.run(walk_once(records, size, first=False)))
    first_walk, returning_walk = typical(TODAY, role=ROLE, organisation=ORGANISATION), typical(TODAY)
    print(f"The typical case at {args.size}, Pilot, median of {args.repeat} runs. Keys besides text: first decision "
          f"{count(first_walk)}, returning {count(returning_walk)}; characters typed {typed_characters(first_walk)} "
          f"and {typed_characters(returning_walk)}.\n")
    for which in ("first", "returning"):
        runs = results[which]
        baseline = statistics.median(r[1] for r in runs)
        print(f"{which} decision: whole walk {statistics.median(r[2] for r in runs):.1f} s; Pilot round trip "
              f"(baseline) {baseline * 1000:.1f} ms a key\n")
        print("| step left | keys pressed | step, ms | Pilot's share, ms | the app's own, ms |")
        print("|---|---:|---:|---:|---:|")
        app_total = 0.0
        for step in runs[0][0]:
            seconds = statistics.median(r[0][step][0] for r in runs)
            keys = runs[0][0][step][1]
            share = keys * baseline
            app_total += max(seconds - share, 0)
            print(f"| {step} | {keys} | {seconds * 1000:.0f} | {share * 1000:.0f} | {max(seconds - share, 0) * 1000:.0f} |")
        print(f"| **all** | {sum(s[1] for s in runs[0][0].values())} | "
              f"{sum(statistics.median(r[0][s][0] for r in runs) for s in runs[0][0]) * 1000:.0f} | | "
              f"{app_total * 1000:.0f} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
