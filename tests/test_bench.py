"""The benchmark keeps working as a user runs it (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT


def test_the_benchmark_builds_a_small_register_cold_unchanged_and_edited_and_prints_its_table(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/bench.py", "--sizes", "60", "--repeats", "1", "--no-hugo", "--no-serve", "--no-browser", "--workdir", str(tmp_path)],
        cwd=PROJECT, capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for figure in ("cold", "unchanged", "pages", "wall", "CPU"):
        assert figure in result.stdout, result.stdout
