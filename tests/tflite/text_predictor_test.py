import numpy as np

from tfcompress.tflite import TextPredictor, softmax


def test_keras_predictor_gives_the_model_logits_and_probabilities(small_teacher, small_data):
    texts = list(small_data.test.texts[:300])
    predictor = TextPredictor(small_teacher, batch_size=64)
    logits = predictor.logits(texts)
    np.testing.assert_allclose(logits, small_teacher.predict_texts(texts), atol=1e-4)
    probabilities = predictor.probabilities(texts)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-9)
    np.testing.assert_allclose(probabilities, softmax(logits))
    assert predictor.kind == "keras" and predictor.logits([]).shape == (0, 2)


def test_tflite_predictor(student_tflite, small_data):
    predictor = TextPredictor(student_tflite)
    texts = list(small_data.test.texts[:10])
    assert predictor.kind == "tflite"
    np.testing.assert_allclose(predictor.logits(texts), student_tflite.predict_texts(texts))


def test_predictors_of_one_model_share_its_trace_across_batch_sizes(small_student, small_data):
    texts = small_data.test.texts[:9]
    first, second = TextPredictor(small_student), TextPredictor(small_student, batch_size=4)
    expected = small_student.predict_texts(texts)

    for size in (1, 3, 9):
        np.testing.assert_allclose(first.logits(texts[:size]), expected[:size], atol=1e-5)
    traces = first._call.experimental_get_tracing_count()
    np.testing.assert_allclose(second.logits(texts), expected, atol=1e-5)

    assert second._call is first._call
    assert first._call.experimental_get_tracing_count() == traces <= 2
