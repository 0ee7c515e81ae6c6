"""Shared fixtures: a small real slice of rotten_tomatoes and tiny models trained on it."""
import importlib.util
import os

import pytest

from tfcompress import datasets
from tfcompress.backend import keras

REPO_NLTK_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".cache", "nltk_data")
if "NLTK_DATA" not in os.environ and os.path.isdir(REPO_NLTK_DATA):
    os.environ["NLTK_DATA"] = REPO_NLTK_DATA

FULL_STACK = importlib.util.find_spec("tensorflow_federated") is not None
# What a run must be told to leave out on the current stack (no textattack, nltk or TFF): it refuses otherwise.
STACK_RUN_OPTIONS = {} if FULL_STACK else {"adversarial_texts": False, "worst_case": False}
STACK_SKIPS = () if FULL_STACK else ("robustness", "personalization")
STACK_FLAGS = [] if FULL_STACK else ["--no-adversarial-texts", "--no-worst-case", "--skip", "robustness",
                                     "--skip", "personalization"]


def stack_run_config(**config):
    """``RunConfig`` keywords with what this stack cannot run switched off (nothing on the full stack)."""
    skip = tuple(sorted(set(config.pop("skip", ())) | set(STACK_SKIPS)))
    return {**config, **STACK_RUN_OPTIONS, "skip": skip}
requires_full_stack = pytest.mark.skipif(
    not FULL_STACK, reason="needs the full stack (.venv: TF 2.14 + TFF 0.87 + textattack); "
                           "the current stack has no TensorFlow Federated and no textattack")


@pytest.fixture(scope="session")
def rotten_tomatoes():
    return datasets.load("rotten_tomatoes", seed=0)


@pytest.fixture(scope="session")
def reviews_csv(tmp_path_factory, rotten_tomatoes):
    """A CSV of 300 labelled rows of rotten_tomatoes (240 train, 30 validation, 30 test when a run splits it)."""
    import csv

    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for text, label in zip(rotten_tomatoes.train.texts[:300], rotten_tomatoes.train.labels[:300]):
            writer.writerow([text, rotten_tomatoes.class_names[label]])
    return str(path)


@pytest.fixture(scope="session")
def small_data(rotten_tomatoes):
    """3,000 train / 200 validation / 300 test examples of the bundled dataset."""
    import dataclasses

    return dataclasses.replace(rotten_tomatoes, train=rotten_tomatoes.train.take(3000),
                               validation=rotten_tomatoes.validation.take(200),
                               test=rotten_tomatoes.test.take(300))


def tiny_distiller(teacher, seed=5, **compile_args):
    """A Distiller over a fresh tiny CNN student, compiled with ``compile_args``."""
    from tfcompress.distill import Distiller
    from tfcompress.models import CNNStudent

    keras.utils.set_random_seed(seed)
    student = CNNStudent(num_buckets=500, max_length=32, embedding_dim=8, filters=8).build_for_inputs()
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(5e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      **compile_args)
    return distiller


def train_classifier(model, split, epochs=2, seed=0):
    """The package's training recipe with the small settings every test model uses."""
    from tfcompress.pipeline import train_classifier as recipe

    return recipe(model, split, epochs=epochs, learning_rate=3e-3, batch_size=32, seed=seed)


@pytest.fixture(scope="session")
def small_teacher(small_data):
    from tfcompress.models import BiLSTMTeacher

    teacher = BiLSTMTeacher(num_buckets=3000, max_length=32, embedding_dim=16, lstm_units=16, attention_units=16)
    return train_classifier(teacher, small_data.train)


@pytest.fixture(scope="session")
def small_student(small_data):
    from tfcompress.models import CNNStudent

    student = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16)
    return train_classifier(student, small_data.train)


@pytest.fixture(scope="session")
def small_explaining_student(small_data):
    """A tiny self-explaining CNN (attention pooling) trained on the small split."""
    from tfcompress.models import CNNStudent

    keras.utils.set_random_seed(0)
    student = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16, pooling="attention")
    return train_classifier(student, small_data.train)


@pytest.fixture(scope="session")
def student_tflite_bytes(small_student, small_data):
    """A small int8 .tflite of the session's tiny CNN student."""
    from tfcompress.tflite import convert_to_int8

    return convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts)))


@pytest.fixture(scope="session")
def student_tflite(student_tflite_bytes, small_student):
    """That .tflite paired with the student's encoder: raw texts in."""
    from tfcompress.tflite import TFLiteTextClassifier

    return TFLiteTextClassifier(student_tflite_bytes, small_student.encoder, reference=small_student)


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """The real quick preset on the full rotten_tomatoes dataset, as `tfcompress run --preset quick`.

    One run per session, shared by the pipeline and report tests: (output folder, metrics)."""
    from tfcompress.pipeline import RunConfig, run

    out = tmp_path_factory.mktemp("quick")
    return out, run(RunConfig(**stack_run_config(out=str(out), preset="quick")))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Each file is one xdist group (``make test`` runs ``-n 2 --dist loadgroup``: a file runs on one worker, so
    its expensive fixtures are built once), except that every test of the session's quick run, whatever its file,
    is in the ``quick_run`` group: one worker builds that run once for all of them. Those tests are slow and go
    first, then the other slow tests, so both workers start on the long groups and the short ones fill in."""
    for item in items:
        uses_quick_run = "quick_run" in getattr(item, "fixturenames", ())
        if uses_quick_run:
            item.add_marker(pytest.mark.slow)
        item.add_marker(pytest.mark.xdist_group("quick_run" if uses_quick_run else item.location[0]))
    items.sort(key=lambda item: ("quick_run" not in getattr(item, "fixturenames", ()),
                                 item.get_closest_marker("slow") is None))


@pytest.fixture(scope="session")
def nltk_data_dir():
    path = os.environ.get("NLTK_DATA")
    if not path or not os.path.isdir(os.path.join(path, "corpora", "wordnet")):
        pytest.fail("NLTK_DATA must point at the folder 'make nltk-data' builds (make test sets it)")
    return path


@pytest.fixture(scope="session", autouse=True)
def textattack_imported_before_any_capsys():
    """textattack (and transformers, which it imports) bind log handlers to the sys.stderr of import
    time; imported inside a test that uses capsys, they keep a stream that is closed afterwards."""
    if FULL_STACK and os.path.isdir(os.path.join(os.environ.get("NLTK_DATA", ""), "corpora", "wordnet")):
        from tfcompress.robustness import import_textattack

        import_textattack()
