import json
import os
import time

import numpy as np
import pytest

from tfcompress.atomic import write_bytes_atomic
from tfcompress.models import save_model
from tfcompress.tflite import TFLiteTextClassifier
from tfcompress.pipeline import RunFolder, load_text_model, paired_keras_path


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


def test_the_teacher_fingerprint_follows_the_teachers_settings_only():
    from tfcompress.pipeline import RunConfig

    def teacher_fingerprint(**changed):
        return RunConfig(preset="quick", **changed).fingerprints()[1]

    base = teacher_fingerprint()
    assert teacher_fingerprint(student="prado", student_epochs=9) == base
    assert teacher_fingerprint(adversarial_texts=False, changes={"teacher.inference": "float32"}) == base
    for changed in (dict(teacher_epochs=3), dict(seed=1), dict(max_train_examples=100), dict(teacher="minilm"),
                    dict(changes={"teacher.learning_rate": 1e-3}), dict(held_out_users=0)):
        assert teacher_fingerprint(**changed) != base, changed


def test_new_student_settings_keep_only_the_teachers_checkpoints(tmp_path):
    from tfcompress.pipeline.run_folder import RunFolder

    folder = RunFolder(str(tmp_path / "run"))
    assert folder.prepare("run-a", "teacher-a") == "none"  # a new folder: nothing to keep
    for name in ("teacher.keras", "student.keras", "max_length.json"):
        (tmp_path / "run" / "checkpoints" / name).write_text("x")
    (tmp_path / "run" / "checkpoints" / "teacher_outputs").mkdir()
    (tmp_path / "run" / "checkpoints" / "backup_distill").mkdir()
    assert folder.prepare("run-b", "teacher-a") == "teacher"
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == [
        "fingerprint.txt", "max_length.json", "teacher.keras", "teacher_fingerprint.txt", "teacher_outputs"]
    assert folder.prepare("run-b", "teacher-a") == "all"
    assert folder.prepare("run-c", "teacher-c") == "none"
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == [
        "fingerprint.txt", "teacher_fingerprint.txt"]


def test_a_folder_takes_another_runs_teacher_and_nothing_else(tmp_path):
    from tfcompress.pipeline.run_folder import RunFolder

    source = RunFolder(str(tmp_path / "cold"))
    source.prepare("run-a", "teacher-a")
    for name in ("teacher.keras", "student.keras"):
        (tmp_path / "cold" / "checkpoints" / name).write_text(name)
    warm = RunFolder(str(tmp_path / "warm"))
    warm.take_teacher_from(source.out)
    assert sorted(p.name for p in (tmp_path / "warm" / "checkpoints").iterdir()) == [
        "teacher.keras", "teacher_fingerprint.txt"]
    assert warm.prepare("run-b", "teacher-a") == "teacher"
    with pytest.raises(FileNotFoundError, match="has no trained teacher"):
        RunFolder(str(tmp_path / "other")).take_teacher_from(str(tmp_path / "nowhere"))


def test_an_interrupted_attempt_counts_until_its_last_checkpoint_write(tmp_path):
    folder = RunFolder(str(tmp_path / "run"))
    assert folder.start_attempt("data") == 0.0 and not os.path.exists(folder.out)  # a new folder: nothing written
    folder.prepare("run-a", "teacher-a")
    assert folder.start_attempt("distill") == 0.0  # a first attempt
    now = time.time()
    # that attempt (after 5 s of an earlier one) is killed 100 s in, 60 s after its start having written its backup
    json.dump({"started": now - 100, "earlier_seconds": 5.0}, open(folder.checkpoint("distill_attempt.json"), "w"))
    os.makedirs(folder.backup("distill"))
    for name in os.listdir(folder.checkpoints):
        os.utime(folder.checkpoint(name), (now - 90, now - 90))
    backup = os.path.join(folder.backup("distill"), "state")
    open(backup, "w").close()
    os.utime(backup, (now - 40, now - 40))
    folder.settle_interrupted_attempts()  # the next run starts
    folder.prepare("run-a", "teacher-a")  # and writes its markers before the stage starts again
    assert folder.start_attempt("distill") == pytest.approx(65.0, abs=0.5)
    folder.end_attempt("distill")
    assert not os.path.exists(folder.checkpoint("distill_attempt.json"))
    assert folder.start_attempt("distill") == 0.0  # the stage finished: the next one starts afresh
