"""TFF personalization evaluation (full stack)."""
import pytest

from tests.conftest import requires_full_stack

pytestmark = requires_full_stack


GLOBAL_PRIOR = (0.55, 0.45)


@pytest.fixture(scope="module")
def report(small_student, awkward_clients):
    from tfcompress.federated import PersonalizationConfig, personalization_eval

    return personalization_eval(small_student, awkward_clients, PersonalizationConfig(), GLOBAL_PRIOR)


@pytest.fixture(scope="module")
def finetune_report(small_student, awkward_clients):
    from tfcompress.federated import PersonalizationConfig, personalization_eval

    return personalization_eval(small_student, awkward_clients[:2], PersonalizationConfig(method="finetune", epochs=3))


def test_every_client_with_data_gets_a_row_and_the_empty_one_is_skipped(report, awkward_clients):
    assert [row["client"] for row in report["clients"]] == [c.client_id for c in awkward_clients if c.num_test]
    assert report["skipped"] == [{"client": "empty", "reason": "no training data"}]
    assert report["summary"]["clients"] == 5


def test_tff_rows_match_the_same_policy_run_in_keras(report, small_student, awkward_clients):
    from tfcompress.federated import PersonalizationConfig, personalize_keras

    for client in (awkward_clients[0], awkward_clients[-1]):
        row = next(r for r in report["clients"] if r["client"] == client.client_id)
        _, local = personalize_keras(small_student, client, PersonalizationConfig(), GLOBAL_PRIOR)
        assert row["accuracy_before"] == pytest.approx(local["test_accuracy_before"], abs=1e-4)
        assert row["accuracy_personalized"] == pytest.approx(local["test_accuracy_final"], abs=1e-4)
        assert row["adopted"] == bool(local["adopted"]) and row["weight"] == pytest.approx(local["weight"])
        assert row["gain_points"] == pytest.approx(
            100 * (row["accuracy_personalized"] - row["accuracy_before"]), abs=0.02)


def test_skewed_clients_adopt_their_prior_and_gain(report):
    adopted = [row for row in report["clients"] if row["adopted"]]
    assert adopted and all(row["weight"] > 0 for row in adopted)
    assert report["summary"]["mean_gain_points"] > 0 and "decisions" in report["summary"]


def test_fine_tuning_runs_in_tff_like_in_keras(finetune_report, small_student, awkward_clients):
    from tfcompress.federated import PersonalizationConfig, personalize_keras

    row = finetune_report["clients"][0]
    _, local = personalize_keras(small_student, awkward_clients[0], PersonalizationConfig(method="finetune", epochs=3))
    assert row["adopted"] == bool(local["adopted"])
    assert row["accuracy_before"] == pytest.approx(local["test_accuracy_before"], abs=1e-4)


def test_the_single_class_client_does_not_get_worse(report):
    row = next(r for r in report["clients"] if r["client"] == "single_class")
    assert row["accuracy_personalized"] >= row["accuracy_before"]


def test_summary_statistics_follow_the_rows(report):
    import statistics

    gains = [row["gain_points"] for row in report["clients"]]
    summary = report["summary"]
    assert summary["mean_gain_points"] == pytest.approx(statistics.fmean(gains), abs=0.01)
    assert summary["worst_gain_points"] == min(gains) and summary["median_gain_points"] == statistics.median(gains)
