"""Natural clients: a seeded set of users leaves every split, and no model's training data holds their texts."""
import collections

import numpy as np
import pytest

from tfcompress import datasets
from tfcompress.datasets import Split, TextDataset, eligible_users, hold_out_users
from tfcompress.errors import DataError


@pytest.fixture(scope="module")
def bundled():
    return datasets.load("rotten_tomatoes", seed=0)


def test_the_bundled_dataset_names_the_movie_of_every_review(bundled):
    assert all(split.users is not None and len(split.users) == len(split) for split in
               (bundled.train, bundled.validation, bundled.test))
    assert len(set(bundled.train.users)) > 400


def test_held_out_users_leave_every_split_and_come_back_whole(bundled):
    data, held = hold_out_users(bundled, 20, min_texts=30, seed=3)
    chosen = set(held.users)
    assert len(chosen) == 20
    for split in (data.train, data.validation, data.test):
        assert not chosen & set(split.users)
    counts = collections.Counter(u for s in (bundled.train, bundled.validation, bundled.test) for u in s.users)
    assert len(held) == sum(counts[user] for user in chosen) and all(counts[user] >= 30 for user in chosen)
    assert len(data.train) + len(data.validation) + len(data.test) + len(held) == \
        len(bundled.train) + len(bundled.validation) + len(bundled.test)
    again, held_again = hold_out_users(bundled, 20, min_texts=30, seed=3)
    assert held_again.texts == held.texts and again.train.texts == data.train.texts


def test_the_transfer_set_is_built_from_the_remaining_train_split_only(bundled):
    from tfcompress.distill.augment import with_transfer_copies

    data, held = hold_out_users(bundled, 20, min_texts=30, seed=3)
    everywhere = collections.Counter(bundled.train.texts + bundled.validation.texts + bundled.test.texts)
    private = {text for text in held.texts if everywhere[text] == 1 and len(text.split()) > 6}
    transfer = with_transfer_copies(data.train, 2, seed=0)
    assert private and not private & set(transfer.texts)
    words_of_private = {t for t in private if any(t in kept for kept in data.train.texts)}
    assert not words_of_private


def test_asking_for_more_users_than_have_enough_texts_names_the_problem(bundled):
    available = len(eligible_users(bundled, 30))
    with pytest.raises(DataError, match=f"{available} users have at least 30 texts"):
        hold_out_users(bundled, available + 1, min_texts=30)


def test_data_without_a_user_column_cannot_hold_users_out():
    split = Split(["a", "b"], np.array([0, 1]))
    with pytest.raises(DataError, match="user column"):
        hold_out_users(TextDataset("mine.csv", ("x", "y"), split, split, split), 1)
