"""A small int8 .tflite of the session's tiny CNN student, paired with its encoder."""
import pytest


@pytest.fixture(scope="session")
def student_tflite_bytes(small_student, small_data):
    from tfcompress.export import convert_to_int8

    return convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts)))


@pytest.fixture(scope="session")
def student_tflite(student_tflite_bytes, small_student):
    from tfcompress.robustness import TFLiteTextClassifier

    return TFLiteTextClassifier(student_tflite_bytes, small_student.encoder, reference=small_student)
