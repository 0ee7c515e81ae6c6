import numpy as np
import pytest

from tfcompress.explain import integrated_gradients


@pytest.mark.parametrize("fixture", ["small_student", "small_teacher"])
def test_word_attributions_add_up_to_the_logit_change(fixture, request, sentences):
    model = request.getfixturevalue(fixture)
    maps = integrated_gradients(model, sentences, steps=64)
    predicted = model.predict_texts(sentences).argmax(-1)
    for item, text, cls in zip(maps, sentences, predicted):
        assert item["words"] == model.encoder.words(text)[:len(item["values"])]
        assert len(item["values"]) == min(len(model.encoder.words(text)), model.max_length)
        assert item["target"] == cls and item["method"] == "integrated_gradients"
        # Completeness: sum of attributions = logit(x) - logit(baseline), up to the midpoint-rule error.
        assert item["completeness_error"] < 0.02 * max(1.0, np.abs(item["values"]).sum())
    assert any(np.abs(item["values"]).max() > 1e-3 for item in maps)


def test_explaining_the_other_class_of_a_binary_model(small_student, sentences):
    as_0 = integrated_gradients(small_student, sentences, target=0, steps=64)
    as_1 = integrated_gradients(small_student, sentences, target=1, steps=64)
    # The two logits move differently, so the maps differ; each explains the class it was asked for.
    assert all(item["target"] == 0 for item in as_0) and all(item["target"] == 1 for item in as_1)
    assert not np.allclose(as_0[0]["values"], as_1[0]["values"])


def test_a_tflite_has_no_gradients(explain_tflite, sentences):
    with pytest.raises(TypeError, match="explain a .tflite with shap"):
        integrated_gradients(explain_tflite, sentences)


def test_cutting_the_path_into_small_passes_gives_the_same_attributions(small_teacher, sentences):
    whole = integrated_gradients(small_teacher, sentences, steps=8, max_inputs_per_pass=10 ** 6)
    in_passes = integrated_gradients(small_teacher, sentences, steps=8, max_inputs_per_pass=3)
    for one, other in zip(whole, in_passes):
        assert one["words"] == other["words"]
        np.testing.assert_allclose(one["values"], other["values"], rtol=1e-4, atol=1e-5)
