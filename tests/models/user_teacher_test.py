"""Teachers you bring: the adapters, the checks on their outputs, and the errors a bad one gets (exit code 2)."""
import os
import sys

import numpy as np
import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS
from tests.models.teacher_functions import lexicon_scores, numbers_only, three_classes, with_nan, wrong_shape
from tfcompress.backend import keras, tf
from tfcompress.cli import main
from tfcompress.errors import TeacherError
from tfcompress.models import TextTeacher
from tfcompress.models.user_teacher import check_teacher_classes, ready_teacher, teacher_from_path
from tfcompress.pipeline.presets import preset_settings
from tfcompress.pipeline.teacher_features import settings_for_teacher

def test_a_function_teacher_gives_logits_and_its_scores_are_checked():
    teacher = TextTeacher(lexicon_scores, class_names=["fresh", "rotten"])
    logits = teacher.predict_texts(["a good film", "a dull mess", ""])
    assert logits.dtype == np.float32 and logits.shape == (3, 2)
    assert list(logits.argmax(-1)[:2]) == [0, 1]
    assert teacher.outputs == "logits" and teacher.features == {"outputs": "logits", "word_vectors": False,
                                                                "gradients": False}
    in_graph = teacher(tf.constant(["a good film", "a dull mess"]))
    np.testing.assert_allclose(in_graph.numpy(), logits[:2])
    changed = TextTeacher(lambda texts: 2 * lexicon_scores(texts), class_names=["fresh", "rotten"])
    assert changed.fingerprint != teacher.fingerprint


def test_probabilities_are_recognised_and_used_as_log_probabilities():
    def probabilities(texts):
        return tf.nn.softmax(lexicon_scores(texts)).numpy()

    teacher = TextTeacher(probabilities, outputs="auto")
    assert teacher.outputs == "probabilities"
    texts = ["a good film", "a dull mess"]
    np.testing.assert_allclose(tf.nn.softmax(teacher.predict_texts(texts)).numpy(), probabilities(texts), atol=1e-6)
    with pytest.raises(TeacherError, match="declared to return probabilities"):
        TextTeacher(lexicon_scores, outputs="probabilities", name="lexicon")


@pytest.mark.parametrize("function, problem", [
    (wrong_shape, r"teacher bad: returned shape \(4,\) for 4 texts; a teacher returns \(texts, classes\)"),
    (with_nan, r"teacher bad: returned NaN or infinite scores for 1 of 4 texts \(the first: 'dull'\)"),
    (numbers_only, r"teacher bad: failed on a batch of 4 strings \(ValueError: could not convert string to float"),
    (lambda texts: None, r"teacher bad: returned shape \(\) for 4 texts"),
])
def test_a_bad_teacher_is_named_with_its_problem(function, problem):
    with pytest.raises(TeacherError, match=problem):
        TextTeacher(function, name="bad")


def test_a_class_count_other_than_the_datas_is_refused():
    teacher = TextTeacher(three_classes, name="three")
    with pytest.raises(TeacherError, match=r"returns 3 class scores per text, but the data has 2 classes"):
        check_teacher_classes(teacher, ["fresh", "rotten"])
    named = TextTeacher(lexicon_scores, class_names=["rotten", "fresh"], name="swapped")
    with pytest.raises(TeacherError, match=r"scores the classes \['rotten', 'fresh'\], the data has"):
        check_teacher_classes(named, ["fresh", "rotten"])


def test_a_teacher_served_in_its_own_process_gives_its_scores_and_its_errors():
    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    environment = {**os.environ, "PYTHONPATH": repository}

    def served(attribute):
        return [sys.executable, "-m", "tfcompress.teacher_process", f"tests.models.teacher_functions:{attribute}"]

    teacher = TextTeacher.from_process(served("lexicon_scores"), class_names=["fresh", "rotten"], env=environment)
    try:
        texts = ["a good film", "a dull mess", "Ünïcode, \"quoted\"\ntext"]
        np.testing.assert_allclose(teacher.predict_texts(texts), lexicon_scores(texts))
        assert teacher.name == "tests.models.teacher_functions:lexicon_scores" and teacher.outputs == "logits"
    finally:
        teacher.close()
    assert teacher._predict.process.returncode == 0
    with pytest.raises(TeacherError, match=r"failed on a batch of 4 strings \(RuntimeError: ValueError: could not "
                                           r"convert string to float"):
        TextTeacher.from_process(served("numbers_only"), env=environment)


def string_model():
    """A tiny tf_keras classifier on raw strings (its vocabulary adapted on a few texts)."""
    keras.utils.set_random_seed(0)
    vectorize = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=8)
    vectorize.adapt(["a good film", "a dull mess", "great fun", "boring and flat"])
    texts = keras.Input((), dtype=tf.string)
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(vectorize(texts)))
    return keras.Model(texts, keras.layers.Dense(2)(pooled))


def test_a_keras_model_and_its_saved_model_are_teachers_with_the_same_logits(tmp_path):
    model = string_model()
    texts = ["a good film", "a dull mess", ""]
    expected = model(tf.constant(texts)).numpy()
    from_model = TextTeacher.from_keras(model, class_names=["fresh", "rotten"], outputs="logits")
    np.testing.assert_allclose(from_model.predict_texts(texts), expected, atol=1e-6)
    path = str(tmp_path / "saved")
    tf.saved_model.save(model, path)
    loaded = teacher_from_path(path)
    assert loaded.name == path and loaded.outputs == "logits"
    np.testing.assert_allclose(loaded.predict_texts(texts), expected, atol=1e-5)
    assert ready_teacher(path, registered=("bilstm", "minilm")).fingerprint == loaded.fingerprint
    assert ready_teacher("bilstm", registered=("bilstm", "minilm")) is None
    if FULL_STACK:  # tf_keras 2.21 cannot load its own .keras file of a TextVectorization model (end of file)
        keras_file = str(tmp_path / "model.keras")
        model.save(keras_file)
        np.testing.assert_allclose(teacher_from_path(keras_file).predict_texts(texts), expected, atol=1e-5)


def test_a_folder_that_is_not_a_saved_model_is_named(tmp_path):
    with pytest.raises(TeacherError, match="is a folder without saved_model.pb"):
        teacher_from_path(str(tmp_path))
    numbers = tf.Module()
    numbers.f = tf.function(lambda x: {"out": x * 2.0}, input_signature=[tf.TensorSpec([None], tf.float32)])
    path = str(tmp_path / "numbers")
    tf.saved_model.save(numbers, path, signatures={"serving_default": numbers.f})
    with pytest.raises(TeacherError, match=r"takes x \(float32\); a teacher's signature takes one string tensor"):
        teacher_from_path(path)


def test_what_a_logits_only_teacher_switches_off_is_listed():
    settings = preset_settings("default").with_changes({"worst_case.sets": ["wordnet", "teacher_neighbours"],
                                                        "explanation.teacher_attribution": "integrated_gradients"})
    adapted, switched = settings_for_teacher(settings, TextTeacher(lexicon_scores))
    assert {change["setting"]: change["now"] for change in switched} == {
        "student.embedding_init": "random", "transfer.substitute": 0.0, "worst_case.sets": ["wordnet"],
        "explanation.teacher_attribution": "endpoint_shapley"}
    assert adapted.student.embedding_init == "random" and adapted.worst_case.sets == ["wordnet"]
    assert all(change["why"] for change in switched)
    with_vectors = TextTeacher(lexicon_scores, word_vectors=lambda words: np.ones((len(words), 3)))
    assert [change["setting"] for change in settings_for_teacher(settings, with_vectors)[1]] == [
        "explanation.teacher_attribution"]


def test_data_without_labels_is_refused_with_what_to_do(tmp_path, capsys):
    texts = tmp_path / "texts.csv"
    texts.write_text("text\na good film\na dull mess\n")
    code = main(["run", "--data", str(texts), "--teacher", "tests.models.teacher_functions:lexicon_scores",
                 "--out", str(tmp_path / "out"), *STACK_FLAGS])
    error = capsys.readouterr().err.splitlines()[-1]
    assert code == 2 and f"file {texts}, column 'label': no such column" in error
    assert "labels are needed to choose and test the student" in error and "unlabelled data" in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("attribute, problem", [
    ("wrong_shape", "returned shape (4,) for 4 texts"),
    ("with_nan", "returned NaN or infinite scores for 1 of 4 texts"),
    ("three_classes", "returns 3 class scores per text, but the data has 2 classes ['fresh', 'rotten']"),
    ("numbers_only", "failed on a batch of 4 strings (ValueError"),
])
def test_the_cli_refuses_a_bad_teacher_with_one_message_and_writes_nothing(attribute, problem, reviews_csv, tmp_path,
                                                                          capsys):
    out = tmp_path / "out"
    spec = f"tests.models.teacher_functions:{attribute}"
    code = main(["run", "--data", reviews_csv, "--teacher", spec, "--out", str(out), *STACK_FLAGS])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("tfcompress: error: ")]
    assert code == 2 and errors == [captured.err.splitlines()[-1]], captured.err
    assert f"tfcompress: error: teacher {spec}: {problem}" in errors[0] and "Traceback" not in captured.err
    assert not out.exists()


def _keras_3():
    try:
        import keras as keras_3
    except ImportError:
        return None
    return keras_3 if int(keras_3.__version__.split(".")[0]) >= 3 else None


@pytest.mark.skipif(_keras_3() is None, reason="Keras 3 is on the current stack only (the full stack has Keras 2.14)")
def test_a_keras_3_model_exported_as_a_saved_model_is_a_teacher(tmp_path):
    keras_3 = _keras_3()
    vectorize = keras_3.layers.TextVectorization(max_tokens=50, output_sequence_length=8)
    vectorize.adapt(["a good film", "a dull mess", "great fun"])
    texts = keras_3.Input((1,), dtype="string")
    pooled = keras_3.layers.GlobalAveragePooling1D()(keras_3.layers.Embedding(50, 4)(vectorize(texts)))
    model = keras_3.Model(texts, keras_3.layers.Dense(2)(pooled))
    path = str(tmp_path / "exported")
    model.export(path)
    teacher = ready_teacher(path, registered=())
    expected = np.asarray(model(tf.constant([["a good film"], ["a dull mess"]])))
    np.testing.assert_allclose(teacher.predict_texts(["a good film", "a dull mess"]), expected, atol=1e-5)
