"""Holding a seeded set of users out of a dataset entirely: the natural clients of personalization."""
import collections
import dataclasses

import numpy as np

from tfcompress.datasets.split import Split
from tfcompress.errors import DataError


def hold_out_users(data, count, min_texts=20, seed=0):
    """Remove ``count`` seeded users (with at least ``min_texts`` texts each) from every split.

    The held-out users' texts leave train, validation and test, so no model trained on the returned
    dataset (teacher, student, transfer set) ever reads them; they come back as one ``Split`` from
    which ``make_clients`` cuts each user's private train and test parts. The other rows keep their
    split. Users are drawn with ``numpy.random.default_rng(seed)`` among those with enough texts,
    in sorted-id order, so the draw depends only on the data and the seed.

    Args:
        data: a ``TextDataset`` whose splits have ``users``.
        count: users to hold out.
        min_texts: fewest texts (over all splits) a held-out user has.
        seed: fixes the draw.

    Returns:
        ``(dataset, held_out)``: the dataset without those users, and their rows as a ``Split``.

    Raises:
        DataError: the data has no user column, or fewer than ``count`` users have ``min_texts`` texts.

    Example:
        >>> data, clients_data = hold_out_users(tfcompress.datasets.load("rotten_tomatoes"), 60, min_texts=30)
        >>> len(set(clients_data.users))
        60
    """
    splits = (data.train, data.validation, data.test)
    eligible = eligible_users(data, min_texts)
    if count < 1 or len(eligible) < count:
        raise DataError(f"{len(eligible)} users have at least {min_texts} texts; cannot hold out {count} "
                        "(lower the count or min_texts)", path=data.name, column="user")
    chosen = set(np.random.default_rng(seed).choice(eligible, size=count, replace=False).tolist())
    kept = [_rows(split, lambda user: user not in chosen) for split in splits]
    held = [_rows(split, lambda user: user in chosen) for split in splits]
    held_out = Split([t for part in held for t in part.texts], np.concatenate([part.labels for part in held]),
                     [u for part in held for u in part.users])
    return dataclasses.replace(data, train=kept[0], validation=kept[1], test=kept[2]), held_out


def eligible_users(data, min_texts):
    """The sorted ids of users with at least ``min_texts`` texts over all splits.

    Raises:
        DataError: the data has no user column.
    """
    splits = (data.train, data.validation, data.test)
    if any(split.users is None for split in splits):
        raise DataError("holding users out needs a user column (user_column=...)", path=data.name, column="user")
    counts = collections.Counter(user for split in splits for user in split.users)
    return sorted(user for user, number in counts.items() if number >= min_texts)


def _rows(split, keep):
    rows = [i for i, user in enumerate(split.users) if keep(user)]
    return Split([split.texts[i] for i in rows], split.labels[rows], [split.users[i] for i in rows])
