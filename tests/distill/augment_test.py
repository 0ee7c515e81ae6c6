import numpy as np
import pytest

from tfcompress.distill.augment import augment_texts
from tfcompress.text import WordTokenizer

TEXTS = ["a sharp, funny and moving film", "dull, dull and far too long", "the best thing in it is the score"]


def test_copies_are_deterministic_perturbations_of_the_sources():
    first = augment_texts(TEXTS, copies=4, seed=7)
    assert first == augment_texts(TEXTS, copies=4, seed=7)
    assert first != augment_texts(TEXTS, copies=4, seed=8)
    sources = [" ".join(WordTokenizer().tokenize(text)) for text in TEXTS]
    vocabulary = {word for text in TEXTS for word in WordTokenizer().tokenize(text)}
    assert 0 < len(first) <= 12
    for copy in first:
        assert copy not in sources and copy.strip()
        assert set(copy.split()) <= vocabulary


def test_each_perturbation_alone():
    dropped = augment_texts(TEXTS, copies=3, drop=0.5, swap=0.0, ngram=0.0, seed=1)
    assert all(len(c.split()) < 9 for c in dropped)
    windows = augment_texts(TEXTS, copies=3, drop=0.0, swap=0.0, ngram=1.0, seed=1)
    assert windows and all(1 <= len(c.split()) <= 5 for c in windows)
    assert augment_texts(TEXTS, copies=3, drop=0.0, swap=0.0, ngram=0.0) == []


def test_probabilities_are_checked():
    with pytest.raises(ValueError, match="drop must be a probability"):
        augment_texts(TEXTS, drop=1.5)


def test_neighbour_substitution_draws_only_from_the_given_candidates():
    neighbours = {"funny": ["witty", "hilarious"], "dull": ["boring"]}
    copies = augment_texts(TEXTS, copies=6, drop=0.0, swap=0.0, ngram=0.0, seed=3, neighbours=neighbours,
                           substitute=1.0)
    words = {word for copy in copies for word in copy.split()}
    assert {"witty", "hilarious", "boring"} & words and not {"funny", "dull"} & words
    assert augment_texts(TEXTS, copies=2, seed=3) == augment_texts(TEXTS, copies=2, seed=3, neighbours=neighbours)
    with pytest.raises(ValueError, match="substitute must be a probability"):
        augment_texts(TEXTS, neighbours=neighbours, substitute=2.0)


def test_teacher_neighbours_are_the_nearest_words_of_the_teachers_word_space(small_teacher, small_data):
    from tfcompress.distill.word_neighbours import teacher_neighbours

    words = sorted({word for text in small_data.train.texts for word in WordTokenizer().tokenize(text)
                    if word.isalpha()})[:500]
    neighbours = teacher_neighbours(small_teacher, words, k=3, min_similarity=-1.0)
    assert set(neighbours) == set(words) and all(len(found) == 3 for found in neighbours.values())
    assert all(word not in found and set(found) <= set(words) for word, found in neighbours.items())
    vectors = small_teacher.word_vectors(words)
    vectors = vectors - vectors.mean(0)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    first = words[int(np.argmax(similarity[0]))]
    assert neighbours[words[0]][0] == first
