import numpy as np
import pytest

from tfcompress.models import CNNStudent
from tfcompress.tflite import TFLiteTextClassifier
from tfcompress.text import HashingEncoder


def test_tflite_on_raw_texts_matches_its_keras_model(student_tflite, small_student, small_data):
    texts = list(small_data.test.texts[:200])
    tflite_logits = student_tflite.predict_texts(texts)
    keras_logits = small_student.predict_texts(texts)
    assert tflite_logits.shape == keras_logits.shape == (200, 2)
    assert np.mean(tflite_logits.argmax(-1) == keras_logits.argmax(-1)) >= 0.97
    assert student_tflite.num_classes == 2


def test_encoder_of_another_input_length_is_a_clear_mismatch(student_tflite_bytes):
    with pytest.raises(ValueError, match=r"model/tokenizer mismatch: .*\(32,\) int32.*\(48,\) int32"):
        TFLiteTextClassifier(student_tflite_bytes, HashingEncoder(num_buckets=1000, max_length=48))


def test_pairing_with_a_model_it_did_not_come_from_is_caught(student_tflite_bytes, small_student):
    stranger = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16, name="stranger")
    stranger.build_for_inputs()
    with pytest.raises(ValueError, match="does not reproduce the Keras model"):
        TFLiteTextClassifier(student_tflite_bytes, stranger.encoder, reference=stranger)
    check = TFLiteTextClassifier(student_tflite_bytes, small_student.encoder).check_against(small_student)
    assert check["correlation"] > 0.99 and check["agreement"] >= 0.9
