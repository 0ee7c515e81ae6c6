"""Aligning a self-explaining student's own contributions with the teacher's occlusion attributions (first order)."""
import numpy as np
import pytest

from tfcompress.backend import keras
from tfcompress.distill import Distiller, TeacherExplanations, distillation_dataset
from tfcompress.distill.losses import ExplanationTerm
from tfcompress.distill.teacher_explanations import teacher_map_kind
from tfcompress.models import CNNStudent

TEXTS = ["An unwatchable film.", "a warm , funny and moving story", "", "great"]


def test_occlusion_is_the_drop_of_the_teachers_class_logit_when_the_word_is_deleted(small_teacher):
    maps, mask = TeacherExplanations(small_teacher, "occlusion", max_length=16).compute(TEXTS)
    assert mask.sum(1).tolist() == [4, 7, 0, 1]
    words = small_teacher.encoder.words(TEXTS[1])
    variants = [" ".join(words)] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    logits = small_teacher.predict_texts(variants)
    target = logits[0].argmax()
    np.testing.assert_allclose(maps[1, :7], logits[0, target] - logits[1:, target], atol=1e-5)
    assert not maps[1, 7:].any() and not maps[2].any()


def test_endpoint_shapley_is_the_mean_of_the_word_alone_and_the_word_left_out(small_teacher, tmp_path):
    from tfcompress.models import TeacherOutputCache

    cache = TeacherOutputCache(tmp_path)
    both, mask = TeacherExplanations(small_teacher, "endpoint_shapley", 16, cache=cache).compute(TEXTS)
    left_out, _ = TeacherExplanations(small_teacher, "occlusion", 16, cache=cache).compute(TEXTS)
    alone, alone_mask = TeacherExplanations(small_teacher, "alone", 16, cache=cache).compute(TEXTS)
    assert cache.hits == 2 and np.array_equal(mask, alone_mask)
    np.testing.assert_allclose(both, (left_out + alone) / 2, atol=1e-6)
    words = small_teacher.encoder.words(TEXTS[1])
    logits = small_teacher.predict_texts([TEXTS[1], ""] + words)
    target = small_teacher.predict_texts([" ".join(words)])[0].argmax()
    np.testing.assert_allclose(alone[1, :7], logits[2:, target] - logits[1, target], atol=1e-5)


def test_contributions_are_compared_with_the_chosen_teacher_attribution():
    assert teacher_map_kind("contributions") == "endpoint_shapley"
    assert teacher_map_kind("contributions", "integrated_gradients") == "integrated_gradients"
    assert teacher_map_kind("saliency", "occlusion") == "saliency"
    with pytest.raises(ValueError, match="teacher_attribution must be one of"):
        teacher_map_kind("contributions", "shap")


def test_a_student_that_does_not_explain_itself_is_refused(small_teacher):
    student = CNNStudent(num_buckets=100, max_length=16).build_for_inputs()
    with pytest.raises(ValueError, match="does not explain itself"):
        Distiller(student=student, teacher=small_teacher).compile("adam", explain_weight=1.0,
                                                                  explanation="contributions")


def alignment(student, texts, maps, mask):
    _, values = student.word_contributions(texts, target=None)
    scores = []
    for row, value in enumerate(values):
        count = int(mask[row].sum())
        if count > 2 and np.ptp(value[:count]) > 0:
            scores.append(np.corrcoef(value[:count], maps[row, :count])[0, 1])
    return float(np.mean(scores))


def test_the_term_trains_under_fit_and_pulls_the_contributions_towards_the_teachers(small_teacher, small_data):
    texts = small_data.train.take(600)
    targets = TeacherExplanations(small_teacher, "endpoint_shapley", max_length=32)
    maps, mask = targets.compute(texts.texts)
    results = {}
    for weight in (0.0, 5.0):
        keras.utils.set_random_seed(3)
        student = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16, pooling="attention")
        distiller = Distiller(student=student, teacher=small_teacher)
        distiller.compile(keras.optimizers.Adam(5e-3), explain_weight=weight, explanation="contributions")
        history = distiller.fit(distillation_dataset(texts, student, small_teacher, 32, True, explanations=(maps, mask)),
                                epochs=4, verbose=0).history
        results[weight] = (alignment(student, texts.texts, maps, mask), history)
    aligned, history = results[5.0]
    assert history["explain_loss"][-1] < history["explain_loss"][0]
    assert aligned > results[0.0][0] + 0.1


def test_the_fidelity_monitor_measures_a_self_explaining_student_by_its_own_contributions(small_teacher,
                                                                                           small_explaining_student,
                                                                                           small_data):
    from tfcompress.distill import ExplanationFidelityMonitor

    monitor = ExplanationFidelityMonitor(small_data.validation.texts[:20], small_teacher)
    scores = monitor.measure(small_explaining_student)
    assert set(monitor.teacher_maps) == {"endpoint_shapley"} and -1 <= scores["explanation_fidelity"] <= 1
