"""TFF FedAvg rounds on the student (full stack)."""
import math

import numpy as np

from tests.conftest import requires_full_stack

pytestmark = requires_full_stack


def _copy(small_student):
    from tfcompress.models import CNNStudent

    twin = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16).build_for_inputs()
    twin.set_weights(small_student.get_weights())
    return twin


def test_rounds_survive_an_empty_client_a_single_class_client_and_dropouts(small_student, awkward_clients):
    from tfcompress.federated import run_federated

    student = _copy(small_student)
    start = [w.copy() for w in student.get_weights()]
    seen = []
    report = run_federated(student, awkward_clients, rounds=4, dropout_rate=0.5, batch_size=16, seed=1,
                           progress=seen.append)
    assert [r["round"] for r in seen] == [1, 2, 3, 4] and report["rounds"] == seen
    assert report["clients"] == {"total": 6, "with_train_data": 5, "per_round": 5}
    assert any(r["dropped"] for r in seen)
    assert all(r["participants"] + r["dropped"] == 5 for r in seen)
    ran = [r for r in seen if not r.get("skipped")]
    assert ran and all(r["seconds"] > 0 and math.isfinite(r["train_loss"]) for r in ran)
    assert report["rounds_run"] == len(ran) and 0 <= report["global_test_accuracy"] <= 1
    assert not all(np.array_equal(a, b) for a, b in zip(start, student.get_weights()))
    student.predict_texts(["the student still runs in Keras after TFF"])


def test_dp_rounds_report_epsilon_and_keep_weights_finite(small_student, skewed_clients):
    from tfcompress.federated import dp_epsilon, run_federated

    student = _copy(small_student)
    report = run_federated(student, skewed_clients, rounds=2, clients_per_round=4, noise_multiplier=1.0,
                           clip_norm=0.5, delta=1e-3, evaluate_every=0)
    dp = report["dp"]
    assert dp["noise_multiplier"] == 1.0 and dp["clip_norm"] == 0.5 and dp["sampling_rate"] == 0.5
    assert dp["epsilon"] == dp_epsilon(1.0, 0.5, 2, 1e-3) and 0 < dp["epsilon"] < 50
    assert "unweighted" in report["algorithm"]
    assert all(np.isfinite(w).all() for w in student.get_weights())
