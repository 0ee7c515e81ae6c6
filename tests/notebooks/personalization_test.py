"""notebooks/personalization.ipynb runs top to bottom with its tiny configuration."""
import pytest

from tests.notebooks.notebook_runner import execute, images, needs, outputs_text


@needs("personalization.ipynb")
@pytest.mark.slow
def test_personalization_runs_and_its_tff_worker_stops(kernel_dir, tmp_path, monkeypatch):
    nb, work, _ = execute("personalization.ipynb", tmp_path, monkeypatch)
    text = outputs_text(nb)
    assert "TensorFlow Federated: available" in text and "TFF personalization evaluation:" in text
    assert (work / "out" / "student_trainable.tflite").exists()
    assert images(nb) >= 4  # clients, FedAvg curve, gains, on-device
