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
