"""Self-explaining students: logits that are an exact sum of per-word contributions (cnn attention and channel
attention pooling, prado)."""
import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.models import BagStudent, CNNStudent, PRADOStudent, load_model, save_model
from tfcompress.text import VocabularyEncoder

TEXTS = ["the film is good .", "bad", "a dull , dull film that is not good at all", ""]


def attention_cnn(seed=0, num_classes=3, pooling="attention"):
    keras.utils.set_random_seed(seed)
    encoder = VocabularyEncoder(["the", "film", "good", "bad", ".", "is", "dull", "not"], max_length=12)
    return CNNStudent(num_classes=num_classes, num_buckets=encoder.num_buckets, max_length=12, embedding_dim=6,
                      filters=5, pooling=pooling, encoder=encoder).build_for_inputs()


def bag(seed=0, num_classes=3):
    keras.utils.set_random_seed(seed)
    encoder = VocabularyEncoder(["the", "film", "good", "bad", ".", "is", "dull", "not"], max_length=12)
    return BagStudent(num_classes=num_classes, num_buckets=encoder.num_buckets, max_length=12, embedding_dim=6,
                      encoder=encoder).build_for_inputs()


def prado(seed=0):
    keras.utils.set_random_seed(seed)
    return PRADOStudent(num_classes=3, features=16, max_length=12, bottleneck=8, filters=4).build_for_inputs()


@pytest.fixture(params=["cnn", "cnn_channel_attention", "bag", "prado"])
def model(request):
    if request.param in ("bag", "prado"):
        return {"bag": bag, "prado": prado}[request.param]()
    return attention_cnn(pooling="channel_attention" if request.param.endswith("channel_attention") else "attention")


def test_contributions_sum_to_the_logits_minus_the_bias_and_are_zero_at_padding(model):
    ids = tf.constant(model.encoder.encode(TEXTS))
    logits = model(ids, training=False).numpy()
    contributions = model.contributions(ids).numpy()
    assert contributions.shape == (len(TEXTS), 12, 3)
    np.testing.assert_allclose(contributions.sum(axis=1) + model.contribution_bias().numpy(), logits, atol=1e-5)
    lengths = [len(model.encoder.words(text)) for text in TEXTS]
    for row, length in enumerate(lengths[:3]):  # the empty text has nothing to explain
        np.testing.assert_allclose(contributions[row, length:], 0.0, atol=1e-6)
    assert np.abs(contributions[0, :5]).min() > 0


def test_word_contributions_give_each_word_its_share_of_the_explained_logit(model):
    words, values = model.word_contributions(TEXTS[:3], target=1)
    logits = model.predict_texts(TEXTS[:3])
    assert words[0] == ["the", "film", "is", "good", "."] and [len(v) for v in values] == [5, 1, 11]
    bias = model.contribution_bias().numpy()[1]
    np.testing.assert_allclose([v.sum() + bias for v in values], logits[:, 1], atol=1e-5)


def test_the_functional_form_outputs_logits_and_contributions_from_the_same_weights(model):
    functional = model.functional(with_contributions=True)
    ids = model.encoder.encode(TEXTS)
    logits, contributions = functional(ids)
    np.testing.assert_allclose(logits.numpy(), model(ids).numpy(), atol=1e-6)
    np.testing.assert_allclose(contributions.numpy(), model.contributions(ids).numpy(), atol=1e-6)
    assert len(model.functional().outputs) == 1


@pytest.mark.parametrize("pooling", ["attention", "channel_attention"])
def test_attention_pooling_round_trips_through_config_and_file(tmp_path, pooling):
    student = attention_cnn(pooling=pooling)
    if pooling == "channel_attention":  # a learned sharpness per channel, saved with the weights
        student.channel_weights.sharpness.assign(np.linspace(1.0, 30.0, 15).astype("float32"))
    assert student.get_config()["pooling"] == pooling
    path = str(tmp_path / "student.keras")
    save_model(student, path)
    loaded = load_model(path)
    ids = student.encoder.encode(TEXTS)
    assert loaded.explains_itself
    np.testing.assert_allclose(loaded.contributions(ids).numpy(), student.contributions(ids).numpy(), atol=1e-6)


def test_max_pooling_does_not_explain_itself_and_says_so():
    student = CNNStudent(num_buckets=50, max_length=8).build_for_inputs()
    assert not student.explains_itself
    with pytest.raises(ValueError, match="does not explain itself"):
        student.word_contributions(["a film"])
    with pytest.raises(ValueError, match="pooling must be one of"):
        CNNStudent(pooling="mean")


def test_channel_attention_pools_a_smooth_maximum_of_each_channel():
    student = attention_cnn(pooling="channel_attention")
    ids = tf.constant(student.encoder.encode(TEXTS[:3]))
    features = student.convolved(student.embed(ids))
    weights = student.attention_weights(features, ids).numpy()
    assert weights.shape == features.shape
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)  # one softmax over positions per channel
    pooled = (weights * features.numpy()).sum(axis=1)
    words = [len(student.encoder.words(text)) for text in TEXTS[:3]]
    largest = np.stack([features.numpy()[row, :length].max(axis=0) for row, length in enumerate(words)])
    assert np.all(pooled <= largest + 1e-5) and np.all(pooled >= largest - np.log(12) / 20.0 - 1e-5)


def test_a_quantization_aware_copy_keeps_the_decomposition_within_fake_quantization_error(small_explaining_student,
                                                                                          small_data):
    from tfcompress.quantize import quantize_student

    student = small_explaining_student
    ids = student.encoder.encode(small_data.validation.texts[:100])
    qat = quantize_student(student, ids)
    assert qat.explains_itself
    logits = qat(tf.constant(ids), training=False).numpy()
    contributions = qat.contributions(tf.constant(ids)).numpy()
    error = np.abs(contributions.sum(axis=1) + qat.contribution_bias().numpy() - logits)
    assert error.max() <= 0.05 * np.abs(logits).max()
    assert np.mean(logits.argmax(-1) == student(ids).numpy().argmax(-1)) >= 0.95
