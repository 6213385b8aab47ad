"""The index's rebuild spread over worker processes (spawn) gives the same rows as one process."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import isp_tui.index.workers as workers
from isp_tui.index import Index
from isp_tui.index.workers import in_parallel
from isp_tui.index.parse import parse_many
from isp_tui.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_a_rebuild_on_worker_processes_agrees_with_one_process(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(tmp_path / "records", 60, gc=False)
    shutil.copytree(tmp_path / "records", tmp_path / "copy", symlinks=True)
    one = Index(Store(tmp_path / "records"))
    serial = one.rows()
    one.close()
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)  # one worker process beside this one
    many = Index(Store(tmp_path / "copy"))
    assert many.rows() == serial and many.changed == 60
    many.close()


def test_a_job_is_the_function_itself(tmp_path):
    assert list(in_parallel(tmp_path, [], parse_many)) == []
