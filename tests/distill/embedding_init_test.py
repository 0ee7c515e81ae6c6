import collections

import numpy as np
import pytest

from tfcompress.distill import init_embeddings_from_teacher, teacher_lexicon
from tfcompress.distill.embedding_init import INIT_SCALE
from tfcompress.models import CNNStudent, FastGRNNStudent, PRADOStudent


def _pairwise_cosine(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T


def test_buckets_start_from_the_teachers_word_geometry(small_teacher, small_data):
    student = CNNStudent(num_buckets=20000, max_length=32, embedding_dim=8, filters=8)
    texts = small_data.train.texts
    report = init_embeddings_from_teacher(student, small_teacher, texts)
    table = student.embedding.embeddings.numpy()
    assert report["student_dim"] == 8 and report["buckets_reached"] > 1000 and 0 < report["variance_kept"] <= 1
    assert np.all(table[0] == 0)
    words = ["good", "bad", "funny", "boring", "film", "movie", "great", "dull", "the", "a"]
    teacher_similarity = _pairwise_cosine(small_teacher.word_vectors(words))
    student_similarity = _pairwise_cosine(table[[student.encoder.token_id(word) for word in words]])
    upper = np.triu_indices(len(words), 1)
    # A random table gives ~0 (+-0.15 over these 45 pairs); the whitened 8-dim start keeps ~0.45-0.55.
    assert np.corrcoef(teacher_similarity[upper], student_similarity[upper])[0, 1] > 0.3
    reached = table[1:][np.abs(table[1:]).sum(1) > 0]
    assert np.std(reached, axis=0).mean() == pytest.approx(INIT_SCALE, rel=0.5)


def test_lexicon_words_reach_buckets_the_texts_do_not(small_teacher, small_data):
    texts = small_data.train.texts[:50]
    without = init_embeddings_from_teacher(CNNStudent(num_buckets=5000, max_length=32), small_teacher, texts)
    lexicon = ["magnificent", "tedious", "wonderful", "atrocious", "sublime"] * 1
    student = CNNStudent(num_buckets=5000, max_length=32)
    with_lexicon = init_embeddings_from_teacher(student, small_teacher, texts, lexicon=lexicon)
    assert with_lexicon["words"] == without["words"] + sum(
        word not in {w for t in texts for w in student.encoder.words(t)} for word in set(lexicon))


def test_fastgrnn_is_supported_and_prado_is_refused(small_teacher, small_data):
    texts = small_data.train.texts[:20]
    init_embeddings_from_teacher(FastGRNNStudent(num_buckets=500, max_length=16, units=8), small_teacher, texts)
    with pytest.raises(ValueError, match="has no hashed word embedding"):
        init_embeddings_from_teacher(PRADOStudent(max_length=16), small_teacher, texts)
    with pytest.raises(ValueError, match="at least one word"):
        init_embeddings_from_teacher(CNNStudent(num_buckets=50, max_length=8), small_teacher, [""])


def test_teacher_lexicon_is_whole_words_of_a_wordpiece_vocabulary(small_teacher):
    from tfcompress.models import MiniLMTeacher

    assert teacher_lexicon(small_teacher) == []
    lexicon = teacher_lexicon(MiniLMTeacher(num_classes=2, max_length=8, num_layers=1, hidden_size=8,
                                            num_heads=2, intermediate_size=8))
    assert "good" in lexicon and not any(word.startswith("##") or not word.isalpha() for word in lexicon)


def test_multi_hash_rows_are_fitted_so_each_word_sums_to_its_own_vector(small_teacher, small_data):
    texts = small_data.train.texts
    single = CNNStudent(num_buckets=512, max_length=32, embedding_dim=8, filters=8)
    double = CNNStudent(num_buckets=512, max_length=32, embedding_dim=8, filters=8, num_hashes=2)
    single_report = init_embeddings_from_teacher(single, small_teacher, texts)
    double_report = init_embeddings_from_teacher(double, small_teacher, texts)
    assert double_report["hashes_per_word"] == 2 and single_report["hashes_per_word"] == 1
    assert np.all(double.embedding.embeddings.numpy()[0] == 0)
    counts = collections.Counter(word for text in texts for word in double.encoder.words(text) if word.isalpha())
    words = [word for word, _ in counts.most_common(300)]
    teacher_vectors = small_teacher.word_vectors(words)
    teacher_vectors = teacher_vectors - teacher_vectors.mean(0)

    def explained(student):
        """Share of the teacher's word-vector variance a linear map of the student's vectors recovers."""
        vectors = student.embed(student.encoder.encode(words))[:, 0].numpy()
        vectors = np.c_[vectors, np.ones(len(words))]
        fitted = vectors @ np.linalg.lstsq(vectors, teacher_vectors, rcond=None)[0]
        return 1 - np.sum((teacher_vectors - fitted) ** 2) / np.sum(teacher_vectors ** 2)

    def shared(student):
        vectors = student.embed(student.encoder.encode(words))[:, 0].numpy()
        return 1 - len(np.unique(vectors.round(6), axis=0)) / len(words)

    # The 300 most frequent words: 512 single-hash buckets merge some of them, while with 2 hashes the
    # frequency-weighted fit gives each its own sum of rows, so more of the teacher's geometry survives.
    assert shared(double) == 0 and shared(single) > 0.1
    assert explained(double) > explained(single) + 0.05


def test_logit_dims_put_the_teachers_verdict_on_each_word_in_the_first_dimension(small_teacher, small_data):
    student = CNNStudent(num_buckets=2048, max_length=32, embedding_dim=8, filters=8, num_hashes=2)
    report = init_embeddings_from_teacher(student, small_teacher, small_data.train.texts, logit_dims=1)
    assert report["logit_dims"] == 1
    counts = collections.Counter(word for text in small_data.train.texts for word in student.encoder.words(text)
                                 if word.isalpha())
    words = [word for word, _ in counts.most_common(300)]  # the frequency-weighted fit serves these first
    verdict = np.diff(small_teacher.predict_texts(words), axis=1)[:, 0]
    first = student.embed(student.encoder.encode(words))[:, 0, 0].numpy()
    correlation = abs(np.corrcoef(verdict, first)[0, 1])
    assert correlation > 0.8
