"""`tfcompress run --config/--set` and `tfcompress config`: what a user writes changes what is trained, and a
mistake is one error with exit code 2 before anything is written."""
import json
import os

import pytest

from tests.conftest import STACK_FLAGS
from tfcompress.cli import main
from tfcompress.config import reference_markdown
from tfcompress.pipeline import PRESETS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("change, message", [
    ("explanation.wieght=0.5", "unknown setting 'explanation.wieght'; did you mean 'explanation.weight'?"),
    ("transfer.typo_share=1.5", "setting 'transfer.typo_share' must be float (>= 0.0 and <= 1.0), got 1.5"),
    ("worst_case.kind=exact", "setting 'worst_case.kind' must be str (one of ibp, search), got \"exact\""),
])
def test_a_misspelled_key_or_a_bad_value_exits_2_and_writes_nothing(tmp_path, capsys, change, message):
    out = tmp_path / "run"
    assert main(["run", "--set", change, "--out", str(out), *STACK_FLAGS]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"tfcompress: error: {message}"
    assert not out.exists()


def test_a_bad_configuration_file_exits_2_naming_the_file(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text('{"student": {"epochs": 0}}')
    assert main(["run", "--config", str(path), "--out", str(tmp_path / "run"), *STACK_FLAGS]) == 2
    assert "setting 'student.epochs' must be int (>= 1), got 0" in capsys.readouterr().err
    assert main(["run", "--config", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "run")]) == 2
    assert f"file {tmp_path / 'missing.toml'}: no such configuration file" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_config_show_prints_the_resolved_preset_with_its_changes(capsys):
    assert main(["config", "show", "--preset", "quick", "--set", "distillation.temperature=2"]) == 0
    shown = capsys.readouterr().out
    assert 'preset = "quick"' in shown and "[teacher]\n" in shown and 'name = "wide_cnn"' in shown
    assert "temperature = 2.0" in shown and "# Softmax temperature of the KD term. (float; >= 0.01)" in shown


def test_config_init_writes_a_starter_file_once(tmp_path, capsys):
    path = tmp_path / "tfcompress.toml"
    assert main(["config", "init", "--preset", "small", "--out", str(path)]) == 0
    assert "size = 10000" in path.read_text() and path.read_text().startswith("# tfcompress run configuration")
    assert main(["config", "init", "--out", str(path)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["config", "init", "--out", str(path), "--force"]) == 0 and "size = 3000" in path.read_text()


def test_the_configuration_reference_in_docs_is_up_to_date():
    with open(os.path.join(REPO, "docs", "configuration.md"), encoding="utf-8") as handle:
        assert handle.read() == reference_markdown(PRESETS), \
            "docs/configuration.md is out of date: tfcompress config reference > docs/configuration.md"


@pytest.mark.slow
def test_a_configuration_file_and_set_change_what_is_trained(tmp_path, rotten_tomatoes, capsys):
    data = tmp_path / "reviews.csv"
    rows = [f"\"{text.replace(chr(34), chr(39))}\",{label}" for text, label in
            zip(rotten_tomatoes.train.texts[:400], rotten_tomatoes.train.labels[:400])]
    data.write_text("text,label\n" + "\n".join(rows) + "\n")
    config = tmp_path / "run.toml"
    config.write_text('preset = "quick"\n[distillation]\ntemperature = 2.0\n[student]\nepochs = 1\n'
                      '[teacher]\nepochs = 1\n[explanation]\nweight = 0.5\n')
    out = tmp_path / "run"
    assert main(["run", "--data", str(data), "--config", str(config), "--set", "distillation.kd_weight=0.8",
                 "--set", "vocabulary.size=500", "--robustness-examples", "0", "--explanation-examples", "0",
                 "--skip", "qat", "--skip", "tflite", "--skip", "personalization", "--out", str(out),
                 *STACK_FLAGS]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    settings = metrics["settings"]
    assert metrics["preset"] == "quick" and settings["teacher"]["name"] == "wide_cnn"
    assert settings["distillation"]["temperature"] == 2.0 and settings["distillation"]["kd_weight"] == 0.8
    assert settings["vocabulary"]["size"] == 500 and settings["student"]["epochs"] == 1
    distilled = metrics["distill"]  # what the Distiller was compiled with
    assert (distilled["temperature"], distilled["kd_weight"], distilled["explain_weight"]) == (2.0, 0.8, 0.5)
    assert metrics["run"]["data"] == str(data) and {"personalization", "qat", "tflite"} <= set(metrics["run"]["skip"])
