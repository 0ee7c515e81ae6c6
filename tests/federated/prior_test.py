"""The personal class prior: leave-one-out choice, adoption rule, Keras copy and the on-device signature."""
import numpy as np
import pytest

from tfcompress.federated import (PersonalizationConfig, TFLiteTrainer, export_on_device_training, label_prior,
                                  personalize_keras, prior_offset)

GLOBAL = np.array([0.5, 0.5], np.float32)


def _numbers(result):
    return {name: np.asarray(value) for name, value in result.items()}


def test_label_prior_is_smoothed_class_frequencies():
    np.testing.assert_allclose(label_prior([0, 0, 1], 2), [0.6, 0.4], rtol=1e-6)
    np.testing.assert_allclose(label_prior([], 3), [1 / 3] * 3, rtol=1e-6)


def test_a_one_sided_client_adopts_an_offset_towards_its_class():
    # The global model leans slightly to class 0 everywhere; the client's texts are 80% class 1.
    labels = np.array([1] * 16 + [0] * 4)
    logits = np.tile([[0.2, 0.0]], (20, 1)).astype(np.float32)
    result = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 0.5, 1.0], 2))
    assert result["adopted"] == 1 and result["loo_correct_global"] == 4 and result["loo_correct_best"] == 16
    client = (np.array([4, 16]) + 2.5 * GLOBAL) / (20 + 2.5)
    np.testing.assert_allclose(result["offset"], result["weight"] * np.log(client / GLOBAL), rtol=1e-5)
    assert result["weight"] == 1.0  # the weight with the largest leave-one-out log-likelihood
    assert result["loo_evidence"] == pytest.approx(_loo_evidence(logits, labels, 2.5, 1.0), rel=1e-4)


def _loo_evidence(logits, labels, strength, weight):
    """The leave-one-out log-likelihood gain of ``weight`` over the global model, computed text by text."""
    gain = 0.0
    for row, label in enumerate(labels):
        others = np.delete(labels, row)
        prior = (np.bincount(others, minlength=2) + strength * GLOBAL) / (len(others) + strength)
        shifted = logits[row] + weight * np.log(prior / GLOBAL)
        gain += (shifted[label] - np.log(np.exp(shifted).sum())) - (
            logits[row][label] - np.log(np.exp(logits[row]).sum()))
    return gain


def test_weak_evidence_keeps_the_global_model_under_min_evidence():
    # 12 of 20 texts are class 1 and the model is already confident on most: the prior fixes one text, barely.
    labels = np.array([1] * 12 + [0] * 8)
    logits = np.where(labels[:, None] == np.arange(2)[None], 1.5, -1.5).astype(np.float32)
    logits[0] = [0.05, 0.0]  # one class-1 text just on the wrong side
    evidence = _loo_evidence(logits, labels, 5.0, 1.0)
    assert 0.0 < evidence < 3.0
    lenient = _numbers(prior_offset(logits, labels, GLOBAL, 5.0, [0.0, 1.0], 1))
    strict = _numbers(prior_offset(logits, labels, GLOBAL, 5.0, [0.0, 1.0], 1, min_evidence=3.0))
    assert lenient["adopted"] == 1 and lenient["loo_evidence"] == pytest.approx(evidence, rel=1e-4)
    assert strict["adopted"] == 0 and not strict["offset"].any() and strict["best_weight"] == 1.0


def test_a_client_like_the_global_data_keeps_the_global_model():
    labels = np.array([0, 1] * 10)
    logits = np.where(labels[:, None] == np.arange(2)[None], 1.0, -1.0).astype(np.float32)
    result = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 0.5, 1.0], 2))
    assert result["adopted"] == 0 and result["weight"] == 0 and not result["offset"].any()


def test_the_adoption_margin_is_counted_in_leave_one_out_hits():
    labels = np.array([1] * 16 + [0] * 4)
    logits = np.tile([[0.2, 0.0]], (20, 1)).astype(np.float32)
    logits[:10] = [-1.0, 1.0]  # the global model already gets 10 of the 16 right: 6 more to win, 4 kept
    strict = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 1.0], 7))
    lenient = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 1.0], 2))
    assert strict["adopted"] == 0 and lenient["adopted"] == 1
    assert strict["best_weight"] == lenient["best_weight"] == 1.0


def test_a_prior_that_breaks_texts_the_global_model_gets_right_is_refused_under_max_losses():
    labels = np.array([1] * 16 + [0] * 4)
    logits = np.tile([[0.2, 0.0]], (20, 1)).astype(np.float32)
    logits[16:] = [0.05, 0.0]  # the four class-0 texts sit close to the boundary: the prior turns them into errors
    loose = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 1.0], 2))
    assert loose["adopted"] == 1 and loose["loo_losses"] == 4
    capped = _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 1.0], 2, max_losses=1))
    assert capped["adopted"] == 0 and not capped["offset"].any() and capped["loo_losses"] == 4
    assert _numbers(prior_offset(logits, labels, GLOBAL, 2.5, [0.0, 1.0], 2, max_losses=4))["adopted"] == 1


def test_the_prior_method_needs_the_global_prior(small_student, skewed_clients):
    with pytest.raises(ValueError, match="global model's training prior"):
        personalize_keras(small_student, skewed_clients[0], PersonalizationConfig())


def test_the_keras_copy_carries_the_offset_in_its_bias_and_the_global_model_is_untouched(small_student,
                                                                                       skewed_clients):
    client = max(skewed_clients, key=lambda c: max(c.label_counts(2)) / (c.num_train + c.num_test))
    before = [w.copy() for w in small_student.get_weights()]
    personal, result = personalize_keras(small_student, client, PersonalizationConfig(), GLOBAL)
    assert result["adopted"] == 1 and result["test_accuracy_final"] > result["test_accuracy_before"]
    assert all(np.array_equal(a, b) for a, b in zip(before, small_student.get_weights()))
    ids, labels = client.encoded(small_student.encoder.encode, "test")
    assert np.mean(personal(ids, training=False).numpy().argmax(-1) == labels) == pytest.approx(
        result["test_accuracy_final"], abs=1e-6)
    changed = [not np.array_equal(a, b) for a, b in zip(personal.get_weights(), small_student.get_weights())]
    assert changed == [False] * (len(changed) - 1) + [True]  # only the head's bias


@pytest.mark.parametrize("config", [PersonalizationConfig(), PersonalizationConfig(prior_weights=(0.0, 0.5),
                                                                                  min_holdout_gain=1, max_loo_losses=0)])
def test_the_on_device_signature_reproduces_the_keras_personal_prior(small_student, skewed_clients, tmp_path, config):
    path = tmp_path / "trainable.tflite"
    export = export_on_device_training(small_student, path, global_prior=GLOBAL, config=config)
    assert "adapt_prior" in export["signatures"] and export["builtin_ops_only"]
    assert export["prior"]["weights"] == list(config.prior_weights)
    assert export["prior"]["max_losses"] == config.max_loo_losses
    for client in skewed_clients[:4]:
        ids, labels = client.encoded(small_student.encoder.encode, "train")
        test_ids, _ = client.encoded(small_student.encoder.encode, "test")
        device = TFLiteTrainer(path)
        chosen = device.adapt_prior(ids, labels)
        personal, result = personalize_keras(small_student, client, config, GLOBAL)
        assert float(chosen["weight"]) == pytest.approx(result["weight"]) and int(chosen["adopted"]) == result["adopted"]
        np.testing.assert_allclose(device.predict(test_ids), personal(test_ids, training=False).numpy(), atol=1e-4)


def test_a_file_without_the_global_prior_has_no_prior_signature(small_student, tmp_path):
    export_on_device_training(small_student, tmp_path / "plain.tflite")
    with pytest.raises(ValueError, match="no adapt_prior"):
        TFLiteTrainer(tmp_path / "plain.tflite").adapt_prior(np.zeros((1, 32), np.int32), np.zeros(1, np.int32))
