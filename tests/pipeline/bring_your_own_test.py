"""Distilling a teacher defined here (a tf_keras model saved as a SavedModel, a plain function) into a registered
student and into a student class defined here, through the Python API and the command line; the .tflite loads."""
import json

import numpy as np
import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS, stack_run_config
from tests.models.teacher_functions import lexicon_scores
from tfcompress.backend import keras, tf
from tfcompress.cli import main
from tfcompress.models import TextClassifier, register_student
from tfcompress.models.registry import STUDENTS
from tfcompress.pipeline import RunConfig, run
from tfcompress.tflite import TFLiteTextClassifier

# Small enough for seconds a stage: one epoch, a few attacked texts and monitored sentences.
SMALL = {"adversarial.texts.num_examples": 8, "schedule.monitor_examples": 5, "qat.epochs": 1}


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


def test_api_distils_a_saved_model_teacher_with_every_objective_on(saved_model_teacher, reviews_csv, tmp_path):
    metrics = run(RunConfig(**stack_run_config(
        out=str(tmp_path / "run"), data=reviews_csv, preset="quick", teacher=saved_model_teacher, student="cnn",
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


@pytest.fixture
def registered_student():
    """The test's student registered by name for one test only: the registry other tests check stays as shipped."""
    register_student("mean_of_words_test")(MeanOfWordsStudent)
    yield "mean_of_words_test"
    STUDENTS.pop("mean_of_words_test")


def test_api_distils_a_function_into_a_student_class_of_the_users(reviews_csv, tmp_path, registered_student):
    metrics = run(RunConfig(**stack_run_config(
        out=str(tmp_path / "run"), data=reviews_csv, preset="quick", teacher=lexicon_scores,
        student=registered_student, student_epochs=1, robustness_examples=0, explanation_examples=0,
        skip=("personalization", "qat"), changes=SMALL)))
    assert metrics["teacher"]["name"] == "lexicon_scores" and metrics["student"]["name"] == "mean_of_words_test"
    switched = {change["setting"] for change in metrics["teacher"]["features"]["switched_off"]}
    assert switched == {"student.embedding_init", "explanation.weight"}  # its student trains saliency maps
    assert metrics["settings"]["explanation"]["weight"] == 0.0
    _check_tflite(metrics)


@pytest.fixture(scope="module")
def unlabelled_csv(tmp_path_factory, rotten_tomatoes):
    """200 reviews with no label column."""
    path = tmp_path_factory.mktemp("unlabelled") / "texts.csv"
    rows = [text.replace('"', "'") for text in rotten_tomatoes.train.texts[2300:2500]]
    path.write_text("text\n" + "".join(f'"{text}"\n' for text in rows), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("teacher, student, unlabelled", [
    ("saved_model", "tests.pipeline.bring_your_own_test:MeanOfWordsStudent", False),
    ("tests.models.teacher_functions:lexicon_scores", "cnn", True),
])
def test_the_cli_distils_a_teacher_you_bring(teacher, student, unlabelled, saved_model_teacher, reviews_csv,
                                             unlabelled_csv, tmp_path, capsys):
    teacher = saved_model_teacher if teacher == "saved_model" else teacher
    out = tmp_path / "run"
    changes = [argument for key, value in SMALL.items() for argument in ("--set", f"{key}={value}")]
    more = ["--unlabelled-data", unlabelled_csv] if unlabelled else []
    code = main(["run", "--data", reviews_csv, "--teacher", teacher, "--student", student, "--student-epochs", "1",
                 "--robustness-examples", "0", "--explanation-examples", "0", "--skip", "qat",
                 "--skip", "personalization", "--out", str(out), *more, *changes, *STACK_FLAGS])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["teacher"]["name"] == teacher and metrics["student"]["name"] == student
    assert metrics["run"]["teacher"]["given"] == teacher
    if unlabelled:  # the teacher labels 200 more training texts; validation and test stay labelled
        assert metrics["dataset"]["unlabelled"]["texts"] == 200
        assert metrics["dataset"]["splits"] == {"train": 440, "validation": 30, "test": 30}
    else:
        assert metrics["dataset"]["unlabelled"] == "none"
    _check_tflite(metrics)


def test_keras_native_distillation_from_a_function_teacher_on_the_users_tf_data(rotten_tomatoes):
    from tfcompress.distill import BestWeights, Distiller, ExplanationFidelityMonitor, LossWeightScheduler
    from tfcompress.models import CNNStudent, TextTeacher

    keras.utils.set_random_seed(0)
    teacher = TextTeacher(lexicon_scores, class_names=rotten_tomatoes.class_names)
    student = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=8, pooling="attention")
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(5e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      ce_weight=0.1, kd_weight=0.9, adversarial_weight=0.2)
    train, validation = rotten_tomatoes.train, rotten_tomatoes.validation
    texts = list(train.texts[:512])
    train_data = tf.data.Dataset.from_tensor_slices((texts, np.asarray(train.labels[:512]))).shuffle(512, seed=0)
    validation_data = tf.data.Dataset.from_tensor_slices((list(validation.texts[:128]),
                                                          np.asarray(validation.labels[:128])))
    history = distiller.fit(train_data.batch(32), validation_data=validation_data.batch(64), epochs=3, verbose=0,
                            callbacks=[LossWeightScheduler(2), ExplanationFidelityMonitor(validation.texts[:10], teacher),
                                       BestWeights("val_kd_loss", "min", target=student)]).history
    assert history["kd_loss"][-1] < history["kd_loss"][0] and history["adv_loss"][-1] > 0
    assert len(history["explanation_fidelity"]) == 3
    agreement = np.mean(student.predict_texts(texts).argmax(-1) == teacher.predict_texts(texts).argmax(-1))
    assert agreement > 0.6
