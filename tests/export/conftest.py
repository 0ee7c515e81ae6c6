"""Fixtures of the export tests: an exported self-explaining student over a closed vocabulary."""
import pytest

from tfcompress.export import export_android
from tfcompress.tflite import read_android_metadata


@pytest.fixture(scope="session")
def vocabulary_export(rotten_tomatoes, tmp_path_factory):
    """A self-explaining CNN student over a 4,000-word VocabularyEncoder, exported; its spec and encoder."""
    from tfcompress.models import CNNStudent
    from tfcompress.text import VocabularyEncoder

    encoder = VocabularyEncoder.from_texts(rotten_tomatoes.train.texts, 4000, max_length=48)
    student = CNNStudent(encoder=encoder, num_buckets=encoder.num_buckets, max_length=48,
                         pooling="attention").build_for_inputs()
    path = tmp_path_factory.mktemp("vocabulary") / "student.tflite"
    export_android(student, path, rotten_tomatoes.train.texts[:200], class_names=rotten_tomatoes.class_names)
    return path, read_android_metadata(path)["spec"], encoder
