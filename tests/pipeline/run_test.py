import json
import os

import numpy as np
import pytest

from tests.conftest import requires_full_stack, stack_run_config
from tfcompress.pipeline import NOT_BUILT, SKIPPABLE_STAGES, Run, RunConfig, RunFolder, run
from tfcompress.pipeline.run import MEASURING_STAGES


def test_quick_preset_meets_the_acceptance_figures(quick_run):
    _, metrics = quick_run
    assert metrics["teacher"]["test_accuracy"] > 0.65
    assert metrics["student"]["test_accuracy"] > 0.65
    assert metrics["tflite"]["builtin_ops_only"] is True
    # Since the 20 held-out movies left training (issue 17), the quick student's int8 file disagrees with its QAT
    # model on 13 of 1,211 test texts (full stack; 15 on the current stack), each within a few int8 steps of a tie
    # (see the test below): 0.989.
    assert metrics["tflite"]["parity"] >= 0.985
    assert metrics["tflite"]["test_accuracy"] > 0.65


@requires_full_stack
def test_the_quick_preset_trains_what_its_reference_run_trained(quick_run):
    """The same fingerprint inputs as the reference run (tests/fixtures/quick_run_reference.json), and the same
    figures within run-to-run noise (another CPU may differ in the last bits of its arithmetic)."""
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "quick_run_reference.json"),
              encoding="utf-8") as handle:
        before = json.load(handle)
    _, metrics = quick_run
    assert metrics["fingerprint"] == before["fingerprint"]
    for model, value in before["test_accuracy"].items():
        assert abs(metrics[model]["test_accuracy"] - value) <= 0.03, model
    assert abs(metrics["tflite"]["bytes"] - before["tflite_bytes"]) <= 0.01 * before["tflite_bytes"]


def test_metrics_json_follows_the_documented_schema(quick_run):
    out, metrics = quick_run
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(metrics))
    assert set(on_disk["versions"]) == {"tfcompress", "tensorflow", "keras"}
    held_out = on_disk["dataset"]["held_out_users"]  # 20 movies with >= 30 reviews: the natural clients
    assert held_out["users"] == 20 and held_out["min_texts"] == 30 and held_out["texts"] >= 600
    assert sum(on_disk["dataset"]["splits"].values()) + held_out["texts"] == 12751
    assert on_disk["dataset"]["classes"] == ["fresh", "rotten"]
    lengths = on_disk["dataset"]["max_length"]  # fitted on the training texts (tests/pipeline/max_length_test.py)
    assert lengths["fitted"] is True and 0 < lengths["truncated_share"]["student"] <= 0.05
    assert lengths["student"] == on_disk["settings"]["student"]["model"]["max_length"] == 40
    for model in ("teacher", "student"):
        assert {"name", "params", "test_accuracy"} <= set(on_disk[model])
        assert on_disk[model]["params"] > 0
    assert {"path", "bytes", "builtin_ops_only", "parity", "test_accuracy", "latency_us"} <= set(on_disk["tflite"])
    assert os.path.getsize(on_disk["tflite"]["path"]) == on_disk["tflite"]["bytes"]
    assert on_disk["tflite"]["latency_us"] > 0
    baseline = on_disk["baseline"]  # TF-IDF + LR on the same split, tuned on validation
    assert baseline["test_accuracy"] > 0.65 and baseline["settings"]["alpha"] in [row["alpha"] for row in baseline["grid"]]
    assert baseline["validation_accuracy"] == max(row["validation_accuracy"] for row in baseline["grid"])
    assert baseline["shipped_student_below"] == (on_disk["tflite"]["test_accuracy"] < baseline["test_accuracy"])
    for section in ("dataset", "baseline", "teacher", "student", "distill", "qat", "tflite", "robustness", "explanations",
                    "personalization"):
        assert on_disk[section] != NOT_BUILT and on_disk["stages"].get(section, {}).get("status") != NOT_BUILT
    for stage in ("data", "baseline", "teacher", "distill", "qat", "tflite", "explanations"):
        assert on_disk["stages"][stage]["status"] == "done" and on_disk["stages"][stage]["seconds"] >= 0
    distill = on_disk["distill"]
    assert distill["explain_weight"] > 0 and distill["adv_weight"] > 0
    assert {"ce_loss", "kd_loss", "explain_loss", "adv_loss", "explanation_fidelity"} <= set(distill["final"])
    assert on_disk["tflite"]["source"] == "qat" and on_disk["qat"]["test_accuracy"] > 0.65
    fidelity = on_disk["explanations"]["fidelity"]["teacher_vs_student_shap"]
    assert -1 <= fidelity["spearman"] <= 1 and on_disk["explanations"]["num_examples"] == 5
    assert distill["explanation"] == "contributions"
    own = on_disk["explanations"]["models"]["student_tflite"]["methods"]["contributions"]
    assert os.path.exists(own["files"]["png"]) and own["aopc"] > own["aopc_random"] - 0.05
    assert -1 <= on_disk["explanations"]["fidelity"]["teacher_shap_vs_student_tflite_contributions"]["spearman"] <= 1
    decomposition = on_disk["tflite"]["contributions"]["decomposition"]
    assert decomposition["max_abs_error"] <= 0.1 * decomposition["max_abs_logit"]
    report = (out / "report.md").read_text()
    assert "| baseline: TF-IDF + logistic regression |" in report
    assert "| teacher (wide_cnn)" in report and "| personalization |" in report and "fidelity" in report
    assert "contributions vs the teacher's shap" in report and "student (int8 .tflite): contributions" in report


def test_the_int8_file_disagrees_with_its_qat_model_only_on_near_ties(quick_run, rotten_tomatoes):
    from tfcompress.datasets import hold_out_users
    from tfcompress.quantize import load_qat
    from tfcompress.tflite import TFLiteClassifier

    out, metrics = quick_run
    test = hold_out_users(rotten_tomatoes, 20, 30, seed=0)[0].test
    qat = load_qat(str(out / "checkpoints" / "student_qat.npz"))
    keras_logits = qat.predict_texts(test.texts)
    tflite_logits = TFLiteClassifier((out / "student.tflite").read_bytes()).predict(qat.encoder.encode(list(test.texts)))
    disagree = keras_logits.argmax(-1) != np.asarray(tflite_logits).argmax(-1)
    margins = np.abs(np.diff(np.sort(keras_logits, axis=-1)[:, -2:], axis=-1))[:, 0]
    assert np.mean(~disagree) == pytest.approx(metrics["tflite"]["parity"], abs=1e-9)
    step = _logits_step(out / "student.tflite")  # one int8 step of the file's logits
    assert np.all(margins[disagree] < 8 * step), (np.sort(margins[disagree]), step)


def _logits_step(path):
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(path))
    outputs = {detail["index"] for detail in interpreter.get_output_details()}
    tensors = {detail["index"]: detail for detail in interpreter.get_tensor_details()}
    for op in interpreter._get_ops_details():
        if op["op_name"] == "DEQUANTIZE" and set(op["outputs"]) & outputs:
            source = tensors[op["inputs"][0]]
            if len(source["shape"]) == 2:
                return source["quantization"][0]
    raise AssertionError("no int8 logits feed the file's output")


def test_rerun_reuses_finished_stages_with_the_same_results(quick_run):
    from tests.conftest import STACK_SKIPS

    out, first = quick_run
    again = run(RunConfig(**stack_run_config(out=str(out), preset="quick")))
    assert again["stages"]["teacher"]["status"] == "reused"
    assert again["stages"]["distill"]["status"] == "reused"
    assert again["teacher"]["test_accuracy"] == first["teacher"]["test_accuracy"]
    assert again["student"]["test_accuracy"] == first["student"]["test_accuracy"]
    # The same models measured with the same settings: the measurements are taken over, not repeated.
    for stage in MEASURING_STAGES:
        assert again["stages"][stage]["status"] == ("skipped" if stage in STACK_SKIPS else "reused")
        assert again[stage] == first[stage]
    # Another explanation size re-measures that stage only.
    resized = run(RunConfig(**stack_run_config(out=str(out), preset="quick", explanation_examples=2)))
    assert resized["stages"]["explanations"]["status"] == "done" and resized["explanations"]["num_examples"] == 2
    if "robustness" not in STACK_SKIPS:
        assert resized["stages"]["robustness"]["status"] == "reused"
    assert resized["robustness"] == first["robustness"]
    restored = run(RunConfig(**stack_run_config(out=str(out), preset="quick")))  # the folder as the later tests expect
    assert restored["explanations"]["num_examples"] == first["explanations"]["num_examples"]


@pytest.mark.slow
def test_changed_settings_do_not_reuse_stale_models_and_every_later_stage_can_be_skipped(tmp_path):
    config = dict(out=str(tmp_path), preset="quick", max_train_examples=200, teacher_epochs=1, student_epochs=1,
                  robustness_examples=0, explanation_examples=0, skip=SKIPPABLE_STAGES, adversarial_texts=False,
                  worst_case=False)
    first = run(RunConfig(**stack_run_config(**config)))
    changed = run(RunConfig(**stack_run_config(**{**config, "student_epochs": 2})))
    # Only the student's settings changed: the teacher is kept, the student trained again.
    assert changed["stages"]["teacher"]["status"] == "reused" and changed["stages"]["distill"]["status"] == "done"
    assert changed["teacher"] == first["teacher"] and changed["distill"]["phases"][0]["epochs_run"] == 2
    assert changed["settings"]["student"]["epochs"] == 2
    for metrics in (first, changed):
        for stage in SKIPPABLE_STAGES:
            assert metrics["stages"][stage]["status"] == "skipped"
            assert metrics[stage] == "skipped: switched off (skip)"
        assert metrics["student"]["test_accuracy"] > 0.4
    assert not {"student.tflite", "student_trainable.tflite", "attacks"} & set(os.listdir(tmp_path))


def test_skipping_is_refused_for_stages_the_others_are_built_from():
    with pytest.raises(ValueError, match=r"cannot skip stage\(s\) \['teacher'\]"):
        RunConfig(skip=("teacher",)).resolve_settings()
    config = RunConfig(skip=("qat", "personalization"))
    assert config.options(config.resolve_settings())["skip"] == ["personalization", "qat"]
    assert RunConfig(skip=("qat",)).resolve_settings().qat.epochs == 0


def test_skip_does_not_change_the_checkpoint_fingerprint(tmp_path):
    assert Run(RunConfig(out=str(tmp_path / "a"))).fingerprint == \
        Run(RunConfig(out=str(tmp_path / "b"), skip=("personalization",))).fingerprint


def test_the_cli_offers_exactly_the_skippable_stages():
    from tfcompress.cli import SKIPPABLE_STAGES as CLI_STAGES

    assert tuple(CLI_STAGES) == tuple(SKIPPABLE_STAGES)


def test_evaluation_sizes_do_not_change_the_fingerprint_but_training_settings_do():
    base = RunConfig(preset="quick").fingerprints()
    resized = RunConfig(preset="quick", robustness_examples=500, explanation_examples=0,
                        changes={"evaluation.personalization.rounds": 9}).fingerprints()
    retrained = RunConfig(preset="quick", student_epochs=9).fingerprints()
    assert base == resized
    assert base[0] != retrained[0] and base[1] == retrained[1]


def test_epochs_asked_for_on_the_command_line_are_not_raised_by_the_presets_minimum_steps():
    assert RunConfig(preset="quick").resolve_settings().student.min_steps == 1500
    settings = RunConfig(preset="quick", student_epochs=4).resolve_settings()
    assert (settings.student.epochs, settings.student.min_steps) == (4, 0)
    assert settings.teacher.min_steps == 300  # the teacher's epochs were not asked for
    settings = RunConfig(preset="quick", teacher_epochs=1).resolve_settings()
    assert (settings.teacher.epochs, settings.teacher.min_steps, settings.student.min_steps) == (1, 0, 1500)
    settings = RunConfig(preset="quick", student_epochs=4, changes={"student.min_steps": 1000}).resolve_settings()
    assert settings.student.min_steps == 1000  # a minimum you set yourself still holds


def test_every_registered_model_has_a_recipe_in_every_preset():
    from tfcompress.models import STUDENTS, TEACHERS
    from tfcompress.pipeline import PRESETS, RECIPES

    assert set(RECIPES) == set(PRESETS)
    for recipes in RECIPES.values():
        assert set(recipes) == set(TEACHERS) | set(STUDENTS)


def test_the_student_auto_reads_documents_as_a_bag_of_words_and_short_texts_with_the_cnn():
    from tfcompress.datasets.lengths import LONG_TEXT_TOKENS
    from tfcompress.pipeline.presets import resolve_auto_student

    quick = RunConfig(preset="quick").resolve_settings()
    assert quick.student.name == "auto" and quick.teacher.documents == "baseline"
    short = resolve_auto_student(quick, LONG_TEXT_TOKENS - 8)
    assert (short.student.name, short.student.model["max_length"]) == ("cnn", LONG_TEXT_TOKENS - 8)
    assert short.student.model["filters"] == quick.student.model["filters"] and short.vocabulary.frequent_words is None
    documents = resolve_auto_student(quick, 128)
    assert documents.student.name == "bag" and documents.student.model == {
        "num_buckets": 4096, "num_hashes": 2, "max_length": 128, "embedding_dim": 16}
    assert documents.student.learning_rate == 1e-2 and documents.vocabulary.frequent_words == 1000
    assert (documents.student.epochs, documents.student.min_steps) == (quick.student.epochs, quick.student.min_steps)
    assert resolve_auto_student(RunConfig(preset="quick", student="cnn").resolve_settings(), 128).student.name == "cnn"


def test_a_teacher_asked_for_by_name_also_teaches_documents():
    assert RunConfig(preset="quick", teacher="wide_cnn").resolve_settings().teacher.documents is None
    assert RunConfig(preset="quick", changes={"teacher.name": "bilstm"}).resolve_settings().teacher.documents is None
    assert RunConfig(preset="quick").resolve_settings().teacher.documents == "baseline"


def test_model_choice_takes_that_models_recipe_and_unknown_names_are_refused(tmp_path):
    settings = RunConfig(preset="quick", teacher="minilm", student="prado").resolve_settings()
    assert settings.teacher.name == "minilm" and settings.teacher.model["pretrained"] is True
    assert settings.student.model["features"] == 64 and settings.vocabulary is None  # PRADO reads no word ids
    with pytest.raises(ValueError, match=r"unknown student 'lstm'"):
        RunConfig(student="lstm").resolve_settings()
    with pytest.raises(ValueError, match=r"unknown teacher 'lstm'"):
        Run(RunConfig(teacher="lstm", out=str(tmp_path / "out")))
    assert not (tmp_path / "out").exists()


@requires_full_stack
def test_quick_run_attacks_teacher_student_and_tflite(quick_run):
    out, metrics = quick_run
    robustness = metrics["robustness"]
    assert robustness["num_examples"] == 12 and len(robustness["indices"]) == 12
    for model in ("teacher", "student", "student_tflite"):
        assert set(robustness["models"][model]) == {"deepwordbug", "pruthi", "pwws", "textfooler"}
        assert os.path.exists(robustness["models"][model]["pwws"]["csv"])
    # The teacher's results are kept with its outputs: a run that changes only the student does not attack it again.
    kept = os.listdir(os.path.join(out, "checkpoints", "teacher_outputs"))
    assert len([name for name in kept if name.startswith("attack-") and name.endswith(".json")]) == 4
    assert all(agreement >= 0.9 for agreement in robustness["tflite_outcome_agreement"].values())


def test_evaluation_stages_can_be_skipped():
    settings = RunConfig(preset="quick", robustness_examples=0, explanation_examples=7).resolve_settings()
    assert settings.evaluation.robustness.num_examples == 0 and settings.evaluation.explanations.num_examples == 7


def test_quick_run_personalizes_the_held_out_movies_with_their_own_prior(quick_run):
    from tests.conftest import FULL_STACK

    out, metrics = quick_run
    section = metrics["personalization"]
    if not FULL_STACK:  # no TFF here: the run is told to leave the stage out (tests/conftest.py: STACK_SKIPS)
        assert section == "skipped: switched off (skip)"
        return
    assert section["clients"] == 20 and section["data"].startswith("natural clients")
    assert section["config"]["method"] == "prior" and os.path.exists(section["on_device_training"]["path"])
    assert section["on_device_training"]["builtin_ops_only"] is True
    assert "adapt_prior" in section["on_device_training"]["signatures"]
    if FULL_STACK:
        assert len(section["federated"]["rounds"]) == 2
        summary = section["evaluation"]["summary"]
        # A movie tests on about 11 reviews: one flipped review is 9 points. The prior is declined where the
        # client's own texts do not back it, so the mean may not fall and few clients may lose a review.
        assert summary["clients"] == 20 and summary["mean_gain_points"] >= 0 and summary["clients_worse"] <= 3
    else:
        assert section["evaluation"].startswith("not measured")


def test_the_held_out_movies_texts_reach_no_model_and_no_metric(quick_run):
    from tfcompress import datasets

    out, metrics = quick_run
    _, held = datasets.hold_out_users(datasets.load("rotten_tomatoes", seed=0), 20, 30, seed=0)
    assert metrics["dataset"]["held_out_users"]["texts"] == len(held)
    data, rebuilt = RunFolder(str(out)).load_data()  # what benchmarks measure the run's student on
    assert rebuilt.texts == held.texts and list(rebuilt.users) == list(held.users)
    assert len(data.test) == metrics["dataset"]["splits"]["test"]
    if isinstance(metrics["personalization"], dict):
        assert {row["client"] for row in metrics["personalization"]["client_table"]} == set(held.users)
    written = (out / "metrics.json").read_text() + (out / "report.md").read_text()
    assert not [text for text in held.texts if len(text) > 30 and json.dumps(text)[1:-1] in written]


def test_quick_run_tflite_is_android_ready_and_the_run_folder_exports(quick_run, rotten_tomatoes, tmp_path, capsys):
    from tfcompress.cli import main
    from tfcompress.datasets import hold_out_users
    from tfcompress.evaluation import accuracy
    from tfcompress.tflite import load_android_model

    out, metrics = quick_run
    tflite = metrics["tflite"]
    assert os.path.exists(tflite["spec_path"]) and os.path.exists(tflite["labels_path"])
    standalone = load_android_model(out / "student.tflite")
    test = hold_out_users(rotten_tomatoes, 20, 30, seed=0)[0].test  # the run's test split: held-out movies left out
    assert len(test) == metrics["dataset"]["splits"]["test"]
    assert accuracy(standalone.predict_texts(test.texts), test.labels) == pytest.approx(tflite["test_accuracy"],
                                                                                         abs=1e-9)
    assert main(["export", str(out), "--out", str(tmp_path / "again.tflite")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["builtin_ops_only"] is True and abs(printed["bytes"] - tflite["bytes"]) < 2_000


@requires_full_stack
def test_app_side_vocabulary_ids_match_on_the_runs_adversarial_texts(quick_run):
    """The spec alone reproduces the encoder's ids on every text the attacks made (the attack CSVs)."""
    import csv
    import glob

    import numpy as np

    from tests.export.app_side_preprocessing_test import app_vocabulary_ids, app_vocabulary_ranks
    from tfcompress.tflite import encoder_from_spec, read_android_metadata

    out, _ = quick_run
    spec = read_android_metadata(os.path.join(out, "student.tflite"))["spec"]
    encoder = encoder_from_spec(spec)
    texts = []
    for path in glob.glob(os.path.join(out, "attacks", "*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            texts += [row["perturbed_text"] for row in csv.DictReader(handle) if row["perturbed_text"]]
    assert len(texts) > 50
    rank = app_vocabulary_ranks(spec["preprocessing"])
    app = np.array([app_vocabulary_ids(text, spec["preprocessing"], rank) for text in texts], np.int32)
    np.testing.assert_array_equal(app, encoder.encode(texts))


def test_held_out_users_and_the_student_seed_reach_the_settings():
    config = RunConfig(preset="default", held_out_users=0, student_seed=2)
    settings = config.resolve_settings()
    assert settings.data.held_out_users.count == 0
    assert config.options(settings)["student_seed"] == 2 and config.options(settings)["seed"] == 0
    assert RunConfig(preset="default").options(settings)["student_seed"] == 0
    with pytest.raises(ValueError, match=r"setting 'data.held_out_users.count' must be int \(>= 0\), got -1"):
        RunConfig(held_out_users=-1).resolve_settings()
