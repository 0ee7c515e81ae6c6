"""Reading labelled texts from user files (CSV, TSV, JSONL, optionally gzip-compressed)."""
import csv
import gzip
import io
import json
import os

from tfcompress.errors import DataError

FORMATS = ("csv", "tsv", "jsonl")


def infer_format(path):
    """``csv``, ``tsv`` or ``jsonl`` from the file name (``.gz`` is looked through)."""
    name = os.fspath(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for fmt, suffixes in (("csv", (".csv",)), ("tsv", (".tsv", ".tab")), ("jsonl", (".jsonl", ".ndjson"))):
        if name.endswith(suffixes):
            return fmt
    raise DataError(f"cannot tell the format from the file name; use a .csv, .tsv or .jsonl name "
                    f"or pass format= one of {FORMATS}", path=path)


def read_text(path):
    """The file decoded as UTF-8; undecodable bytes raise a DataError naming the row."""
    if not os.path.exists(path):
        raise DataError("no such file", path=path)
    if os.path.isdir(path):
        raise DataError("is a folder, not a data file", path=path)
    with open(path, "rb") as handle:
        raw = handle.read()
    if os.fspath(path).lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise DataError(f"not a valid gzip file ({error})", path=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DataError(f"bytes {raw[error.start:error.end]!r} at byte offset {error.start} (line "
                        f"{line}) are not valid UTF-8; re-save the file as UTF-8", path=path) from None


def read_table(path, fmt):
    """(row number, dict) pairs for every data row, plus the column names."""
    text = read_text(path)
    if fmt == "jsonl":
        return _read_jsonl(path, text)
    if fmt not in ("csv", "tsv"):
        raise DataError(f"unknown format {fmt!r}; use one of {FORMATS}", path=path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t")
    try:
        columns = reader.fieldnames or []
        rows = [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as error:
        raise DataError(f"malformed {fmt.upper()} ({error})", path=path, row=reader.line_num - 1) from None
    for number, row in rows:
        if None in row:
            raise DataError(f"has more fields than the header's {len(columns)}", path=path, row=number)
    return columns, rows


def _read_jsonl(path, text):
    rows, columns = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"invalid JSON ({error.msg})", path=path, row=number) from None
        if not isinstance(record, dict):
            raise DataError("each line must be a JSON object", path=path, row=number)
        columns.extend(key for key in record if key not in columns)
        rows.append((number, record))
    return columns, rows


def read_labelled_texts(path, text_column="text", label_column="label", user_column=None, fmt=None):
    """Texts, label strings, user ids and row numbers from a user file, validated.

    Raises:
        DataError: missing file or column, undecodable bytes, malformed rows, an empty text or label.
    """
    fmt = fmt or infer_format(path)
    columns, rows = read_table(path, fmt)
    if not rows:
        raise DataError("has no data rows", path=path)
    for column in (text_column, label_column, user_column):
        if column is not None and column not in columns:
            needed = ("; labels are needed to choose and test the student (texts without labels can join the "
                      "training texts as unlabelled data, labelled by the teacher)") if column == label_column else ""
            raise DataError(f"no such column; the columns are {list(columns)}{needed}", path=path, column=column)
    texts, labels, users, numbers = [], [], [], []
    for number, row in rows:
        texts.append(_required_string(row, text_column, path, number))
        labels.append(_required_string(row, label_column, path, number))
        if user_column is not None:
            users.append(_required_string(row, user_column, path, number))
        numbers.append(number)
    return texts, labels, (users if user_column is not None else None), numbers


def read_unlabelled_texts(path, text_column="text", fmt=None):
    """The texts of a user file that has no labels (any other columns are ignored), validated.

    Raises:
        DataError: missing file or column, undecodable bytes, malformed rows, an empty text.
    """
    fmt = fmt or infer_format(path)
    columns, rows = read_table(path, fmt)
    if not rows:
        raise DataError("has no data rows", path=path)
    if text_column not in columns:
        raise DataError(f"no such column; the columns are {list(columns)}", path=path, column=text_column)
    return [_required_string(row, text_column, path, number) for number, row in rows]


def _required_string(row, column, path, number):
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DataError("is empty", path=path, column=column, row=number)
    if isinstance(value, (dict, list)):
        raise DataError(f"must be a string or number, not {type(value).__name__}", path=path,
                        column=column, row=number)
    return " ".join(str(value).split())
