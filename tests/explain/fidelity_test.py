import numpy as np
import pytest

from tfcompress.explain import aligned_values, fidelity, integrated_gradients, spearman, top_k_overlap


def _map(words, values, text="t"):
    return {"text": text, "words": list(words), "values": list(values), "target": 1}


def test_a_model_compared_with_itself_is_fully_faithful(small_student, small_data):
    maps = integrated_gradients(small_student, list(small_data.test.texts[:20]))
    result = fidelity(maps, maps, k=3)
    assert result["spearman"] == pytest.approx(1.0) and result["top_k_overlap"] == 1.0
    assert result["num_sentences"] == 20 and len(result["per_sentence"]) == 20


def test_teacher_and_student_maps_agree_more_than_chance(small_teacher, small_student, small_data):
    texts = list(small_data.test.texts[:40])
    teacher_maps = integrated_gradients(small_teacher, texts)
    targets = [item["target"] for item in teacher_maps]
    student_maps = integrated_gradients(small_student, texts, target=targets)
    result = fidelity(teacher_maps, student_maps, k=3)
    rng = np.random.default_rng(0)
    shuffled = [dict(item, values=list(rng.permutation(item["values"]))) for item in student_maps]
    assert result["spearman"] > fidelity(teacher_maps, shuffled, k=3)["spearman"]


def test_ties_constant_maps_and_lengths():
    assert spearman(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 2.0, 3.0])) == pytest.approx(1.0)
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    assert spearman(np.array([0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])) is None
    assert spearman(np.array([1.0]), np.array([1.0])) is None
    assert top_k_overlap(np.array([5.0, 4.0, 0.0, -1.0]), np.array([5.0, 0.0, 4.0, -1.0]), k=2) == 0.5
    assert top_k_overlap(np.array([1.0]), np.array([2.0]), k=5) == 1.0
    # A model with a shorter max_length covers a prefix: compared over the words both cover.
    a, b = aligned_values(_map("abcd", [1, 2, 3, 4]), _map("abc", [1, 2, 3]))
    assert list(a) == [1, 2, 3] and list(b) == [1, 2, 3]
    result = fidelity([_map("abc", [0, 0, 0]), _map("ab", [1, 2])], [_map("abc", [1, 2, 3]), _map("ab", [1, 2])])
    assert result["num_spearman_undefined"] == 1 and result["spearman"] == pytest.approx(1.0)
    assert aligned_values(_map(["café"], [1.0]), _map(["cafe"], [2.0]))[1][0] == 2.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="different texts"):
        fidelity([_map("ab", [1, 2])], [_map("xy", [1, 2])])
    with pytest.raises(ValueError, match="1 teacher maps vs 0 student maps"):
        fidelity([_map("ab", [1, 2])], [])
    with pytest.raises(ValueError, match="no attribution maps"):
        fidelity([], [])
