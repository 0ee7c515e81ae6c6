import numpy as np
import pytest

from tfcompress.datasets import Split
from tfcompress.errors import DataError
from tfcompress.federated import client_table, make_clients


def _split(users=None):
    texts = [f"text {i}" for i in range(40)]
    return Split(texts, np.arange(40) % 2, users)


def test_a_user_column_makes_one_client_per_user_with_a_local_test_part():
    users = ["ann"] * 20 + ["bob"] * 19 + ["cy"]
    clients = make_clients(_split(users), test_fraction=0.25)
    assert [c.client_id for c in clients] == ["ann", "bob", "cy"]
    assert [(c.num_train, c.num_test) for c in clients] == [(15, 5), (15, 4), (1, 0)]
    ann = clients[0]
    assert set(ann.train_texts) | set(ann.test_texts) == {f"text {i}" for i in range(20)}
    assert not set(ann.train_texts) & set(ann.test_texts)


def test_without_users_clients_are_simulated_and_cover_every_example():
    clients = make_clients([_split(), _split()], num_clients=4, alpha=0.5, seed=3)
    assert len(clients) == 4 and clients[0].client_id == "client_000"
    assert sum(c.num_train + c.num_test for c in clients) == 80


def test_asking_for_users_without_a_user_column_names_the_problem():
    with pytest.raises(DataError, match="user column"):
        make_clients(_split(), by_user=True)


def test_client_table_rows_are_json_ready():
    rows = client_table(make_clients(_split(), num_clients=2, seed=0), num_classes=2)
    assert set(rows[0]) == {"client", "train", "test", "class_counts"}
    assert sum(sum(r["class_counts"]) for r in rows) == 40
