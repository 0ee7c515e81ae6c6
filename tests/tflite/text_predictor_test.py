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


def test_predictors_of_one_model_share_its_trace_across_batch_sizes(small_data):
    from tfcompress.models import CNNStudent
    from tfcompress.models.text_classifier import compiled_inference

    model = CNNStudent(num_buckets=100, max_length=16)
    texts = small_data.test.texts[:9]
    first, second = TextPredictor(model), TextPredictor(model, batch_size=4)
    expected = model(model.encoder.encode(texts), training=False).numpy()
    compiled = compiled_inference(model)
    assert compiled.experimental_get_tracing_count() == 0

    for size in (1, 3, 9):
        np.testing.assert_allclose(first.logits(texts[:size]), expected[:size], atol=1e-5)
    traces = compiled.experimental_get_tracing_count()
    np.testing.assert_allclose(second.logits(texts), expected, atol=1e-5)

    assert 1 <= compiled.experimental_get_tracing_count() == traces <= 2
