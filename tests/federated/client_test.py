import numpy as np
import pytest

from tfcompress.federated import Client


def test_sizes_class_counts_and_encoding():
    client = Client("u", ["good", "bad", "fine"], [0, 1, 0], ["ok"], [1])
    assert (client.num_train, client.num_test) == (3, 1)
    assert client.label_counts(3) == [2, 2, 0]
    ids, labels = client.encoded(lambda texts: np.array([[len(t)] for t in texts]), "train")
    assert ids.tolist() == [[4], [3], [4]] and labels.tolist() == [0, 1, 0]


def test_an_empty_part_encodes_to_none():
    client = Client("u", ["a"], [1], [], [])
    assert client.encoded(lambda texts: np.zeros((len(texts), 2)), "test")[0] is None


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="differ"):
        Client("u", ["a", "b"], [1], [], [])
