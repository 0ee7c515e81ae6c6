"""benchmarks/paper.py: the quick mode runs every row end to end and resumes from its results (docs/results.md
renders the committed table: tests/docs/results_render_test.py)."""
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
    rows = {row["row"]: row for row in report["rows"]}
    assert list(rows) == ["teacher", "tfidf", "fasttext", "ce_fastgrnn", "ce_prado", "ce_cnn", "kd_fastgrnn",
                          "kd_prado", "kd_cnn", "kd_same", "ours_quick_float", "ours_quick_int8"]
    assert rows["teacher"]["model"] == "teacher: wide_cnn (teaches the distilled rows)"
    assert report["num_examples"] == 5 and report["left"] == []
    for row in report["rows"]:
        assert 0 <= row["clean_accuracy"] <= 1
        assert all(0 <= row[f"{recipe}_accuracy"] <= 1 for recipe in ("deepwordbug", "pruthi", "pwws", "textfooler"))
        assert row["latency_us"] > 0
        assert row["bytes"] is None if row["row"] == "ours_quick_float" else row["bytes"] > 0  # the int8 file ships
        assert row["seeds"] == ([] if row["row"] in ("teacher", "tfidf") else [0])
    assert all(row["bytes"] < 300_000 for name, row in rows.items() if name.endswith("int8") or
               name.startswith(("ce_", "kd_")))
    # interval bounds certify the float student only; the phone's explanation of ours is its own contributions
    assert 0 <= rows["ours_quick_float"]["certified_typo_accuracy"] <= rows["ours_quick_float"]["clean_accuracy"] + 1
    assert rows["ours_quick_int8"]["certified_typo_accuracy"] is None
    measured = report["measured_rows"]
    assert measured["ours_quick_int8/seed0"]["fidelity_explanation"] == "its own word contributions"
    assert measured["fasttext/seed0"]["fidelity_explanation"] == "shap"
    assert {(entry["row"], entry["figure"]) for entry in report["targets"]} == {
        ("ours_quick_int8", figure) for figure in ("clean_accuracy", "deepwordbug_accuracy", "pruthi_accuracy",
                                                    "pwws_accuracy", "textfooler_accuracy")}
    assert all(entry["rows_compared"] == 10 for entry in report["targets"])  # every row but ours, the teacher too


@requires_full_stack
@pytest.mark.slow
def test_quick_mode_writes_json_csv_markdown_and_plot_and_renders_without_training(quick_report):
    out, report = quick_report
    benchmark = load_benchmark()
    assert json.loads((out / "paper.json").read_text())["rows"] == json.loads(json.dumps(report["rows"]))
    with open(out / "paper.csv", newline="") as handle:
        assert [row["model"] for row in csv.DictReader(handle)] == [row["model"] for row in report["rows"]]
    assert benchmark.results_table(report["rows"]) in (out / "paper.md").read_text()
    assert (out / "paper.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.rmtree(out / ".paper.partial")  # nothing to train: the rows come from paper.json
    rendered = benchmark.main(["--quick", "--render", "--out", str(out)])
    assert rendered["rows"] == json.loads(json.dumps(report["rows"]))
    assert rendered["command"] == report["command"]  # the command that measured the rows, not --render


def test_the_table_gives_each_figure_as_mean_and_spread_over_the_seeds():
    benchmark = load_benchmark()
    measured = {f"ce_cnn/seed{seed}": {"row": "ce_cnn", "model": "cnn (no distillation), int8", "seed": seed,
                                       "clean_accuracy": accuracy, "bytes": 1000}
                for seed, accuracy in ((0, 0.70), (1, 0.72), (2, 0.74))}
    measured["tfidf"] = {"row": "tfidf", "model": "TF-IDF", "seed": None, "clean_accuracy": 0.78}
    table = benchmark.summarize(measured)
    assert [row["row"] for row in table] == ["tfidf", "ce_cnn"]
    cnn = table[1]
    assert cnn["seeds"] == [0, 1, 2] and cnn["clean_accuracy"] == pytest.approx(0.72)
    assert cnn["clean_accuracy_std"] == pytest.approx(0.0163, abs=1e-4) and table[0]["clean_accuracy_std"] is None
    assert "0.7200 ± 0.0163" in benchmark.results_table(table)


NOT_SHIPPED = "not shipped: the app ships the int8 file (the next row)"


def test_a_figure_a_row_cannot_have_reads_not_applicable_with_the_reason():
    benchmark = load_benchmark()
    measured = {
        "teacher": {"row": "teacher", "model": "teacher", "seed": None, "clean_accuracy": 0.83, "bytes": 9_000_000,
                    "certified_note": "not applicable: no interval bounds over an enumerable set"},
        "ours_default_float/seed0": {"row": "ours_default_float", "seed": 0, "clean_accuracy": 0.75,
                                     "certified_typo_accuracy": 0.4},
        "ours_default_int8/seed0": {"row": "ours_default_int8", "seed": 0, "clean_accuracy": 0.76, "bytes": 96_000,
                                    "certified_note": "the int8 file: bounds are computed on the float student"},
    }
    table = benchmark.summarize(measured)
    rows = {row["row"]: row for row in table}
    assert rows["teacher"]["not_applicable"] == {"seeds": "trained once; it teaches every distilled row",
                                                 "certified_typo_accuracy": "no interval bounds over an enumerable set"}
    assert rows["ours_default_float"]["not_applicable"] == {"bytes": NOT_SHIPPED}
    markdown = benchmark.results_table(table)
    assert "| teacher | n/a | 0.8300 |" in markdown
    assert "| 0.400 | - | n/a |" in markdown  # the float row: certified, fidelity not measured, bytes n/a
    paper_table = importlib.import_module("paper_table")  # on the path paper.py puts its own folder on
    note = paper_table.not_applicable_note(table).splitlines()
    assert note[0] == "- n/a in *seeds* (teacher): trained once; it teaches every distilled row"
    assert "- n/a in *bytes* (ours_default_float): " + NOT_SHIPPED in note
    assert paper_table.not_applicable_note(table, rows=["ours_default_int8"]).count("\n") == 0
    assert benchmark.results_block(table) == f"{markdown}\n\n{paper_table.not_applicable_note(table)}"


def test_the_targets_say_whether_ours_int8_is_above_every_row_that_is_not_ours():
    benchmark = load_benchmark()
    figures = ("clean_accuracy", "deepwordbug_accuracy", "pruthi_accuracy", "pwws_accuracy", "textfooler_accuracy")

    def row(name, clean, attacked):
        return {"row": name, "clean_accuracy": clean, **{figure: attacked for figure in figures[1:]}}
    table = [row("teacher", 0.83, 0.05), row("tfidf", 0.78, 0.30), row("ours_default_float", 0.90, 0.90),
             row("ours_default_int8", 0.77, 0.55)]
    found = {entry["figure"]: entry for entry in benchmark.targets(table)}
    assert set(found) == set(figures) and all(entry["row"] == "ours_default_int8" for entry in found.values())
    assert not found["clean_accuracy"]["above_every_other_row"]
    assert found["clean_accuracy"]["best_other_row"] == "teacher"  # our float row is not a rival
    assert found["pwws_accuracy"]["above_every_other_row"] and found["pwws_accuracy"]["rows_compared"] == 2
    assert not found["clean_accuracy"]["above_every_row_but_the_teacher"]  # TF-IDF's 0.78
    markdown = benchmark.targets_table(benchmark.targets(table))
    assert "| ours_default_int8 | no (0.770; teacher 0.830) | yes (0.550) |" in markdown
    table[1]["clean_accuracy"] = 0.75  # now only the teacher is above ours
    markdown = benchmark.targets_table(benchmark.targets(table))
    assert "| ours_default_int8 | no (0.770; teacher 0.830; above every other row) |" in markdown


def test_the_plan_measures_every_row_at_the_first_seed_before_the_next_seeds():
    benchmark = load_benchmark()
    plan = benchmark.planned(benchmark.parse_args(["--seeds", "0", "1"]))
    first = plan.index("ours_small_int8/seed0")
    assert plan[:2] == ["teacher", "tfidf"] and "fasttext/seed1" in plan[first:]
    assert all(key.endswith("seed1") for key in plan[first + 1:])
    assert "teacher" not in plan[first + 1:] and not any(key.startswith("ours_quick") for key in plan)


def test_a_kept_row_of_ours_measured_with_an_earlier_recipe_is_measured_again():
    benchmark = load_benchmark()
    args = benchmark.parse_args([])
    config = benchmark.run_config(args, "small", 1, "runs/small-seed1")
    settings = config.resolve_settings()
    assert settings.data.held_out_users.count == 0 and config.options(settings)["student_seed"] == 1
    kept = {"fingerprint": config.fingerprints()[0], "one_off_seconds": 170.0}
    assert benchmark.is_current("ours_small_int8/seed1", kept, args)
    assert not benchmark.is_current("ours_small_int8/seed1", {"fingerprint": kept["fingerprint"]}, args)
    assert not benchmark.is_current("ours_small_int8/seed2", kept, args)  # another seed trains another student
    assert not benchmark.is_current("ours_small_float/seed1", {"fingerprint": "0" * 16}, args)
    assert benchmark.is_current("tfidf", {"clean_accuracy": 0.78}, args)
    assert benchmark.is_current("fasttext/seed1", {"fasttext_seed": 2}, args)
    assert not benchmark.is_current("fasttext/seed1", {}, args)  # trained before the seeds were shifted


def test_our_train_seconds_leave_out_the_transfer_set_and_teacher_outputs_a_tier_builds_once(tmp_path):
    benchmark = load_benchmark()
    bench = object.__new__(benchmark.Bench)  # only what training_seconds reads: a kept run and its stage seconds
    steps = {"transfer_set": 130.0, "teacher_maps": 450.0, "teacher_inference": 5.0, "fit": 210.0}
    bench._runs = {("default", 0): ("unused", {"fingerprint": "f" * 16, "distill": {"seconds": steps}})}
    bench.workspace = benchmark.ResumableCache(str(tmp_path))
    bench.workspace.keep("stage_seconds-default-seed0.json", "f" * 16, {"teacher": 290.0, "distill": 800.0, "qat": 80.0})
    assert bench.training_seconds("default", 0, ("distill", "qat")) == (295.0, 585.0)
    assert bench.training_seconds("default", 0, ("teacher",)) == (290.0, 0.0)
    assert bench.training_seconds("default", 0, ("tflite",)) == (None, None)  # not kept: trained before


def test_rows_taught_by_another_teacher_are_measured_again():
    benchmark = load_benchmark()
    measured = {"teacher": {"digest": "aaaa"}, "tfidf": {}, "ce_cnn/seed0": {},
                "kd_cnn/seed0": {"teacher_digest": "aaaa"}, "kd_same/seed0": {},  # kept before rows named a teacher
                "ours_default_int8/seed0": {"teacher_digest": "bbbb"}}
    assert benchmark.rows_of_another_teacher(measured, "aaaa") == ["ours_default_int8/seed0"]
    assert benchmark.rows_of_another_teacher(measured, "cccc") == [
        "kd_cnn/seed0", "kd_same/seed0", "ours_default_int8/seed0", "teacher"]  # the teacher trained again elsewhere


def test_render_without_measured_rows_stops_and_keeps_the_committed_file(tmp_path):
    (tmp_path / "paper.json").write_text('{"rows": []}')
    with pytest.raises(SystemExit, match="holds no measured rows yet"):
        load_benchmark().main(["--render", "--out", str(tmp_path)])
    assert (tmp_path / "paper.json").read_text() == '{"rows": []}'
