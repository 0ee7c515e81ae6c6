import numpy as np
import pytest

from tfcompress.backend import keras
from tfcompress.models import (STUDENTS, TEACHERS, BiLSTMTeacher, CNNStudent, build_student, build_teacher,
                               load_model, save_model)

SMALL = {"bilstm": dict(num_buckets=500, max_length=12, embedding_dim=8, lstm_units=8, attention_units=8),
         "bag": dict(num_buckets=500, max_length=12, embedding_dim=8),
         "cnn": dict(num_buckets=500, max_length=12, embedding_dim=8, filters=8, kernel_sizes=(2, 3)),
         "prado": dict(features=16, max_length=12, bottleneck=8, filters=8, ngram_sizes=(1, 2)),
         "fastgrnn": dict(num_buckets=500, max_length=12, embedding_dim=8, units=8, rank=4),
         "wide_cnn": dict(num_buckets=500, max_length=12, embedding_dim=8, filters=8, kernel_sizes=(2, 3))}
TEXTS = ["a gripping, funny film", "dull and far too long", ""]


@pytest.fixture(params=sorted(SMALL))
def model(request):
    build = build_teacher if request.param in TEACHERS else build_student
    return build(request.param, num_classes=3, **SMALL[request.param]).build_for_inputs()


def test_registry_knows_the_models():
    assert TEACHERS["bilstm"] is BiLSTMTeacher and STUDENTS["cnn"] is CNNStudent
    assert sorted(STUDENTS) == ["bag", "cnn", "fastgrnn", "prado"]
    with pytest.raises(ValueError, match=r"unknown student 'lstm'; registered students are \['bag', 'cnn', 'fastgrnn', "
                                         r"'prado'\]"):
        build_student("lstm")


def test_config_round_trip(model):
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.build_for_inputs().count_params() == model.count_params()


def test_save_and_load_round_trip(model, tmp_path):
    path = tmp_path / "model.keras"
    save_model(model, path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict_texts(TEXTS), model.predict_texts(TEXTS), atol=1e-6)


def test_save_refuses_other_extensions(model, tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.keras"):
        save_model(model, tmp_path / "model.h5")


def test_functional_form_shares_weights(model):
    functional = model.functional()
    ids = model.encoder.encode(TEXTS)
    np.testing.assert_allclose(functional(ids).numpy(), model(ids).numpy(), atol=1e-6)
    model.trainable_weights[0].assign(model.trainable_weights[0] + 1.0)
    np.testing.assert_allclose(functional(ids).numpy(), model(ids).numpy(), atol=1e-6)
    assert {id(w) for w in functional.weights} == {id(w) for w in model.weights}


def test_outputs_have_one_logit_per_class(model):
    assert model.predict_texts(TEXTS).shape == (3, 3)


def test_too_few_classes_is_refused():
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        CNNStudent(num_classes=1)


def test_prado_attention_ignores_padding():
    student = build_student("prado", **SMALL["prado"]).build_for_inputs()
    projections = student.encoder.encode(["good film"])
    assert not projections[0, 2:].any()
    mask = student.token_mask(projections).numpy()[0, :, 0]
    assert list(mask[:3]) == [1.0, 1.0, 0.0] and not mask[2:].any()
    attention = student.attention_map(projections).numpy()[0]
    assert np.allclose(attention[2:], 0, atol=1e-6) and np.isclose(attention.sum(), 1, atol=1e-5)


def test_fastgrnn_padding_steps_keep_the_state():
    student = build_student("fastgrnn", **SMALL["fastgrnn"]).build_for_inputs()
    ids = student.encoder.encode(["good film"])
    longer_padding = np.concatenate([ids, np.zeros((1, 5), np.int32)], axis=1)
    wider = build_student("fastgrnn", **{**SMALL["fastgrnn"], "max_length": 17}).build_for_inputs()
    wider.set_weights(student.get_weights())
    np.testing.assert_allclose(wider(longer_padding).numpy(), student(ids).numpy(), atol=1e-5)


def test_teacher_attention_ignores_padding():
    teacher = build_teacher("bilstm", **SMALL["bilstm"]).build_for_inputs()
    ids = teacher.encoder.encode(["good film"])
    weights = teacher.attention_map(ids).numpy()
    assert np.allclose(weights[0, 2:], 0) and np.isclose(weights.sum(), 1)


def test_trained_small_models_beat_chance(small_teacher, small_student, small_data):
    for model in (small_teacher, small_student):
        accuracy = np.mean(model.predict_texts(small_data.test.texts).argmax(-1) == small_data.test.labels)
        assert accuracy > 0.6, type(model).__name__
    assert isinstance(small_student, keras.Model)


def test_word_importance_gives_one_score_per_word_and_sums_gradient_x_input(model):
    words, maps = model.word_importance(["An unwatchable film.", "great", ""])
    assert words[0] == ["an", "unwatchable", "film", "."] and words[1] == ["great"] and words[2] == []
    assert [len(m) for m in maps] == [4, 1, 0]
    ids = model.encoder.encode(["An unwatchable film."])
    target = int(model(ids).numpy().argmax())
    from tfcompress.backend import tf
    embedded = tf.convert_to_tensor(model.embed(ids))
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        logit = model.logits_from_embeddings(embedded, ids)[0, target]
    expected = tf.reduce_sum(tape.gradient(logit, embedded) * embedded, -1).numpy()[0][:4]
    np.testing.assert_allclose(maps[0], expected, atol=1e-5)


def test_word_importance_for_a_fixed_target_class(model):
    _, for_zero = model.word_importance(["dull and far too long"], target=0)
    _, for_one = model.word_importance(["dull and far too long"], target=[1])
    assert not np.allclose(for_zero[0], for_one[0])


def test_word_features_give_one_vector_per_word(model):
    words, maps = model.word_features(["An unwatchable film.", "great", ""])
    assert words[0] == ["an", "unwatchable", "film", "."] and words[1] == ["great"] and words[2] == []
    assert [m.shape[0] for m in maps] == [4, 1, 0]
    dim = maps[0].shape[1]
    ids = model.encoder.encode(["An unwatchable film."])
    tokens = model.token_features(ids).numpy()[0]
    assert tokens.shape[-1] == dim
    np.testing.assert_allclose(maps[0], tokens[:4], atol=1e-5)  # students: one position per word
    assert not np.allclose(maps[0][0], maps[0][1])


def test_token_features_are_what_the_model_pools(model):
    """The features must carry the prediction: changing them must change the logits' inputs."""
    ids = model.encoder.encode(["dull and far too long"])
    tokens = model.token_features(ids).numpy()
    assert tokens.shape[:2] == ids.shape[:2] and np.isfinite(tokens).all()


def test_word_vectors_are_context_free_and_one_per_word(model):
    vectors = model.word_vectors(["great", "dull", "great"])
    assert vectors.shape[0] == 3
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    assert not np.allclose(vectors[0], vectors[1])


def test_pool_tokens_to_words_averages_wordpieces():
    from tfcompress.models.text_classifier import pool_tokens_to_words

    values = np.array([[[1.0], [2.0], [4.0], [8.0]]], np.float32)
    word_index = np.array([[-1, 0, 0, 1]])
    pooled = pool_tokens_to_words(values, word_index, 3).numpy()
    np.testing.assert_allclose(pooled[0, :, 0], [3.0, 8.0, 0.0])


def test_word_importance_takes_one_target_per_text_across_batches(model):
    texts = ["dull and far too long", "a gripping, funny film", "great"]
    _, per_text = model.word_importance(texts, target=[0, 1, 0], batch_size=2)
    for text, target, expected in zip(texts, [0, 1, 0], per_text):
        np.testing.assert_allclose(model.word_importance([text], target=target)[1][0], expected, atol=1e-5)
