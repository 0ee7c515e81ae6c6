"""One federated client: its own local training and test data."""
import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Client:
    """A client's private data, split once into local train and local test parts.

    The data only enters the client's own TFF computation (``run_federated`` and
    ``personalization_eval`` place it at ``tff.CLIENTS``); the server sees model updates and
    aggregated metrics.

    Args:
        client_id: the user id (user column) or ``client_<k>`` for simulated clients.
        train_texts: local training texts (already shuffled with the client's seed).
        train_labels: their int class ids.
        test_texts: local test texts.
        test_labels: their int class ids.

    Example:
        >>> client = Client("u1", ("fine", "dull"), np.array([0, 1]), ("great",), np.array([0]))
        >>> client.num_train, client.num_test
        (2, 1)
    """

    client_id: str
    train_texts: tuple
    train_labels: np.ndarray
    test_texts: tuple
    test_labels: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "train_texts", tuple(self.train_texts))
        object.__setattr__(self, "test_texts", tuple(self.test_texts))
        object.__setattr__(self, "train_labels", np.asarray(self.train_labels, np.int32).reshape(-1))
        object.__setattr__(self, "test_labels", np.asarray(self.test_labels, np.int32).reshape(-1))
        if len(self.train_texts) != len(self.train_labels) or len(self.test_texts) != len(self.test_labels):
            raise ValueError(f"client {self.client_id}: texts and labels differ in length")

    @property
    def num_train(self):
        return len(self.train_texts)

    @property
    def num_test(self):
        return len(self.test_texts)

    def label_counts(self, num_classes):
        """Examples per class over train and test, as a list of ints."""
        both = np.concatenate([self.train_labels, self.test_labels])
        return np.bincount(both, minlength=num_classes).astype(int).tolist()

    def encoded(self, encode, part="train"):
        """``(ids, labels)`` of the ``train`` or ``test`` part, ids from ``encode(texts)``."""
        texts, labels = ((self.train_texts, self.train_labels) if part == "train"
                         else (self.test_texts, self.test_labels))
        if not texts:
            return None, labels
        return np.asarray(encode(list(texts))), labels
