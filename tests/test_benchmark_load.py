"""benchmarks/load.py runs: a tiny load (a few clients, a few seconds) on both surfaces, with
long questions beside, ends with every request answered and every answer the same as a
single client's. The figures themselves are not tested (timings are noisy)."""

import importlib.util
import sys

import pytest

from tests.paths import PROJECT_ROOT


@pytest.mark.slow
def test_a_tiny_load_run_has_no_errors_and_no_mismatches(real_index, tmp_path):
    spec = importlib.util.spec_from_file_location("load_benchmark", PROJECT_ROOT / "benchmarks" / "load.py")
    load = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = load  # its dataclasses look their module up
    spec.loader.exec_module(load)
    results = load.main(["--clients", "3", "--seconds", "3", "--questions", "12", "--long", "1",
                         "--long-normal", "2", "--index", str(real_index), "--json", str(tmp_path / "load.json")])
    assert [(r["surface"], r["clients"]) for r in results["runs"]] == [("api", 3), ("page", 3)]
    for run in results["runs"]:
        assert run["requests"] > 0 and run["errors"] == 0 and run["mismatches"] == 0, run
        assert run["rss_mb"] > 0
    assert [(s["surface"], s["errors"], s["mismatches"]) for s in results["starvation"]] == [("api", 0, 0),
                                                                                            ("page", 0, 0)]
    assert (tmp_path / "load.json").is_file()
