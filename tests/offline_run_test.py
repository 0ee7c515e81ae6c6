"""The README's command from another folder, with no NLTK_DATA: the run finds the package's offline data."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import requires_full_stack
from tfcompress.offline import SOURCE_ROOT


@requires_full_stack
@pytest.mark.slow
def test_a_run_from_another_folder_without_nltk_data_trains_and_measures_everything(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "NLTK_DATA"}
    env["PYTHONPATH"] = SOURCE_ROOT
    command = [sys.executable, "-m", "tfcompress", "run", "--preset", "quick", "--max-train-examples", "300",
               "--teacher-epochs", "1", "--student-epochs", "1", "--robustness-examples", "2",
               "--explanation-examples", "0", "--skip", "qat", "--skip", "personalization", "--out", "out"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert isinstance(metrics["robustness"], dict) and set(metrics["robustness"]["models"]) >= {"student"}
    assert isinstance(metrics["distill"]["adversarial_texts"], dict)
    assert not str(metrics["distill"].get("robust_status", "")).startswith("off")
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["report"] == os.path.join("out", "report.html") and printed["tflite"].endswith("student.tflite")
