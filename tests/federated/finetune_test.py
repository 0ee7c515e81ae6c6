import numpy as np

from tfcompress.federated import PersonalizationConfig, finetune_head_keras, personalize_keras
from tfcompress.federated.finetune import head_layer, trained_variable_indices


def _most_skewed(clients):
    return max(clients, key=lambda c: max(c.label_counts(2)) / (c.num_train + c.num_test))


def test_head_mode_trains_only_the_last_layer(small_student):
    functional = small_student.functional()
    indices = trained_variable_indices(functional, "head")
    assert [functional.trainable_variables[i].name for i in indices] == [v.name for v in head_layer(functional).trainable_variables]
    assert trained_variable_indices(functional, "whole") == list(range(len(functional.trainable_variables)))


def test_personalizing_a_skewed_client_gains_and_leaves_the_global_model_alone(small_student, skewed_clients):
    client = _most_skewed(skewed_clients)
    global_before = [w.copy() for w in small_student.get_weights()]
    personal, result = personalize_keras(small_student, client, PersonalizationConfig(method="finetune", epochs=5, learning_rate=0.1))
    assert result["adopted"] == 1 and result["num_test"] == client.num_test
    assert result["test_accuracy_final"] >= result["test_accuracy_before"] + 0.05
    assert all(np.array_equal(a, b) for a, b in zip(global_before, small_student.get_weights()))
    ids, labels = client.encoded(small_student.encoder.encode, "test")
    personal_accuracy = np.mean(np.argmax(personal(ids, training=False).numpy(), -1) == labels)
    assert abs(personal_accuracy - result["test_accuracy_final"]) < 1e-6


def test_a_step_that_hurts_on_held_out_data_is_reverted(small_student, skewed_clients):
    client = _most_skewed(skewed_clients)
    wild = PersonalizationConfig(method="finetune", epochs=3, learning_rate=500.0, batch_size=4)
    personal, result = personalize_keras(small_student, client, wild)
    kept = result["adopted"] == 1
    assert kept == (result["holdout_accuracy_after"] > result["holdout_accuracy_before"]
                    or result["holdout_accuracy_after"] == result["holdout_accuracy_before"])
    if not kept:
        assert result["test_accuracy_final"] == result["test_accuracy_before"]
        assert all(np.array_equal(a, b) for a, b in zip(personal.get_weights(), small_student.get_weights()))


def test_without_selection_the_fine_tuned_model_is_always_kept(small_student, skewed_clients):
    config = PersonalizationConfig(method="finetune", epochs=1, learning_rate=500.0, batch_size=4, select=False)
    _, result = personalize_keras(small_student, skewed_clients[1], config)
    assert result["adopted"] == 1 and result["test_accuracy_final"] == result["test_accuracy_after"]


def test_keras_reference_fine_tuning_changes_only_the_head(small_student, skewed_clients):
    ids, labels = skewed_clients[0].encoded(small_student.encoder.encode, "train")
    tuned = finetune_head_keras(small_student, ids, labels, learning_rate=0.1, epochs=1, batch_size=16)
    before, after = small_student.functional().get_weights(), tuned.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before[:-2], after[:-2]))
    assert not np.array_equal(before[-2], after[-2])


def test_whole_model_mode_trains_every_layer(small_student, skewed_clients):
    config = PersonalizationConfig(method="finetune", mode="whole", epochs=1, learning_rate=0.05, select=False)
    personal, result = personalize_keras(small_student, skewed_clients[0], config)
    changed = [not np.array_equal(a, b) for a, b in zip(personal.get_weights(), small_student.get_weights())]
    assert all(changed) and 0 <= result["test_accuracy_final"] <= 1


def test_ditto_stays_closer_to_the_global_weights_than_plain_whole_model_fine_tuning(small_student, skewed_clients):
    plain = PersonalizationConfig(method="finetune", mode="whole", epochs=2, learning_rate=0.05, select=False)
    pulled = PersonalizationConfig(method="ditto", epochs=2, learning_rate=0.05, select=False, proximal=5.0)
    start = small_student.functional().get_weights()

    def distance(config):
        personal, _ = personalize_keras(small_student, skewed_clients[0], config)
        return sum(float(np.sum((a - b) ** 2)) for a, b in zip(personal.get_weights(), start))

    assert 0 < distance(pulled) < distance(plain)


def test_interpolation_keeps_the_global_model_weights_and_reports_its_mixing_weight(small_student, skewed_clients):
    client = _most_skewed(skewed_clients)
    config = PersonalizationConfig(method="interpolate", epochs=5, learning_rate=0.1)
    personal, result = personalize_keras(small_student, client, config)
    assert all(np.array_equal(a, b) for a, b in zip(personal.get_weights(), small_student.get_weights()))
    assert result["weight"] in config.mix_weights
    assert (result["weight"] > 0) == bool(result["adopted"])
    if not result["adopted"]:
        assert result["test_accuracy_final"] == result["test_accuracy_before"]
