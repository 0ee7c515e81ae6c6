"""Assigning examples to clients: by a user column, or a seeded Dirichlet label-skew partition."""
import numpy as np


def dirichlet_label_partition(labels, num_clients, alpha, seed=0):
    """Row indices per client, each client with its own Dirichlet(alpha) class mix.

    Every client gets (about) the same number of examples; client k's class proportions are drawn
    from Dirichlet(alpha * class_prior) (Hsu et al. 2019, "Measuring the effects of non-identical
    data distribution"), so a small ``alpha`` gives clients dominated by one class. Clients are
    filled in a random order; when a class runs out, a client's remaining quota comes from the
    classes still left, in its own proportions. Every example goes to exactly one client.

    Args:
        labels: int class id per example.
        num_clients: how many clients.
        alpha: concentration; small is skewed (0.1-0.5), large (100+) is close to IID.
        seed: fixes the draw.

    Returns:
        A list of ``num_clients`` int64 arrays of row indices (shuffled within each client).

    Example:
        >>> parts = dirichlet_label_partition(np.array([0, 1] * 50), num_clients=4, alpha=0.3)
        >>> sum(len(p) for p in parts)
        100
    """
    labels = np.asarray(labels)
    if num_clients < 1:
        raise ValueError(f"num_clients must be at least 1, got {num_clients}")
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    pools = {c: list(rng.permutation(np.flatnonzero(labels == c))) for c in classes}
    prior = np.array([len(pools[c]) for c in classes], dtype=np.float64) / max(len(labels), 1)
    mixes = rng.dirichlet(np.maximum(alpha * prior * len(classes), 1e-6), size=num_clients)
    quotas = _equal_sizes(len(labels), num_clients)
    parts = [None] * num_clients
    for client in rng.permutation(num_clients):
        parts[client] = rng.permutation(_fill(pools, classes, mixes[client], quotas[client]))
    return [np.asarray(part, dtype=np.int64) for part in parts]


def _equal_sizes(total, parts):
    sizes = np.full(parts, total // parts)
    sizes[: total % parts] += 1
    return sizes


def _fill(pools, classes, mix, quota):
    taken = []
    while quota > 0 and any(pools[c] for c in classes):
        weights = np.array([mix[i] if pools[c] else 0.0 for i, c in enumerate(classes)])
        if weights.sum() <= 0:
            weights = np.array([1.0 if pools[c] else 0.0 for c in classes])
        wanted = np.floor(weights / weights.sum() * quota).astype(int)
        wanted[int(np.argmax(weights))] += quota - wanted.sum()
        for index, c in enumerate(classes):
            count = min(int(wanted[index]), len(pools[c]))
            taken.extend(pools[c][:count])
            del pools[c][:count]
            quota -= count
    return taken


def user_partition(users):
    """Row indices per distinct user id, in first-seen order.

    Args:
        users: one user/client id per example (e.g. ``Split.users``).

    Returns:
        (user_ids, parts): the distinct ids and one int64 row-index array each.

    Example:
        >>> user_partition(["a", "b", "a"])
        (['a', 'b'], [array([0, 2]), array([1])])
    """
    order, rows = [], {}
    for row, user in enumerate(users):
        if user not in rows:
            order.append(user)
            rows[user] = []
        rows[user].append(row)
    return order, [np.asarray(rows[user], dtype=np.int64) for user in order]
