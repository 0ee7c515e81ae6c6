"""notebooks/robustness_explanations.ipynb runs top to bottom with its tiny configuration."""
import pytest

from tests.notebooks.notebook_runner import code_cells, execute, images, needs, outputs_text


@needs("robustness_explanations.ipynb")
@pytest.mark.slow
def test_robustness_explanations_runs(kernel_dir, tmp_path, monkeypatch):
    nb, work, _ = execute("robustness_explanations.ipynb", tmp_path, monkeypatch)
    text = outputs_text(nb)
    assert "attacks: available" in text and "outcome agreement, .tflite vs Keras" in text
    assert (work / "out" / "robust_student.tflite").exists() and len(list((work / "out").glob("ig_*.png"))) == 3
    html = [output for cell in code_cells(nb) for output in cell.outputs if "text/html" in output.get("data", {})]
    assert len(html) >= 3  # shap text plots, tables
    assert images(nb) >= 2
