"""The quick preset end to end on a small slice of each bundled dataset beyond rotten_tomatoes (many classes, long
documents): the run trains, exports and reports the baseline. On the current (pip and Colab) stack only: the full
stack's suite runs the quick preset on rotten_tomatoes and has to stay within its time budget."""
import json

import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS
from tfcompress.cli import main

ON_THE_USERS_STACK = pytest.mark.skipif(FULL_STACK, reason="run on the current (pip and Colab) stack")


@pytest.mark.slow
@ON_THE_USERS_STACK
@pytest.mark.parametrize("dataset, classes", [("trec", 6), ("newsgroups_long", 20)])
def test_the_quick_preset_runs_on_a_slice_of_each_bundled_dataset(dataset, classes, tmp_path, capsys):
    out = tmp_path / dataset
    code = main(["run", "--dataset", dataset, "--preset", "quick", "--max-train-examples", "300",
                 "--teacher-epochs", "1", "--student-epochs", "1", "--explanation-examples", "2",
                 "--skip", "qat", "--set", "explanation.examples=300", "--out", str(out), *STACK_FLAGS])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["dataset"]["classes"]) == classes
    assert metrics["tflite"]["builtin_ops_only"] is True and metrics["tflite"]["parity"] > 0.9
    baseline = metrics["baseline"]
    assert baseline["test_accuracy"] > 1.5 / classes  # TF-IDF on 300 texts already beats chance
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["test_accuracy"]["baseline"] == baseline["test_accuracy"]
    if dataset == "newsgroups_long":  # every text is longer than the 128 tokens the student reads
        assert metrics["dataset"]["max_length"]["truncated_share"]["student"] == 1.0
        # documents: the bag of words learns from the baseline, which reads every word
        assert metrics["student"]["name"] == "bag" and metrics["teacher"]["name"] == "baseline"
        assert metrics["teacher"]["test_accuracy"] == baseline["test_accuracy"]
    else:
        assert metrics["student"]["name"] == "cnn" and metrics["teacher"]["name"] == "wide_cnn"
