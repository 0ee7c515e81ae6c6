import numpy as np
import pytest

from tfcompress.distill import TeacherExplanations
from tfcompress.models import TeacherOutputCache

TEXTS = ["An unwatchable film.", "great", "", "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h"]


def test_saliency_maps_sit_at_the_students_word_positions(small_teacher):
    maps, mask = TeacherExplanations(small_teacher, "saliency", max_length=16).compute(TEXTS)
    assert maps.shape == (4, 16) and mask.shape == (4, 16)
    assert mask.sum(1).tolist() == [4, 1, 0, 16]
    _, expected = small_teacher.word_importance(TEXTS[:1])
    np.testing.assert_allclose(maps[0, :4], expected[0], atol=1e-5)
    assert not maps[0, 4:].any()


def test_attention_maps_sum_to_one_over_words(small_teacher):
    maps, mask = TeacherExplanations(small_teacher, "attention", max_length=32).compute(TEXTS[:2])
    np.testing.assert_allclose(maps.sum(1), [1.0, 1.0], atol=1e-5)
    assert (maps[mask == 0] == 0).all()


def test_feature_maps_are_projected_and_cached(small_teacher, small_data, tmp_path):
    cache = TeacherOutputCache(tmp_path)
    targets = TeacherExplanations(small_teacher, "features", max_length=16, feature_dim=8, cache=cache)
    maps, mask = targets.compute(small_data.train.texts[:40])
    assert maps.shape == (40, 16, 8) and np.abs(maps[mask == 1]).sum() > 0
    again, _ = targets.compute(small_data.train.texts[:40])
    assert cache.hits == 1 and np.array_equal(maps, again)


def test_unknown_kind_and_attention_without_pooling_are_refused(small_teacher, small_student):
    with pytest.raises(ValueError, match="unknown teacher explanation 'shap'"):
        TeacherExplanations(small_teacher, "shap", 16)
    with pytest.raises(ValueError, match="has no attention pooling"):
        TeacherExplanations(small_student, "attention", 16)


def test_maps_for_only_the_first_texts_mask_out_the_rest(small_teacher):
    full, full_mask = TeacherExplanations(small_teacher, "saliency", 16).compute(TEXTS)
    maps, mask = TeacherExplanations(small_teacher, "saliency", 16).compute(TEXTS, first=2)
    assert maps.shape == full.shape and mask[2:].sum() == 0
    np.testing.assert_allclose(maps[:2], full[:2], atol=1e-6)
    np.testing.assert_array_equal(mask[:2], full_mask[:2])


def test_maps_over_the_first_positions_only_cost_fewer_teacher_passes(small_teacher):
    from tfcompress.distill.teacher_explanations import occlusion_maps

    full, full_mask = TeacherExplanations(small_teacher, "endpoint_shapley", 32).compute(TEXTS)
    maps, mask = TeacherExplanations(small_teacher, "endpoint_shapley", 32, positions=8).compute(TEXTS)
    assert mask.sum(1).tolist() == [4, 1, 0, 8]  # the 34-word text gets maps for its first 8 words only
    np.testing.assert_allclose(maps[:, :8], full[:, :8], atol=1e-5)
    assert not maps[:, 8:].any() and full_mask[3, :32].all()
    assert [len(word_map) for word_map in occlusion_maps(small_teacher, TEXTS, 32, positions=8)] == [4, 1, 0, 8]
