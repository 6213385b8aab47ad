"""Benchmark isp-tui against baselines measured in the same run: `python bench/run.py [--sizes 1000,10000,100000] [--repeat N]`.

Each size's repository comes from bench/generate.py (cached under bench/out/) and is copied to a
scratch directory first, so the cache is never changed. Every figure is the median of N runs; a
figure and its baseline are measured alternately in the same loop, so machine noise hits both.
Results go to bench/out/results.json and into the tables of bench/README.md (between the
`results` markers). See bench/README.md for what each line measures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generate import build  # noqa: E402

from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.index import Index  # noqa: E402
from isp_tui.identity import Identity  # noqa: E402
from isp_tui.gitlayer.plumbing import BRANCH  # noqa: E402
from isp_tui.store import Store  # noqa: E402

AUTHOR = Identity("Test Benchmark", "test.benchmark@example.invalid")
SCRATCH = HERE / "out" / "scratch"
QUERIES = ["alpha", "alpha police", "test-0123", "share-part"]


def median(values: list[float]) -> float:
    return statistics.median(values)


def clock(fn, *args, **kwargs) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), ISP_CONFIG=str(home / "no-config.toml"), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), PYTHONPATH=str(ROOT),
               GIT_AUTHOR_NAME=AUTHOR.name, GIT_AUTHOR_EMAIL=AUTHOR.email,
               GIT_COMMITTER_NAME=AUTHOR.name, GIT_COMMITTER_EMAIL=AUTHOR.email)
    return env


def settle() -> None:
    """Wait for background git processes the app started (commit-graph writers)."""
    from isp_tui.store.repo import wait_for_background

    wait_for_background()


def first_paint(which: str, repo: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / "paint.py"), which, str(repo)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.wait()
    if line.strip() != b"painted":
        raise SystemExit(f"first paint of {which} failed")
    return elapsed


def run_cmd(args: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args[:4])}... failed: {result.stderr.decode()[-300:]}")
    return elapsed


def rss_mb(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def isp_has(command: str, env: dict[str, str]) -> bool:
    result = subprocess.run([sys.executable, "-m", "isp_tui", command, "--help"], env=env, capture_output=True)
    return result.returncode == 0


def measure(size: int, repeat: int, cold_repeat: int, guidance, commands_up_to: int) -> dict:
    from factory import final_record

    source = build(size)
    home = SCRATCH / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = child_env(home)
    os.environ.update({k: env[k] for k in ("HOME", "ISP_CONFIG", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL")})
    repo = SCRATCH / f"records-{size}"
    if repo.exists():
        shutil.rmtree(repo)
    print(f"[{size}] copying the repository", file=sys.stderr)
    subprocess.run(["cp", "-a", str(source), str(repo)], check=True)
    store = Store(repo)
    out: dict = {"size": size, "commits": int(store.git("rev-list", "--count", BRANCH))}
    git = ["git", "-c", "core.hooksPath=/dev/null"]

    print(f"[{size}] first paint", file=sys.stderr)
    paint, minimal = [], []
    for _ in range(max(3 * repeat, 15)):  # start-up times are noisy on a shared machine: three times the repeats
        minimal.append(first_paint("minimal", repo, env))
        paint.append(first_paint("isp", repo, env))
    out["paint"], out["paint_minimal"] = median(paint), median(minimal)

    print(f"[{size}] browse: cold index", file=sys.stderr)
    cold = []
    for _ in range(cold_repeat):
        index = Index(store)
        index.path.unlink(missing_ok=True)
        cold.append(clock(index.refresh))
        index.close()
        settle()  # the first open also starts the commit-graph writer in the background: let it finish
    out["index_cold"] = median(cold)

    def open_browse() -> None:
        index = Index(store)
        index.refresh()
        index.count()
        index.page(offset=0, limit=100)
        index.prepare()  # searchable: the filter columns are in memory
        index.close()

    out["browse_open"] = median([clock(open_browse) for _ in range(repeat)])
    index = Index(store)
    index.refresh()
    index.prepare()
    keystroke = []
    for _ in range(repeat):
        for query in QUERIES:
            index.search.last = None  # each query from scratch, not narrowed from the one before
            keystroke.append(clock(lambda q=query: (index.count(q), index.page(q, limit=100))))
    typing = []
    for _ in range(repeat):
        index.search.last = None
        for n in range(1, len("alpha police") + 1):  # a person typing, one keystroke at a time
            typing.append(clock(lambda q="alpha police"[:n]: (index.count(q), index.page(q, limit=100))))
    out["typing"] = median(typing)
    out["typing_max"] = max(typing)
    out["filter"] = median(keystroke)
    out["rows_all"] = median([clock(index.rows) for _ in range(repeat)])
    out["rows_query"] = median([clock(index.rows, "alpha") for _ in range(repeat)])
    out["due"] = median([clock(index.due, datetime(2026, 11, 1).date()) for _ in range(repeat)])

    print(f"[{size}] history and the commit-graph", file=sys.stderr)
    for old in (store.gitdir / "objects" / "info").glob("commit-graph*"):  # measure a first write, from nothing
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    out["graph_full"] = clock(store.update_commit_graph, replace=True)
    some = index.page(limit=1, offset=size // 2)[0].id
    from isp_tui.record import record_path

    fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:only,unfold)%x1e"
    without, with_graph = [], []
    cpu = []
    for _ in range(repeat):
        before = os.times()
        with_graph.append(clock(store.history, some))
        after = os.times()
        cpu.append(after.children_user + after.children_system - before.children_user - before.children_system)
        without.append(run_cmd([*git, "-c", "core.commitGraph=false", "log", f"--format={fmt}", BRANCH, "--",
                                record_path(some)], env, cwd=repo))
    out["history"], out["history_no_graph"] = median(with_graph), median(without)
    out["history_cpu"] = median(cpu)

    print(f"[{size}] report and verify", file=sys.stderr)
    # before the save benchmark, whose plain-git commits `isp verify` rightly fails (and a failing run
    # checks everything again each time)
    isp = [sys.executable, "-m", "isp_tui", "--records", str(repo)]
    if size <= commands_up_to:
        if isp_has("report", env):  # the derived index is up to date (as the app keeps it): no record file is read
            out["report"] = median([run_cmd([*isp, "report"], env) for _ in range(repeat)])
            out["report_json"] = median([run_cmd([*isp, "report", "--json"], env) for _ in range(repeat)])
        if isp_has("verify", env):
            out["verify_first"] = run_cmd([*isp, "verify"], env)  # the first run checks everything
            out["verify"] = median([run_cmd([*isp, "verify"], env) for _ in range(repeat)])  # then: since the last

    print(f"[{size}] save", file=sys.stderr)
    saves, plain = [], []
    blob = (repo / record_path(some)).read_bytes()
    for n in range(max(3 * repeat, 9)):  # saves are cheap and noisy: three times the repeats
        data = final_record(guidance)
        saves.append(clock(store.save, data, guidance, AUTHOR))
        path = repo / "2026" / "11" / "01" / f"PLAIN{n:04d}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        started = time.perf_counter()
        subprocess.run([*git, "add", "--", str(path)], cwd=repo, env=env, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "plain commit of one file"], cwd=repo, env=env, check=True)
        plain.append(time.perf_counter() - started)
    out["save"], out["plain_commit"] = median(saves), median(plain)
    status = store.git("status", "--porcelain")
    out["status_clean_after_save"] = status.strip() == ""
    out["index_incremental"] = clock(index.refresh)  # picks up the saves and plain commits above
    out["index_incremental_files"] = index.changed
    settle()
    out["graph_incremental"] = clock(store.update_commit_graph)
    index.close()

    print(f"[{size}] memory and commands", file=sys.stderr)
    # VmHWM, not ru_maxrss: Linux carries a parent's peak RSS into ru_maxrss across fork and exec
    load = ("from pathlib import Path; from isp_tui.store import Store; from isp_tui.index import Index;"
            f"i = Index(Store(Path({str(repo)!r}))); i.refresh(); {{}};"
            "print(int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024)")
    out["rss_all_rows"] = rss_mb(load.format("rows = i.rows()"), env)
    out["rss_browse"] = rss_mb(load.format("n = i.count(); rows = i.page(limit=100); i.prepare(); i.count('alpha')"), env)
    out["list_json"] = median([run_cmd([*isp, "list", "--json"], env) for _ in range(repeat)])
    return out


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{max(seconds, 0.0) * 1000:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}x"


def table(results: list[dict], meta: dict) -> str:
    sizes = [r["size"] for r in results]
    head = "| | " + " | ".join(f"{s:,}" for s in sizes) + " |\n|---|" + "---|" * len(sizes) + "\n"
    by = {r["size"]: r for r in results}

    def line(label: str, fn) -> str:
        return f"| {label} | " + " | ".join(fn(by[s]) for s in sizes) + " |\n"

    first = sizes[0]
    text = [f"Run {meta['when']} on {meta['machine']}; median of {meta['repeat']} runs (saves: "
            f"{max(3 * meta['repeat'], 9)}; first paint: {max(3 * meta['repeat'], 15)}; cold index: {meta['cold_repeat']}); load average at the end "
            f"{meta.get('load', '?')}; milliseconds unless marked.\n\n"]
    text.append(head + "".join([
        line("commits in the repository", lambda r: f"{r['commits']:,}"),
        line("**first paint**, `isp` home screen", lambda r: ms(r["paint"])),
        line("baseline: minimal Textual app", lambda r: ms(r["paint_minimal"])),
        line("ratio (target ≤ 1.2x)", lambda r: ratio(r["paint"], r["paint_minimal"])),
        line("**save** a final record (`Store.save`)", lambda r: ms(r["save"])),
        line("baseline: plain `git add` + `git commit`", lambda r: ms(r["plain_commit"])),
        line("ratio (target ≤ 0.3x)", lambda r: ratio(r["save"], r["plain_commit"])),
        line(f"save vs save at {first:,} (target ≤ 2x)", lambda r: ratio(r["save"], by[first]["save"])),
        line("`git status` clean after saves", lambda r: "yes" if r["status_clean_after_save"] else "NO"),
        line("**browse open**: index up to date + count + first 100 rows + search ready (target ≤ 500)",
             lambda r: ms(r["browse_open"])),
        line("**filter keystroke**: count + first 100 matching rows, fresh query (target ≤ 100)", lambda r: ms(r["filter"])),
        line("filter while typing \"alpha police\": median keystroke (slowest)",
             lambda r: f"{ms(r['typing'])} ({ms(r['typing_max'])})"),
        line("`Index.rows()`: every row as objects", lambda r: ms(r["rows_all"])),
        line("`Index.rows(\"alpha\")`", lambda r: ms(r["rows_query"])),
        line("`Index.due(today)`", lambda r: ms(r["due"])),
        line("index built from nothing (cold, once per clone)", lambda r: ms(r["index_cold"])),
        line("index brought up to date after the saves (incremental)",
             lambda r: f"{ms(r['index_incremental'])} ({r['index_incremental_files']} files)"),
        line("**one record's history** (`Store.history`), commit-graph with changed paths (target ≤ 300)",
             lambda r: ms(r["history"])),
        line("the same: CPU time of its `git log` (user + system)", lambda r: ms(r.get("history_cpu"))),
        line("baseline: same `git log`, no commit-graph", lambda r: ms(r["history_no_graph"])),
        line("ratio", lambda r: ratio(r["history"], r["history_no_graph"])),
        line("commit-graph written whole (`--split=replace`, first time)", lambda r: ms(r["graph_full"])),
        line("commit-graph brought up to date (`--split`, after the saves)", lambda r: ms(r["graph_incremental"])),
        line("**memory** (peak RSS, MB): index + every row as objects (target < 250)", lambda r: f"{r['rss_all_rows']:.0f}"),
        line("memory (peak RSS, MB): index + browse page + search ready + one search", lambda r: f"{r['rss_browse']:.0f}"),
        line("`isp list --json` (whole process)", lambda r: ms(r["list_json"])),
        line("`isp report`, all reports as tables (whole process)", lambda r: ms(r.get("report"))),
        line("`isp report --json`, every row of every report (whole process)", lambda r: ms(r.get("report_json"))),
        line("`isp verify`, first run: reads every record, on every core (whole process, one run)", lambda r: ms(r.get("verify_first"))),
        line("`isp verify`, again: commits since the last passing run", lambda r: ms(r.get("verify"))),
    ]))
    return "".join(text)


def write_readme(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- results:start -->\n", "<!-- results:end -->\n"
    current = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{start}{end}"
    before, _, rest = current.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(before + start + text + end + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold-repeat", type=int, default=1, help="cold index builds per size (slow at 100k)")
    parser.add_argument("--commands-up-to", type=int, default=100000,
                        help="run isp report and isp verify only at sizes up to this (verify's first run reads "
                             "every record: a minute at 100k)")
    parser.add_argument("--no-readme", action="store_true", help="print the table; leave bench/README.md alone")
    parser.add_argument("--paint-only", type=int, metavar="N", default=0,
                        help="only first paint, N runs of each app alternately, on an empty records repository "
                             "(nothing is read before the first frame, so the number of records does not matter)")
    parser.add_argument("--from-json", action="store_true",
                        help="write the table again from bench/out/results.json, measuring nothing")
    args = parser.parse_args()
    if args.paint_only:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "isp_tui")], check=True)
        home = SCRATCH / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = child_env(home)
        repo = SCRATCH / "records-empty"
        shutil.rmtree(repo, ignore_errors=True)
        paint, minimal = [], []
        for _ in range(args.paint_only):
            minimal.append(first_paint("minimal", repo, env))
            paint.append(first_paint("isp", repo, env))
        print(f"first paint, median of {args.paint_only}: isp {median(paint) * 1000:.0f} ms, minimal Textual app "
              f"{median(minimal) * 1000:.0f} ms, ratio {median(paint) / median(minimal):.2f}x (target <= 1.2x); load "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        shutil.rmtree(SCRATCH, ignore_errors=True)
        return
    if args.from_json:
        saved = json.loads((HERE / "out" / "results.json").read_text())
        text = table(saved["results"], saved["meta"])
        print(text)
        if not args.no_readme:
            write_readme(text)
        return
    # isp runs from this checkout (PYTHONPATH), Textual from site-packages, which pip byte-compiled when it
    # installed it: compile isp's modules too, as `pip install` would, or a machine that sets
    # PYTHONDONTWRITEBYTECODE (this one does) compiles them from source on every start (~40 ms of paint).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "isp_tui")], check=True)
    guidance = load_guidance()
    results = [measure(int(size), args.repeat, args.cold_repeat, guidance, args.commands_up_to)
               for size in args.sizes.split(",")]
    uname = os.uname()
    meta = {"when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "repeat": args.repeat,
            "cold_repeat": args.cold_repeat,
            "machine": f"{os.cpu_count()} cores, {uname.sysname} {uname.release.split('-')[0]}, Python "
                       f"{sys.version.split()[0]}, {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}"}
    meta["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    text = table(results, meta)
    print(text)
    if not args.no_readme:
        write_readme(text)
    shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
