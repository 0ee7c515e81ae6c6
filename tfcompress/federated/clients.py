"""Building clients from a user column or a simulated Dirichlet label-skew partition."""
import numpy as np

from tfcompress.errors import DataError
from tfcompress.federated.client import Client
from tfcompress.federated.partition import dirichlet_label_partition, user_partition


def make_clients(splits, num_clients=50, alpha=0.3, by_user=None, test_fraction=0.25, seed=0):
    """Clients with their own local train/test parts, from one or more dataset splits.

    With a user column (``by_user=True``, or ``None`` and every split has ``users``) each user is a
    client. Otherwise ``num_clients`` clients are simulated with ``dirichlet_label_partition``.
    Each client's examples are shuffled with a seed of its own and the last ``test_fraction``
    (rounded down, so a 1-example client has no test data) becomes its local test set.

    Args:
        splits: a ``Split`` or a list of them (e.g. ``[data.train]``); examples are pooled. Do not
            include examples the starting model was trained on if client test accuracy matters.
        num_clients: simulated clients (ignored with a user column).
        alpha: Dirichlet concentration of the simulated label skew.
        by_user: ``True`` needs a user column, ``False`` simulates, ``None`` picks.
        test_fraction: share of each client's examples held out as its local test set.
        seed: fixes the partition and the local splits.

    Returns:
        A list of ``Client``.

    Raises:
        DataError: ``by_user=True`` but a split has no user column.

    Example:
        >>> data = tfcompress.datasets.load("rotten_tomatoes", seed=0)
        >>> clients = make_clients([data.train], num_clients=50, alpha=0.3)
    """
    splits = list(splits) if isinstance(splits, (list, tuple)) else [splits]
    texts = [text for split in splits for text in split.texts]
    labels = np.concatenate([split.labels for split in splits]) if splits else np.zeros(0, np.int32)
    has_users = bool(splits) and all(split.users is not None for split in splits)
    if by_user and not has_users:
        raise DataError("no user column: load the file with user_column=... or simulate clients "
                        "(by_user=False)", column="user")
    if by_user or (by_user is None and has_users):
        ids, parts = user_partition([user for split in splits for user in split.users])
    else:
        parts = dirichlet_label_partition(labels, num_clients, alpha, seed)
        ids = [f"client_{index:03d}" for index in range(len(parts))]
    return [_client(str(client_id), texts, labels, rows, test_fraction, seed + index)
            for index, (client_id, rows) in enumerate(zip(ids, parts))]


def _client(client_id, texts, labels, rows, test_fraction, seed):
    rows = np.random.default_rng(seed).permutation(rows)
    num_test = int(len(rows) * test_fraction)
    train, test = rows[:len(rows) - num_test], rows[len(rows) - num_test:]
    return Client(client_id, [texts[i] for i in train], labels[train], [texts[i] for i in test], labels[test])


def client_table(clients, num_classes):
    """One JSON-ready row per client: id, train/test sizes and class counts.

    Example:
        >>> client_table(clients, num_classes=2)[0]
        {'client': 'client_000', 'train': 191, 'test': 63, 'class_counts': [240, 14]}
    """
    return [{"client": c.client_id, "train": c.num_train, "test": c.num_test,
             "class_counts": c.label_counts(num_classes)} for c in clients]
