"""The benchmark command keeps working (a tiny run; its figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


def test_tiny_benchmark_runs_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "tiny.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--tiny", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    data = json.loads(out.read_text())
    names = {f["name"] for f in data["figures"]}
    assert any("fresh render" in n for n in names) and any("memory" in n for n in names)
    assert data["stages"]["animate"] > 0
