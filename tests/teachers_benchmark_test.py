"""benchmarks/teachers.py: the callable row is compared with the registered one seed by seed, and a resumed
benchmark keeps the rows already committed."""
import importlib.util
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_benchmark():
    if os.path.join(REPO, "benchmarks") not in sys.path:
        sys.path.append(os.path.join(REPO, "benchmarks"))
    spec = importlib.util.spec_from_file_location("teachers_benchmark", os.path.join(REPO, "benchmarks", "teachers.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(name, seed, accuracy):
    return {"row": name, "student_seed": seed, "int8_test_accuracy": accuracy, "teacher_test_accuracy": 0.83,
            "int8_deepwordbug_accuracy": 0.6, "int8_pwws_accuracy": 0.2, "stage_seconds": {"distill": 10.0},
            "switched_off": []}


def test_the_gap_is_the_mean_over_the_seeds_both_rows_have():
    benchmark = load_benchmark()
    rows = [row("registered", 0, 0.77), row("callable", 0, 0.76), row("registered", 1, 0.78),
            row("callable", 1, 0.75), row("registered", 2, 0.70)]
    summary = benchmark.gap_summary(rows)
    assert summary["seeds"] == [0, 1] and summary["points_by_seed"] == {"0": -1.0, "1": -3.0}
    assert summary["mean_points"] == -2.0 and not summary["within"]
    assert "-2.00 points, the mean over student seeds [0, 1]" in benchmark.report(rows)
    assert benchmark.gap_summary(rows[:1]) is None


def test_committed_rows_with_a_student_seed_are_kept_on_resume(tmp_path):
    benchmark = load_benchmark()
    (tmp_path / "teachers.json").write_text(json.dumps([row("registered", 0, 0.77), {"row": "callable"}]))
    kept = benchmark.committed_rows(str(tmp_path))
    assert list(kept) == [("registered", 0)]  # a row without a student seed was measured before seeds: not reused
    assert benchmark.committed_rows(str(tmp_path / "elsewhere")) == {}
