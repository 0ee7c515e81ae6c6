"""The worst-case term: WordNet substitution sets, interval bounds that hold, and training under model.fit."""
import itertools

import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.distill import Distiller
from tfcompress.distill.losses import WorstCaseTerm
from tfcompress.distill.substitution_sets import substitution_table, wordnet_missing, wordnet_substitutes
from tfcompress.distill.typo_edits import with_typos
from tfcompress.models import build_student
from tfcompress.text import VocabularyEncoder

WORDS = ["the", "film", "good", "great", "bad", "dull", ".", "is"]


def tiny_student(encoder, seed=0, pooling="max"):
    keras.utils.set_random_seed(seed)
    if pooling == "bag":
        return build_student("bag", num_classes=2, encoder=encoder, num_buckets=encoder.num_buckets,
                             max_length=encoder.max_length, embedding_dim=6).build_for_inputs()
    return build_student("cnn", num_classes=2, encoder=encoder, num_buckets=encoder.num_buckets, num_hashes=1,
                         max_length=encoder.max_length, embedding_dim=6, filters=5, pooling=pooling).build_for_inputs()


@pytest.mark.parametrize("pooling", ["max", "attention", "channel_attention", "bag"])
def test_bounds_are_exact_without_substitutions_and_hold_for_every_substituted_text(pooling):
    encoder = VocabularyEncoder(WORDS, max_length=6)
    student = tiny_student(encoder, pooling=pooling)
    texts = ["the film is good .", "bad dull film", "great"]
    x = tf.constant(encoder.encode(texts))
    labels = tf.constant([0, 1, 0])
    alone = np.arange(encoder.num_buckets + 1, dtype=np.int32)[:, None]
    logits = student(x).numpy()
    exact = student.worst_case_logits(*student.embedding_bounds(x, alone), labels, x).numpy()
    margins = logits - logits[np.arange(3), labels.numpy()][:, None]
    if pooling == "channel_attention":  # a smooth maximum is bounded within log(positions) / sharpness of the max
        assert (margins <= exact + 1e-5).all() and (exact - margins).max() < 1.0
    else:
        np.testing.assert_allclose(exact, margins, atol=1e-5)

    table = substitution_table(encoder, {"good": ["great", "bad"], "film": ["flick"], "dull": ["good"]})
    worst = student.worst_case_logits(*student.embedding_bounds(x, table), labels, x).numpy()
    for row, ids in enumerate(encoder.encode(texts)):
        choices = [sorted(set(table[index])) for index in ids]
        for option in itertools.product(*choices):  # every substituted text: its margin is inside the bound
            z = student(tf.constant([option])).numpy()[0]
            assert (z - z[labels[row]] <= worst[row] + 1e-5).all()


def test_table_rows_start_with_the_word_and_read_candidates_through_the_encoder():
    encoder = VocabularyEncoder(WORDS, max_length=6)
    table = substitution_table(encoder, {"good": ["great", "grate", "excellent"]})
    good = encoder.canonical_id("good")
    assert table.shape == (encoder.num_buckets + 1, 3)
    # "grate" is read as "great" (one swap), "excellent" as unknown (id 1).
    assert table[good].tolist() == [good, 1, encoder.canonical_id("great")]
    assert (table[encoder.canonical_id("bad")] == encoder.canonical_id("bad")).all()


@pytest.mark.skipif(wordnet_missing() is not None, reason="needs nltk's WordNet (the full stack)")
def test_wordnet_substitutes_follow_pwws():
    substitutes = wordnet_substitutes(["good", "the", "film", "bad"])
    assert "the" not in substitutes  # a stopword: PWWS never swaps it
    assert {"beneficial", "well"} <= set(substitutes["good"]) and "good" not in substitutes["good"]
    assert all("_" not in word for words in substitutes.values() for word in words)


def test_typo_edits_are_seeded_and_keep_the_unchosen_texts():
    texts = [f"a wonderful film number {index}" for index in range(200)]
    edited = with_typos(texts, share=0.5, rate=1.0, seed=3)
    assert edited == with_typos(texts, share=0.5, rate=1.0, seed=3)
    changed = [a != b for a, b in zip(texts, edited)]
    assert 60 < sum(changed) < 140
    assert all(b.startswith("a ") for b in edited)  # words of fewer than 3 letters are never edited
    with pytest.raises(ValueError, match="typo_share"):
        with_typos(texts, share=2.0)


def test_the_term_trains_under_fit_and_needs_a_table(small_data, small_teacher):
    encoder = VocabularyEncoder.from_texts(small_data.train.texts, 300, max_length=32)
    student = tiny_student(encoder)
    table = substitution_table(encoder, {"good": ["great", "fine"], "bad": ["poor"], "funny": ["amusing"]})
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(3e-3), robust_weight=0.5, substitutions=table)
    x = encoder.encode(small_data.train.texts[:256])
    teacher_x = small_teacher.encoder.encode(small_data.train.texts[:256])
    data = tf.data.Dataset.from_tensor_slices(({"student_inputs": x, "teacher_inputs": teacher_x},
                                               small_data.train.labels[:256])).batch(64)
    history = distiller.fit(data, epochs=2, verbose=0).history
    assert history["robust_loss"][-1] > 0 and np.isfinite(history["robust_loss"]).all()
    assert distiller.compile_settings["robust_weight"] == 0.5 and distiller.compile_settings["substitution_width"] == 3
    with pytest.raises(ValueError, match="substitution sets"):
        WorstCaseTerm(0.5)
    assert WorstCaseTerm.from_config(WorstCaseTerm(0.5, table).get_config()).substitutions.shape == table.shape


def test_a_hashed_student_is_refused(small_teacher):
    student = build_student("prado", num_classes=2, features=16, max_length=16).build_for_inputs()
    with pytest.raises(ValueError, match="interval bounds"):
        Distiller(student=student, teacher=small_teacher).compile(robust_weight=0.5,
                                                                  substitutions=np.zeros((3, 1), np.int32))


def test_the_search_kind_picks_realizable_substitutions_that_raise_the_loss(small_data, small_teacher):
    encoder = VocabularyEncoder.from_texts(small_data.train.texts, 300, max_length=32)
    student = tiny_student(encoder, seed=1)
    good, bad = encoder.canonical_id("good"), encoder.canonical_id("bad")
    table = substitution_table(encoder, {"good": ["bad", "fine"], "bad": ["good"]})
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(3e-3), robust_weight=1.0, substitutions=table, robust_kind="search",
                      robust_steps=2)
    assert distiller.terms["robust"].kind == "search" and distiller.compile_settings["robust_kind"] == "search"
    texts = small_data.train.texts[:128]
    x = encoder.encode(texts)
    teacher_x = small_teacher.encoder.encode(texts)
    data = tf.data.Dataset.from_tensor_slices(({"student_inputs": x, "teacher_inputs": teacher_x},
                                               small_data.train.labels[:128])).batch(64)
    history = distiller.fit(data, epochs=1, verbose=0).history
    assert np.isfinite(history["robust_loss"]).all() and history["robust_loss"][-1] >= 0
    teacher_logits = small_teacher.predict_texts(texts)
    chosen = distiller.terms["robust"].worst_substitutions(student, tf.constant(x), tf.constant(teacher_logits)).numpy()
    assert all(chosen[i, t] in table[x[i, t]] for i in range(len(x)) for t in range(x.shape[1]))
    assert (chosen != x).any() and {good, bad} <= set(table[good].tolist())
    kl = keras.losses.KLDivergence()
    target = tf.nn.softmax(teacher_logits)
    assert kl(target, tf.nn.softmax(student(chosen))) >= kl(target, tf.nn.softmax(student(x)))
    partial = WorstCaseTerm(1.0, table, kind="search", steps=2, share=0.25)
    few = partial.worst_substitutions(student, tf.constant(x), tf.constant(teacher_logits)).numpy()
    lengths = (x != 0).sum(axis=1)
    assert ((few != x).sum(axis=1) <= np.maximum(1, np.ceil(0.25 * lengths))).all()
    with pytest.raises(ValueError, match="kind"):
        WorstCaseTerm(1.0, table, kind="pgd")
    with pytest.raises(ValueError, match="share"):
        WorstCaseTerm(1.0, table, kind="search", share=0.0)


@pytest.mark.skipif(wordnet_missing() is not None, reason="needs nltk's WordNet (the full stack)")
def test_the_trained_sets_hold_no_antonym_and_no_polarity_flip(small_data, small_teacher):
    from tfcompress.distill.substitution_sets import (sentiment_preserving, single_word_verdicts, wordnet_antonyms)
    from tfcompress.pipeline import preset_settings
    from tfcompress.pipeline.recipe import worst_case_sets

    encoder = VocabularyEncoder.from_texts(small_data.train.texts, 600, max_length=32, real_words=None)
    student = tiny_student(encoder, pooling="attention")
    # "bad" is a WordNet antonym of "good": never a declared swap, also when a candidate is only read as it.
    kept, removed = sentiment_preserving(encoder, {"good": ["bad", "well", "baad"]}, small_teacher)
    assert "bad" not in kept.get("good", []) and "baad" not in kept.get("good", []) and removed["antonym"] == 2

    plan = worst_case_sets(student, preset_settings("default"), teacher=small_teacher)
    table, statistics = plan.table, plan.statistics
    assert plan.status == "on" and plan.settings.worst_case.weight == 0.1
    assert statistics["words_with_substitutes"] > 50 and 0 <= statistics["share_with_unknown"] <= 1
    words = {index: word for word, index in encoder.word_ids.items()}
    antonyms = wordnet_antonyms(list(encoder.vocabulary))
    verdicts = single_word_verdicts(small_teacher, encoder.vocabulary)
    for index, row in enumerate(table):
        word = words.get(index)
        for other in {words.get(candidate) for candidate in row[1:]} - {word, None}:
            assert other not in antonyms.get(word, ()), (word, other)
            (mine, my_margin), (theirs, their_margin) = verdicts[word], verdicts[other]
            assert not (mine != theirs and min(my_margin, their_margin) > 1.0), (word, other)


def test_bounds_and_their_gradients_stay_finite_under_very_sharp_attention():
    """One position's score far above the rest (attention grown sharp over a long text) must not give 0 / 0."""
    encoder = VocabularyEncoder(WORDS, max_length=6)
    student = tiny_student(encoder, pooling="attention")
    student.attention.kernel.assign(student.attention.kernel * 1e4)
    x = tf.constant(encoder.encode(["the film is good .", "bad dull film"]))
    labels = tf.constant([0, 1])
    table = substitution_table(encoder, {"good": ["great", "bad"], "dull": ["good"]})
    with tf.GradientTape() as tape:
        worst = student.worst_case_logits(*student.embedding_bounds(x, table), labels, x)
        loss = tf.reduce_sum(worst)
    gradients = tape.gradient(loss, student.trainable_variables)
    assert np.isfinite(worst.numpy()).all()
    assert all(np.isfinite(tf.convert_to_tensor(g).numpy()).all() for g in gradients if g is not None)
    logits = student(x).numpy()
    margins = logits - logits[np.arange(2), labels.numpy()][:, None]
    assert (margins <= worst.numpy() + 1e-3 * np.abs(margins).max()).all()
