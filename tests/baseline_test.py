import numpy as np

from tfcompress.baseline import baseline_teacher, below_baseline, fit_baseline, measure_baseline


def test_the_baseline_is_chosen_on_validation_and_predicts_from_raw_text(small_data):
    model = fit_baseline(small_data, alpha_grid=(1e-4, 1e-5))
    grid = model.settings["grid"]
    assert len(grid) == 4  # two strengths, sublinear tf on and off
    best = max(grid, key=lambda row: row["validation_accuracy"])
    assert (model.settings["alpha"], model.settings["sublinear_tf"]) == (best["alpha"], best["sublinear_tf"])
    assert model.accuracy(small_data.validation) == best["validation_accuracy"]
    log_probabilities = model.predict_texts(["A gorgeous, witty film.", "Dull and lifeless."])
    assert log_probabilities.shape == (2, 2)
    np.testing.assert_allclose(np.exp(log_probabilities).sum(axis=1), 1.0, atol=1e-5)
    assert model.accuracy(small_data.test) > 0.65  # 3,000 training snippets: well above the 0.58 majority class
    assert model.nbytes() > 4 * model.vectorizer.idf_.size


def test_the_section_records_accuracy_size_and_time(small_data):
    section = measure_baseline(small_data)
    assert {"validation_accuracy", "test_accuracy", "settings", "grid", "bytes", "fit_seconds"} <= set(section)
    assert section["validation_accuracy"] == max(row["validation_accuracy"] for row in section["grid"])


def test_a_training_row_without_a_label_is_left_out(small_data):
    import dataclasses

    with_unlabelled = dataclasses.replace(small_data, train=small_data.train.with_unlabelled(["no label here"] * 50))
    assert fit_baseline(with_unlabelled, alpha_grid=(1e-5,)).classifier.classes_.tolist() == [0, 1]


def test_below_baseline_compares_the_shipped_student():
    metrics = {"baseline": {"test_accuracy": 0.80}, "student": {"test_accuracy": 0.82}, "tflite": {"test_accuracy": 0.79}}
    assert below_baseline(metrics) == ("tflite", 0.79, 0.80)
    metrics["tflite"] = "skipped: switched off (skip)"
    assert below_baseline(metrics) is None  # the Keras student (0.82) is what ships then
    metrics["student"]["test_accuracy"] = 0.7
    assert below_baseline(metrics) == ("student", 0.7, 0.80)
    assert below_baseline({**metrics, "baseline": "skipped: switched off (skip)"}) is None


def test_the_fitted_baseline_teaches_with_its_log_probabilities_as_logits(small_data):
    model = fit_baseline(small_data, alpha_grid=(1e-5,))
    teacher = baseline_teacher(model, small_data.class_names, max_length=24)
    texts = list(small_data.test.texts[:20])
    np.testing.assert_allclose(teacher.predict_texts(texts), model.predict_texts(texts), atol=1e-5)
    assert teacher.features == {"outputs": "logits", "word_vectors": False, "gradients": False}
    assert teacher.count_params() == model.count_params() > model.classifier.coef_.size
    assert teacher.max_length == 24 and teacher.class_names == [str(name) for name in small_data.class_names]
