import numpy as np
import pytest

from tfcompress.explain import aopc, deletion_curve, deletion_texts, integrated_gradients, shap_attributions


def test_deletion_texts_remove_the_top_words_first():
    words = ["a", "great", "and", "moving", "film"]
    texts = deletion_texts(words, [0.0, 3.0, -1.0, 2.0, 0.5], max_k=6)
    assert texts[0] == "a great and moving film"
    assert texts[1] == "a and moving film" and texts[2] == "a and film"
    assert texts[5] == texts[6] == ""
    # Words past the attributed ones (a model's max_length) are never deleted.
    assert deletion_texts(words, [1.0, 2.0], max_k=3)[3] == "and moving film"


@pytest.mark.parametrize("method", ["integrated_gradients", "shap"])
def test_real_attributions_beat_shuffled_ones(method, small_student, small_data):
    texts = list(small_data.test.texts[:30])
    maps = integrated_gradients(small_student, texts) if method == "integrated_gradients" else \
        shap_attributions(small_student, texts, max_evals=200)[0]
    result = aopc(small_student, maps, max_k=5)
    rng = np.random.default_rng(0)
    shuffled = [dict(item, values=list(rng.permutation(item["values"]))) for item in maps]
    assert result["aopc"] > aopc(small_student, shuffled, max_k=5)["aopc"]
    assert result["aopc"] > result["aopc_random"] and result["aopc"] > 0
    assert len(result["curve"]) == 6 and result["curve"][0] > result["curve"][-1]


def test_curve_starts_at_the_target_probability(small_student, small_data):
    texts = list(small_data.test.texts[:5])
    maps = integrated_gradients(small_student, texts)
    curve = deletion_curve(small_student, maps, max_k=3)
    logits = small_student.predict_texts(texts)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(curve[:, 0], probabilities[np.arange(5), [m["target"] for m in maps]], atol=1e-5)
    with pytest.raises(ValueError, match="no attribution maps"):
        aopc(small_student, [])
