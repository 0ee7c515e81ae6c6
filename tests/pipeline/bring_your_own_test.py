"""Distilling a teacher defined here (a tf_keras model saved as a SavedModel, a plain function) into a registered
student and into a student class defined here, through the Python API and the command line; the .tflite loads."""
import csv
import json

import numpy as np
import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS, stack_run_config
from tests.models.user_teacher_test import lexicon_scores
from tfcompress.backend import keras, tf
from tfcompress.cli import main
from tfcompress.models import TextClassifier, register_student
from tfcompress.pipeline import RunConfig, run
from tfcompress.tflite import TFLiteTextClassifier

# Small enough for seconds a stage: one epoch, a few attacked texts and monitored sentences.
SMALL = {"adversarial.texts.num_examples": 8, "schedule.monitor_examples": 5, "qat.epochs": 1}


@register_student("mean_of_words_test")
@keras.utils.register_keras_serializable(package="tfcompress_tests")
class MeanOfWordsStudent(TextClassifier):
    """A student of this test: the mean of hashed word embeddings, then one dense layer."""

    def __init__(self, embedding_dim=8, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim = int(embedding_dim)
        self.embedding = keras.layers.Embedding(self.num_buckets + 1, self.embedding_dim, name="embedding")
        self.pool = keras.layers.GlobalAveragePooling1D(name="pool")
        self.classifier = keras.layers.Dense(self.num_classes, name="classifier")

    def embed(self, inputs, training=None):
        return self.embedding(inputs)

    def features_from_embeddings(self, embedded, inputs, training=None):
        return embedded

    def logits_from_embeddings(self, embedded, inputs, training=None):
        return self.classifier(self.pool(embedded))

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim}


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory, rotten_tomatoes):
    """300 labelled rows of rotten_tomatoes (240 train, 30 validation, 30 test)."""
    path = tmp_path_factory.mktemp("data") / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for text, label in zip(rotten_tomatoes.train.texts[:300], rotten_tomatoes.train.labels[:300]):
            writer.writerow([text, rotten_tomatoes.class_names[label]])
    return str(path)


@pytest.fixture(scope="module")
def saved_model_teacher(tmp_path_factory, rotten_tomatoes):
    """A small tf_keras classifier on raw strings, trained briefly here and saved as a TensorFlow SavedModel."""
    keras.utils.set_random_seed(0)
    texts, labels = list(rotten_tomatoes.train.texts[300:2300]), np.asarray(rotten_tomatoes.train.labels[300:2300])
    vectorize = keras.layers.TextVectorization(max_tokens=3000, output_sequence_length=32)
    vectorize.adapt(texts)
    inputs = keras.Input((), dtype=tf.string)
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(3000, 16)(vectorize(inputs)))
    model = keras.Model(inputs, keras.layers.Dense(2)(pooled))
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(tf.constant(texts), labels, epochs=3, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("teacher") / "saved_model"
    tf.saved_model.save(model, str(path))
    return str(path)


def _check_tflite(metrics):
    """The run's int8 file has builtin ops only, agrees with its Keras source and loads in the interpreter."""
    from tfcompress.models import load_model

    tflite = metrics["tflite"]
    assert tflite["builtin_ops_only"] and tflite["parity"] >= 0.8
    student = load_model(tflite["path"].replace("student.tflite", "checkpoints/student.keras"))
    with open(tflite["path"], "rb") as handle:
        runner = TFLiteTextClassifier(handle.read(), student.encoder)
    texts = ["a good film", "a dull mess"]
    assert runner.predict_texts(texts).shape == (2, 2)


def test_api_distils_a_saved_model_teacher_with_every_objective_on(saved_model_teacher, tiny_csv, tmp_path):
    metrics = run(RunConfig(**stack_run_config(
        out=str(tmp_path / "run"), data=tiny_csv, preset="quick", teacher=saved_model_teacher, student="cnn",
        student_epochs=1, robustness_examples=0, explanation_examples=2, skip=("personalization",),
        changes=SMALL)))
    teacher = metrics["teacher"]
    assert teacher["name"] == saved_model_teacher and teacher["test_accuracy"] > 0.5
    assert metrics["stages"]["teacher"]["status"] == "given"
    switched = {change["setting"]: change for change in teacher["features"]["switched_off"]}
    assert teacher["features"]["gradients"] is False and set(switched) == {"student.embedding_init"}
    assert "no word vectors" in switched["student.embedding_init"]["why"]
    distill = metrics["distill"]
    assert all(distill[f"{term}_weight"] > 0 for term in ("ce", "kd", "explain", "adv"))
    assert distill["explanation"] == "contributions"
    if FULL_STACK:  # the objectives that need textattack and WordNet
        assert distill["robust_weight"] > 0 and distill["worst_case"] == "on"
        assert isinstance(distill["adversarial_texts"], dict)
    assert metrics["qat"]["epochs"] == 1 and metrics["tflite"]["source"] == "qat"
    assert set(metrics["explanations"]["models"]["teacher"]["methods"]) == {"shap"}
    _check_tflite(metrics)


def test_api_distils_a_function_into_a_student_class_of_the_users(tiny_csv, tmp_path):
    metrics = run(RunConfig(**stack_run_config(
        out=str(tmp_path / "run"), data=tiny_csv, preset="quick", teacher=lexicon_scores,
        student="mean_of_words_test", student_epochs=1, robustness_examples=0, explanation_examples=0,
        skip=("personalization", "qat"), changes=SMALL)))
    assert metrics["teacher"]["name"] == "lexicon_scores" and metrics["student"]["name"] == "mean_of_words_test"
    switched = {change["setting"] for change in metrics["teacher"]["features"]["switched_off"]}
    assert switched == {"student.embedding_init", "explanation.weight"}  # its student trains saliency maps
    assert metrics["settings"]["explanation"]["weight"] == 0.0
    _check_tflite(metrics)


@pytest.mark.parametrize("teacher, student", [
    ("saved_model", "tests.pipeline.bring_your_own_test:MeanOfWordsStudent"),
    ("tests.models.user_teacher_test:lexicon_scores", "cnn"),
])
def test_the_cli_distils_a_teacher_you_bring(teacher, student, saved_model_teacher, tiny_csv, tmp_path, capsys):
    teacher = saved_model_teacher if teacher == "saved_model" else teacher
    out = tmp_path / "run"
    changes = [argument for key, value in SMALL.items() for argument in ("--set", f"{key}={value}")]
    code = main(["run", "--data", tiny_csv, "--teacher", teacher, "--student", student, "--student-epochs", "1",
                 "--robustness-examples", "0", "--explanation-examples", "0", "--skip", "qat",
                 "--skip", "personalization", "--out", str(out), *changes, *STACK_FLAGS])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["teacher"]["name"] == teacher and metrics["student"]["name"] == student
    assert metrics["run"]["teacher"]["given"] == teacher
    _check_tflite(metrics)
