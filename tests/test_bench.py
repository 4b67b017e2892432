"""The benchmark script keeps working (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT


def test_benchmark_builds_a_synthetic_register_and_reports_each_stage():
    result = subprocess.run(
        [sys.executable, "bench/bench.py", "--announcements", "40"], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("40 announcements, 20 entities")
    for stage in ("load", "catalog", "render", "publish", "total"):
        assert stage in result.stdout
