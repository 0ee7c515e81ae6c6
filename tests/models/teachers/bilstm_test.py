"""BiLSTMTeacher: padding is masked, so its logits do not depend on how much trailing padding a batch has."""
import numpy as np

from tfcompress.models import BiLSTMTeacher, load_model, save_model
from tfcompress.tflite import TextPredictor


def test_dropping_trailing_padding_keeps_the_logits(small_teacher, small_data):
    texts = [*small_data.validation.texts[:60], "", "dull", "a gripping , funny film"]
    ids = small_teacher.encoder.encode(texts)
    full = small_teacher(ids, training=False).numpy()

    assert isinstance(small_teacher, BiLSTMTeacher) and small_teacher.padding_is_masked
    assert small_teacher.trimmed(ids[-2:]).shape[1] == 5 < ids.shape[1]
    np.testing.assert_allclose(small_teacher.predict_texts(texts, batch_size=16), full, atol=1e-5)
    np.testing.assert_allclose(TextPredictor(small_teacher).logits(texts), full, atol=1e-5)


def test_save_load_round_trip(small_teacher, small_data, tmp_path):
    save_model(small_teacher, tmp_path / "teacher.keras")
    loaded = load_model(tmp_path / "teacher.keras")
    texts = small_data.test.texts[:20]
    assert loaded.get_config() == small_teacher.get_config()
    np.testing.assert_allclose(loaded.predict_texts(texts), small_teacher.predict_texts(texts), atol=1e-6)
