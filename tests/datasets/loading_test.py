import numpy as np
import pytest

from tfcompress import datasets
from tfcompress.errors import DataError


def test_rotten_tomatoes_split_is_fixed_and_documented(rotten_tomatoes):
    assert rotten_tomatoes.class_names == ("fresh", "rotten")
    assert rotten_tomatoes.summary()["splits"] == {"train": 10200, "validation": 1275, "test": 1276}
    assert rotten_tomatoes.test.texts[0] == "A three-hour cinema master class."


def test_splits_are_disjoint_and_cover_the_corpus(rotten_tomatoes):
    parts = [set(s.texts) for s in (rotten_tomatoes.train, rotten_tomatoes.validation, rotten_tomatoes.test)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert sum(len(p) for p in parts) == 12751


def test_split_is_stratified(rotten_tomatoes):
    rates = [np.mean(s.labels) for s in (rotten_tomatoes.train, rotten_tomatoes.validation, rotten_tomatoes.test)]
    assert max(rates) - min(rates) < 0.01


def test_seed_fixes_the_split_and_another_seed_changes_it(rotten_tomatoes):
    again = datasets.load("rotten_tomatoes", seed=0)
    other = datasets.load("rotten_tomatoes", seed=1)
    assert again.test.texts == rotten_tomatoes.test.texts
    assert other.test.texts != rotten_tomatoes.test.texts


def test_tf_dataset_yields_encoded_batches(small_data):
    from tfcompress.text import HashingEncoder

    encoder = HashingEncoder(100, 8)
    ids, labels = next(iter(small_data.train.to_tf_dataset(encoder.encode, batch_size=4)))
    assert ids.shape == (4, 8) and ids.dtype.name == "int32"
    assert list(labels.numpy()) == list(small_data.train.labels[:4])
    texts, _ = next(iter(small_data.train.to_tf_dataset(batch_size=2)))
    assert texts.numpy()[0].decode() == small_data.train.texts[0]


def test_unknown_bundled_name_lists_the_choices():
    with pytest.raises(DataError, match="unknown dataset 'imdb'.*rotten_tomatoes"):
        datasets.load("imdb")


@pytest.mark.parametrize("name, classes, sizes", [
    ("trec", ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"), (4304, 538, 537)),
    ("newsgroups_long", 20, (4079, 510, 508)),
])
def test_every_bundled_dataset_loads_by_name_with_its_classes(name, classes, sizes):
    data = datasets.load(name, seed=0)
    assert name in datasets.available()
    assert (data.class_names == classes) if isinstance(classes, tuple) else (len(data.class_names) == classes)
    assert (len(data.train), len(data.validation), len(data.test)) == sizes
    assert set(np.unique(data.test.labels)) == set(range(len(data.class_names)))  # stratified: every class tested


def test_a_bundled_dataset_missing_from_the_installation_is_a_clear_error(monkeypatch, tmp_path):
    from tfcompress.datasets import loading

    absent = {**loading.BUNDLED["newsgroups_long"], "path": tmp_path / "newsgroups_long.csv.gz"}
    monkeypatch.setitem(loading.BUNDLED, "newsgroups_long", absent)  # as in a wheel, which leaves it out
    with pytest.raises(DataError, match="'newsgroups_long' is not in this installation.*clone of the repository"):
        datasets.load("newsgroups_long")
