"""A small int8 .tflite of the session's tiny CNN student, paired with its encoder."""
import pytest


@pytest.fixture(scope="session")
def explain_tflite(small_student, small_data):
    from tfcompress.tflite import convert_to_int8
    from tfcompress.tflite import TFLiteTextClassifier

    model_bytes = convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts)))
    return TFLiteTextClassifier(model_bytes, small_student.encoder, reference=small_student)


@pytest.fixture(scope="session")
def sentences(small_data):
    return list(small_data.test.texts[:6])
