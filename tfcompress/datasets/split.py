"""One labelled split of a text dataset."""
import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Split:
    """Texts with integer labels (and optional user ids) of one split.

    Args:
        texts: the raw texts.
        labels: integer class ids, aligned with ``texts``.
        users: optional user/client id per text (``None`` when the data has no user column).

    Example:
        >>> split = Split(["good film", "dull"], np.array([0, 1]))
        >>> len(split)
        2
    """

    texts: tuple
    labels: np.ndarray
    users: tuple = None

    def __post_init__(self):
        object.__setattr__(self, "texts", tuple(self.texts))
        object.__setattr__(self, "labels", np.asarray(self.labels, dtype=np.int32))
        if self.users is not None:
            object.__setattr__(self, "users", tuple(self.users))
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self):
        return len(self.texts)

    def take(self, count):
        """The first ``count`` examples (all of them when ``count`` is None)."""
        if count is None or count >= len(self):
            return self
        users = None if self.users is None else self.users[:count]
        return Split(self.texts[:count], self.labels[:count], users)

    def to_tf_dataset(self, encode=None, batch_size=32, shuffle=False, seed=0):
        """A batched ``tf.data.Dataset`` of ``(inputs, labels)``.

        Args:
            encode: maps a list of texts to a model input array (e.g. ``model.encoder.encode``);
                ``None`` yields the raw strings.
            batch_size: examples per batch.
            shuffle: reshuffle every epoch with ``seed``.
            seed: the shuffle seed.
        """
        from tfcompress.backend import tf

        inputs = np.asarray(self.texts, dtype=object) if encode is None else encode(list(self.texts))
        dataset = tf.data.Dataset.from_tensor_slices((inputs, self.labels))
        if shuffle:
            dataset = dataset.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
