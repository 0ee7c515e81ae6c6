"""benchmarks/paper.py: the quick mode runs every row end to end (docs/results.md renders the committed table:
tests/docs/results_render_test.py)."""
import csv
import importlib.util
import json
import os
import shutil

import pytest

from tests.conftest import requires_full_stack

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_benchmark():
    spec = importlib.util.spec_from_file_location("paper_benchmark", os.path.join(REPO, "benchmarks", "paper.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory, nltk_data_dir, quick_run):
    """``--quick`` on a copy of the session's quick run (its main job, reused as ``--run``), as a user who has
    run ``tfcompress run --preset quick`` would call it."""
    out = tmp_path_factory.mktemp("paper")
    main_job = out / "main_job"
    shutil.copytree(quick_run[0], main_job)
    return out, load_benchmark().main(["--quick", "--run", str(main_job), "--out", str(out)])


@requires_full_stack
@pytest.mark.slow
def test_quick_mode_measures_every_row_on_the_same_sample(quick_report):
    out, report = quick_report
    names = [row["model"] for row in report["rows"]]
    for expected in ("teacher: wide_cnn (teaches the students)", "teacher: minilm",
                     "baseline: fastgrnn (no distillation), int8", "baseline: prado (no distillation), int8",
                     "baseline: cnn (no distillation), int8", "plain KD: fastgrnn, int8", "plain KD: prado, int8",
                     "plain KD: cnn, int8", "plain KD: our cnn (same encoder, no robust training), int8",
                     "ours (three objectives, float Keras)",
                     "ours (three objectives, QAT int8 .tflite)", "fastText (supervised, bigrams, quantized .ftz)",
                     "ours after personalization (mean over clients)"):
        assert expected in names
    assert report["num_examples"] == 5 and len(report["sample_indices"]) == 5
    for row in report["rows"]:
        assert 0 <= row["clean_accuracy"] <= 1
        if row["kind"] != "personalized":
            assert all(0 <= row[f"{r}_accuracy"] <= 1 for r in ("deepwordbug", "pruthi", "pwws", "textfooler"))
            assert row["latency_us"] > 0
        if row["kind"] in ("tflite", "fasttext"):
            assert row["bytes"] > 0
    int8 = [row for row in report["rows"] if row["kind"] == "tflite"]
    assert all(row["bytes"] < 300_000 for row in int8)
    assert set(report["targets"]) >= {"highest_accuracy_under_pwws", "size_at_most_100_kb",
                                      "latency_no_worse_than_fasttext", "pwws_at_least_0.25_and_above_fasttext",
                                      "clean_within_1_point_of_the_same_student_with_plain_kd"}


@requires_full_stack
@pytest.mark.slow
def test_quick_mode_writes_json_csv_markdown_and_plot(quick_report):
    out, report = quick_report
    assert json.loads((out / "paper.json").read_text())["rows"] == json.loads(json.dumps(report["rows"]))
    with open(out / "paper.csv", newline="") as handle:
        assert [row["model"] for row in csv.DictReader(handle)] == [row["model"] for row in report["rows"]]
    assert load_benchmark().results_table(report["rows"]) in (out / "paper.md").read_text()
    assert (out / "paper.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
