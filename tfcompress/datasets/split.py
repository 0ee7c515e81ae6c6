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

    def labelled(self):
        """The rows with a label (unlabelled rows, label -1, are texts only the teacher labels)."""
        if (self.labels >= 0).all():
            return self
        rows = np.flatnonzero(self.labels >= 0)
        users = None if self.users is None else tuple(self.users[row] for row in rows)
        return Split(tuple(self.texts[row] for row in rows), self.labels[rows], users)

    def with_unlabelled(self, texts):
        """This split followed by ``texts`` as unlabelled rows (label -1): the teacher labels them for distillation,
        the cross-entropy term skips them.

        Example:
            >>> len(split.with_unlabelled(["an unlabelled review"]).labelled()) == len(split)
            True
        """
        texts = tuple(texts)
        users = None if self.users is None else self.users + (None,) * len(texts)
        return Split(self.texts + texts, np.concatenate([self.labels, np.full(len(texts), -1, np.int32)]), users)

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
