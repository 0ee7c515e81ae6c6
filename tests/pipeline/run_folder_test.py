import numpy as np
import pytest

from tfcompress.atomic import write_bytes_atomic
from tfcompress.models import save_model
from tfcompress.tflite import TFLiteTextClassifier
from tfcompress.pipeline import load_text_model, paired_keras_path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, small_student, student_tflite_bytes):
    """The layout ``tfcompress run`` writes: student.tflite and checkpoints/student.keras."""
    folder = tmp_path_factory.mktemp("run")
    save_model(small_student, str(folder / "checkpoints" / "student.keras"))
    write_bytes_atomic(student_tflite_bytes, str(folder / "student.tflite"))
    return folder


def test_a_pipeline_tflite_is_paired_with_its_checkpoint(run_folder, small_student, small_data):
    model = load_text_model(str(run_folder / "student.tflite"))
    assert isinstance(model, TFLiteTextClassifier)
    assert paired_keras_path(str(run_folder / "student.tflite")) == str(run_folder / "checkpoints" / "student.keras")
    texts = list(small_data.test.texts[:50])
    assert np.mean(model.predict_texts(texts).argmax(-1) == small_student.predict_texts(texts).argmax(-1)) >= 0.96


def test_a_keras_file_loads_as_the_keras_model(run_folder, small_student, small_data):
    model = load_text_model(str(run_folder / "checkpoints" / "student.keras"))
    texts = list(small_data.test.texts[:20])
    np.testing.assert_allclose(model.predict_texts(texts), small_student.predict_texts(texts), atol=1e-5)


def test_a_lone_tflite_asks_for_its_keras_model(tmp_path, student_tflite_bytes, small_student):
    path = str(tmp_path / "model.tflite")
    write_bytes_atomic(student_tflite_bytes, path)
    with pytest.raises(ValueError, match="takes token ids, not text"):
        load_text_model(path)
    assert isinstance(load_text_model(path, keras_model=small_student), TFLiteTextClassifier)


def test_bad_model_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_text_model(str(tmp_path / "missing.tflite"))
    other = tmp_path / "model.onnx"
    other.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"\.keras or \.tflite"):
        load_text_model(str(other))
