"""FedPer through TFF's Federated Reconstruction (full stack): a shared body, a personal head per client."""
import numpy as np
import pytest

from tests.conftest import requires_full_stack

pytestmark = requires_full_stack


@pytest.fixture(scope="module")
def fedper(small_student, awkward_clients):
    from tfcompress.federated.fedper import run_fedper

    before = [w.copy() for w in small_student.get_weights()]
    report = run_fedper(small_student, awkward_clients, rounds=2, head_epochs=3)
    return report, before


def test_every_client_with_data_gets_a_personal_head_row(fedper, awkward_clients):
    report, _ = fedper
    assert [row["client"] for row in report["clients"]] == [c.client_id for c in awkward_clients if c.num_test]
    assert len(report["rounds"]) == 2 and report["summary"]["clients"] == 5
    for row in report["clients"]:
        assert row["gain_points"] == (row["would_gain_points"] if row["adopted"] else 0.0)


def test_only_the_body_is_sent_and_the_global_model_is_untouched(fedper, small_student):
    report, before = fedper
    functional = small_student.functional()
    head = functional.layers[-1]
    body_bytes = 4 * sum(int(np.prod(v.shape)) for v in functional.trainable_variables
                         if all(v is not h for h in head.trainable_variables))
    assert report["bytes_sent_per_client_per_round"] == body_bytes
    assert all(np.array_equal(a, b) for a, b in zip(before, small_student.get_weights()))
