"""The archive benchmark runs end to end on a small archive (CI runs it; the large ones are
run by hand: benchmarks/scale.py), and its archives are what its docstring says."""

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.paths import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "benchmarks" / "scale.py"


def scale_module():
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_archives_are_deterministic_and_every_report_differs():
    scale = scale_module()
    seed = scale.SEED_REPORT.read_text(encoding="utf-8")
    reports = [scale.report_variant(seed, i) for i in range(60)]
    assert reports == [scale.report_variant(seed, i) for i in range(60)]
    assert len({name for name, _ in reports}) == len({text for _, text in reports}) == 60
    name, text = reports[41]  # past the list of cities: another year, other figures
    assert "上海" not in text and name.endswith(".txt")
    assert text.count("\n") == seed.count("\n")


@pytest.mark.slow  # the cold ask and the added report use the real model
def test_a_two_report_run_prints_and_writes_its_table_and_plot(tmp_path):
    out = tmp_path / "scale"
    run = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "2", "--real-up-to", "0", "--runs", "1",
                          "--questions", "2", "--out", str(out)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    row = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))[0]
    assert row["reports"] == 2 and row["passages"] > 50 and row["embedder"] == "stand-in"
    assert all(row[key] > 0 for key in ("build_s", "open_s", "cold_ask_s", "warm_p50_ms", "warm_peak_mb"))
    assert row["warm_p95_ms"] >= row["warm_p50_ms"]
    assert row["add_s"] > 0 and row["remove_s"] > 0
    assert f"{row['add_s']:.1f} s / {row['remove_s']:.1f} s" in run.stdout
    assert f"| 2 | {row['passages']:,} | stand-in |" in run.stdout
    assert out.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
