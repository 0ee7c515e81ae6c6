"""The run's data stage fits each model's max_length on the training texts (unit-level: no training)."""
import csv
import json
import os
import tempfile

import pytest

from tfcompress.datasets.lengths import WORD_CAP, fit_max_length, truncation_share, wordpiece_counts
from tfcompress.pipeline import Run, RunConfig

WORDS = "the film moves slowly but its ending is honest and quietly moving".split()


def document(words, offset=0):
    return " ".join(WORDS[(offset + i) % len(WORDS)] for i in range(words))


def write_documents(path, lengths):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i, words in enumerate(lengths):
            writer.writerow([document(words, i) + (" great" if i % 2 else " awful"), "pos" if i % 2 else "neg"])
    return str(path)


def data_stage(capsys, **config):
    """Run only the data stage: (run, data, the dataset.max_length section, what it logged)."""
    capsys.readouterr()
    config.setdefault("out", tempfile.mkdtemp(prefix="max_length_"))  # a folder of its own (runs lock theirs)
    run = Run(RunConfig(preset="quick", **config))
    data, status = run.load_data()
    assert status == "done"
    return run, data, run.metrics["dataset"]["max_length"], capsys.readouterr().err


def test_snippets_follow_the_data_and_warn_about_the_few_truncated(tmp_path, capsys):
    run, data, section, logged = data_stage(capsys, out=str(tmp_path))
    assert run.settings.data.max_length is None
    assert section["fitted"] is True and section["coverage"] == 0.95
    assert section["student"] == section["teacher"] == 40  # bilstm and cnn both read WordTokenizer tokens
    assert run.settings.student.model["max_length"] == run.settings.teacher.model["max_length"] == 40
    assert section["units"] == {"student": "word_tokens", "teacher": "word_tokens"}
    share = section["truncated_share"]["student"]
    assert share == pytest.approx(truncation_share(data.train.texts, 40), abs=1e-4) and 0 < share <= 0.05
    assert f"warning: {share:.1%} of training texts are longer than the student's 40 word tokens and are " \
           "truncated" in logged
    assert run.metrics["settings"] == run.settings.to_dict()  # metrics.json's settings hold the fitted lengths
    assert run.metrics["settings"]["student"]["model"]["max_length"] == 40


def test_long_documents_get_longer_lengths_fitted_on_the_train_split_only(tmp_path, capsys):
    train = write_documents(tmp_path / "train.csv", [80 + i for i in range(40)] * 2 + [600] * 20)
    test = write_documents(tmp_path / "test.csv", [1500] * 10)  # never looked at by the fit
    run, data, section, logged = data_stage(capsys, out=str(tmp_path / "run"), data=train, test_data=test,
                                            teacher="minilm")
    texts = data.train.texts
    assert section["student"] == fit_max_length(texts) == WORD_CAP > 48
    assert section["units"]["teacher"] == "wordpieces" and section["caps"] == {"student": WORD_CAP, "teacher": 512}
    assert section["teacher"] == fit_max_length(texts, cap=512, counts=wordpiece_counts(texts)) == 512
    assert run.settings.student.model["max_length"] == WORD_CAP == 128 and run.settings.teacher.model["max_length"] == 512
    for role, unit in (("student", "word tokens"), ("teacher", "wordpieces")):
        share = section["truncated_share"][role]
        assert share == pytest.approx(sum(len(t.split()) > 300 for t in texts) / len(texts), abs=1e-4) and share > 0
        assert f"longer than the {role}'s {section[role]} {unit} and are truncated" in logged


def test_a_fixed_max_length_is_kept_and_its_truncation_still_reported(tmp_path, capsys):
    config = RunConfig(preset="quick", max_length=48)
    assert config.resolve_settings().data.max_length == 48 == config.resolve_settings().student.model["max_length"]
    assert config.fingerprints()[0] != RunConfig(preset="quick").fingerprints()[0]
    train = write_documents(tmp_path / "train.csv", [100 + i for i in range(40)])
    run, _, section, logged = data_stage(capsys, out=str(tmp_path / "run"), data=train, max_length=48)
    assert section["fitted"] is False and section["coverage"] is None
    assert section["student"] == section["teacher"] == 48 and section["truncated_share"]["student"] == 1.0
    assert "warning: 100.0% of training texts are longer than the student's 48" in logged
    with pytest.raises(ValueError, match=r"setting 'data.max_length' must be int or null \(>= 1\), got 0"):
        RunConfig(max_length=0).resolve_settings()


def test_the_cli_passes_max_length():
    from tfcompress.cli import build_parser

    assert build_parser().parse_args(["run", "--max-length", "64"]).max_length == 64
    assert build_parser().parse_args(["run"]).max_length is None


def test_resuming_keeps_checkpoints_of_the_same_lengths_and_drops_others(tmp_path, capsys):
    out = str(tmp_path / "run")
    first, _, _, _ = data_stage(capsys, out=out)
    kept = first.folder.checkpoint("teacher.keras")
    open(kept, "w").close()
    data_stage(capsys, out=out)
    assert os.path.exists(kept)  # same data and settings: the same lengths, checkpoints reused
    marker = first.folder.checkpoint("max_length.json")
    with open(marker, "w") as handle:
        json.dump({"student": 48, "teacher": 48}, handle)  # as if built under another fitting rule
    _, _, _, logged = data_stage(capsys, out=out)
    assert not os.path.exists(kept) and "training again" in logged
    with open(marker) as handle:
        assert json.load(handle) == {"student": 40, "teacher": 40}
