"""notebooks/quickstart.ipynb runs top to bottom with its tiny configuration."""
import json

import pytest

from tests.notebooks.notebook_runner import execute, images, outputs_text


@pytest.mark.slow
def test_quickstart_runs(kernel_dir, tmp_path, monkeypatch):
    nb, work, _ = execute("quickstart.ipynb", tmp_path, monkeypatch)
    out = work / "out"
    assert (out / "student.tflite").stat().st_size > 10_000
    specs = [json.loads(path.read_text()) for path in out.glob("*.json")]
    assert specs and all(spec["labels"] == ["fresh", "rotten"] for spec in specs)
    text = outputs_text(nb)
    assert "parity (.tflite vs QAT Keras" in text and "Not in Colab: nothing installed" in text
    assert images(nb) >= 1
