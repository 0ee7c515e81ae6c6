"""A text classification dataset with fixed train/validation/test splits."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class TextDataset:
    """Class names plus the three splits, as returned by ``tfcompress.datasets.load``.

    Args:
        name: the bundled dataset's name or the user file's path.
        class_names: label strings; a label's class id is its index here.
        train: the training split.
        validation: the validation split (model selection, early stopping).
        test: the held-out test split.
        seed: the seed that made the split.

    Example:
        >>> data = tfcompress.datasets.load("rotten_tomatoes")
        >>> data.class_names
        ('fresh', 'rotten')
    """

    name: str
    class_names: tuple
    train: object
    validation: object
    test: object
    seed: int = 0

    @property
    def num_classes(self):
        return len(self.class_names)

    def summary(self):
        """The ``dataset`` section of metrics.json."""
        return {
            "name": self.name,
            "classes": list(self.class_names),
            "seed": self.seed,
            "splits": {"train": len(self.train), "validation": len(self.validation),
                       "test": len(self.test)},
        }
