"""Errors raised for bad user input: each names the file, column and row at fault."""


class DataError(ValueError):
    """Bad input data. The message names the file and, where known, the column and row.

    Args:
        message: what is wrong, in words a user can act on.
        path: the file at fault.
        column: the column at fault.
        row: the 1-based data row (the header is not counted) or JSONL line at fault.
    """

    def __init__(self, message, path=None, column=None, row=None):
        self.path, self.column, self.row = path, column, row
        where = []
        if path is not None:
            where.append(f"file {path}")
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
