"""The Keras MiniLM encoder against an independent NumPy forward pass of the same pretrained weights."""
import math
import os

import numpy as np
import pytest

from tfcompress.models import MiniLMTeacher, load_model, save_model
from tfcompress.text import WordPieceEncoder, pretrained_minilm_dir

SENTENCES = ["A three-hour cinema master class.", "An unwatchable, cliché-ridden mess!", "good"]


def layer_norm(x, gamma, beta, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + eps) * gamma + beta


def gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def numpy_bert(weights, ids, num_layers=6, num_heads=12):
    """BERT forward pass written directly from the safetensors tensors (torch layout)."""
    w = lambda name: weights[name].astype(np.float64)  # noqa: E731
    mask = (ids != 0).astype(np.float64)
    x = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.position_embeddings.weight")[:ids.shape[1]] \
        + w("embeddings.token_type_embeddings.weight")[0]
    x = layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
    for i in range(num_layers):
        p = f"encoder.layer.{i}."
        linear = lambda h, n: h @ w(p + n + ".weight").T + w(p + n + ".bias")  # noqa: E731
        batch, length, hidden = x.shape
        split = lambda h: h.reshape(batch, length, num_heads, -1).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = (split(linear(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hidden // num_heads) + (1 - mask)[:, None, None, :] * -1e4
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = layer_norm(x + linear(context, "attention.output.dense"), w(p + "attention.output.LayerNorm.weight"),
                       w(p + "attention.output.LayerNorm.bias"))
        x = layer_norm(x + linear(gelu(linear(x, "intermediate.dense")), "output.dense"),
                       w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"))
    return x


@pytest.fixture(scope="module")
def pretrained_teacher():
    return MiniLMTeacher(num_classes=2, max_length=24, pretrained=True)


def test_encoder_reproduces_a_numpy_forward_pass_of_the_same_weights(pretrained_teacher):
    from safetensors.numpy import load_file

    weights = load_file(os.path.join(pretrained_minilm_dir(), "model.safetensors"))
    ids = pretrained_teacher.encoder.encode(SENTENCES)
    expected = numpy_bert(weights, ids)
    actual = pretrained_teacher.hidden_states(ids, training=False).numpy()
    real = ids != 0
    assert np.abs(actual[real] - expected[real]).max() < 1e-3


def test_mean_pooled_sentence_embeddings_behave_like_the_pretrained_model(pretrained_teacher):
    ids = pretrained_teacher.encoder.encode(["a wonderful film", "a marvellous movie", "the tax form is due"])
    hidden = pretrained_teacher.hidden_states(ids, training=False).numpy()
    mask = (ids != 0)[..., None]
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert pooled[0] @ pooled[1] > pooled[0] @ pooled[2] + 0.2


def test_wordpieces_align_with_words():
    encoder = WordPieceEncoder(max_length=12)
    ids, words = encoder.encode_with_words(["An unwatchable café", "x " * 20])
    assert [encoder.vocab[i] for i in ids[0][:7]] == ["[CLS]", "an", "un", "##watch", "##able", "cafe", "[SEP]"]
    assert list(words[0][:7]) == [-1, 0, 1, 1, 1, 2, -1]
    assert ids[1][-1] == encoder.sep_id and (words[1] >= 0).sum() == 10


def test_contractions_reach_wordpiece_as_in_pretraining():
    encoder = WordPieceEncoder(max_length=12)
    ids, words = encoder.encode_with_words(["It's not bad, isn't it"])
    pieces = [encoder.vocab[i] for i in ids[0] if i]
    assert pieces == ["[CLS]", "it", "'", "s", "not", "bad", ",", "isn", "'", "t", "it", "[SEP]"]
    assert list(words[0][:12]) == [-1, 0, 0, 0, 1, 2, 3, 4, 4, 4, 5, -1]  # the parts stay owned by their word


def test_small_minilm_config_and_save_round_trip(tmp_path):
    model = MiniLMTeacher(num_classes=3, max_length=16, num_layers=1, hidden_size=32, num_heads=4,
                          intermediate_size=64).build_for_inputs()
    clone = MiniLMTeacher.from_config(model.get_config())
    assert clone.build_for_inputs().count_params() == model.count_params()
    save_model(model, tmp_path / "minilm.keras")
    loaded = load_model(tmp_path / "minilm.keras")
    np.testing.assert_allclose(loaded.predict_texts(SENTENCES), model.predict_texts(SENTENCES), atol=1e-5)


def test_teacher_word_importance_sums_wordpieces_per_word(pretrained_teacher):
    words, maps = pretrained_teacher.word_importance(["An unwatchable film."])
    assert words[0] == ["an", "unwatchable", "film", "."] and maps[0].shape == (4,)
    ids, owners = pretrained_teacher.encoder.encode_with_words(["An unwatchable film."])
    from tfcompress.backend import tf
    embedded = tf.convert_to_tensor(pretrained_teacher.embed(ids))
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        logits = pretrained_teacher.logits_from_embeddings(embedded, ids)
        chosen = logits[0, int(np.argmax(logits.numpy()[0]))]
    per_piece = tf.reduce_sum(tape.gradient(chosen, embedded) * embedded, -1).numpy()[0]
    assert maps[0][1] == pytest.approx(per_piece[owners[0] == 1].sum(), abs=1e-5)


def test_teacher_word_features_average_wordpieces_and_align_with_a_student(pretrained_teacher):
    from tfcompress.models import CNNStudent

    text = "An unwatchable film."
    words, maps = pretrained_teacher.word_features([text])
    assert words[0] == ["an", "unwatchable", "film", "."] and maps[0].shape == (4, 384)
    ids, owners = pretrained_teacher.encoder.encode_with_words([text])
    hidden = pretrained_teacher.token_features(ids).numpy()[0]
    assert (owners[0] == 1).sum() > 1  # "unwatchable" is several WordPieces
    np.testing.assert_allclose(maps[0][1], hidden[owners[0] == 1].mean(0), atol=1e-5)
    student_words, student_maps = CNNStudent(num_buckets=100, max_length=16).word_features([text])
    assert student_words == words and student_maps[0].shape[0] == maps[0].shape[0]


def test_dropping_trailing_padding_keeps_the_logits(pretrained_teacher):
    from tfcompress.tflite import TextPredictor

    texts = ["a gripping, funny film", "dull", "the plot meanders but the cast is wonderful to watch"]
    ids = pretrained_teacher.encoder.encode(texts)
    trimmed = pretrained_teacher.trimmed(ids)
    assert trimmed.shape[1] == np.count_nonzero(ids, axis=1).max() < ids.shape[1]
    full = pretrained_teacher(ids, training=False).numpy()
    np.testing.assert_allclose(pretrained_teacher.predict_texts(texts), full, atol=1e-5)
    np.testing.assert_allclose(TextPredictor(pretrained_teacher).logits(texts), full, atol=1e-5)
