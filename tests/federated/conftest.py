"""Clients for the federated tests: unseen rotten_tomatoes examples, plus an empty and a one-class client."""
import numpy as np
import pytest

from tfcompress.datasets import Split
from tfcompress.federated import Client, make_clients


@pytest.fixture(scope="session")
def unseen_pool(rotten_tomatoes):
    """2,000 train examples the ``small_student`` (trained on the first 3,000) never saw."""
    train = rotten_tomatoes.train
    return Split(train.texts[3000:5000], train.labels[3000:5000])


@pytest.fixture(scope="session")
def skewed_clients(unseen_pool):
    """8 Dirichlet(0.3) clients of about 250 examples each."""
    return make_clients([unseen_pool], num_clients=8, alpha=0.3, test_fraction=0.3, seed=0)


@pytest.fixture(scope="session")
def awkward_clients(skewed_clients, unseen_pool):
    """Four ordinary clients, one with no data at all and one whose examples are all one class."""
    rows = np.flatnonzero(unseen_pool.labels == 1)[:40]
    texts = [unseen_pool.texts[i] for i in rows]
    single = Client("single_class", texts[:28], np.ones(28), texts[28:], np.ones(12))
    empty = Client("empty", (), np.zeros(0), (), np.zeros(0))
    return list(skewed_clients[:4]) + [empty, single]
