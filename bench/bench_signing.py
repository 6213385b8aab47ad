"""Verify on a signed clone: `python bench/bench_signing.py [N]` (default 1000 records, each saved signed).

Prints seconds for the first `isp verify` (every commit's signature checked once, by ssh-keygen), a
verify again while the baseline cannot advance (a file changed outside isp makes every run fail: before
signatures were remembered, this checked every signature again), a verify again after a pass, and, for
comparison, what checking every signature costs alone (`git log --format=%G?`, what each such run paid
before). Signing N commits takes about N x 25 ms here."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factory import final_record  # noqa: E402

from isp_tui.audit import setup_signing, verify  # noqa: E402
from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.store import Identity, Store  # noqa: E402

ME = Identity("Test Bench", "test.bench@example.invalid")


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    print(f"{label:<66} {time.perf_counter() - start:7.2f} s", flush=True)
    return value


def main(n: int) -> None:
    guidance = load_guidance()
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "bench_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        store = Store(Path(tmp) / "records")
        setup_signing(store, key=str(key), principal=ME.email)
        timed(f"saving {n} signed records", lambda: [store.save(final_record(guidance), guidance, ME) for _ in range(n)])
        commits = int(store.git("rev-list", "--count", "main"))
        print(f"{commits} commits, all signed")
        first = timed("first isp verify (every signature checked once)", lambda: verify(store, guidance, mark=False))
        assert first.ok, [f for c in first.checks for f in c.failures]
        timed("git log --format=%G? over every commit (each failing run, before)",
              lambda: store.git("log", "--format=%H %G?", "main"))
        (store.root / "stray.txt").write_text("bench: a file changed outside isp\n")
        again = timed("isp verify again, baseline held back (signatures remembered)", lambda: verify(store, guidance))
        assert not again.ok and again.check("signatures").ok
        (store.root / "stray.txt").unlink()
        timed("isp verify again, passing (sets the baseline)", lambda: verify(store, guidance))
        timed("isp verify again after a pass", lambda: verify(store, guidance))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
