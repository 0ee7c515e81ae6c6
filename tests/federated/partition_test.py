import numpy as np
import pytest

from tfcompress.federated import dirichlet_label_partition, user_partition


def _labels():
    return np.array([0] * 600 + [1] * 400)


def test_every_example_goes_to_exactly_one_client():
    parts = dirichlet_label_partition(_labels(), num_clients=12, alpha=0.3, seed=1)
    joined = np.concatenate(parts)
    assert len(parts) == 12 and sorted(joined.tolist()) == list(range(1000))
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1


def test_the_partition_is_seeded():
    first = dirichlet_label_partition(_labels(), 10, 0.3, seed=4)
    again = dirichlet_label_partition(_labels(), 10, 0.3, seed=4)
    other = dirichlet_label_partition(_labels(), 10, 0.3, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def _mean_majority_share(alpha):
    labels = _labels()
    parts = dirichlet_label_partition(labels, 20, alpha, seed=0)
    return np.mean([np.bincount(labels[p], minlength=2).max() / len(p) for p in parts])


def test_small_alpha_skews_labels_and_large_alpha_is_near_iid():
    assert _mean_majority_share(0.1) > 0.85
    assert _mean_majority_share(1000.0) < 0.65


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="alpha"):
        dirichlet_label_partition(_labels(), 3, 0.0)
    with pytest.raises(ValueError, match="num_clients"):
        dirichlet_label_partition(_labels(), 0, 0.3)


def test_user_partition_groups_rows_by_user_in_first_seen_order():
    users, parts = user_partition(["b", "a", "b", "c", "a"])
    assert users == ["b", "a", "c"]
    assert [p.tolist() for p in parts] == [[0, 2], [1, 4], [3]]
