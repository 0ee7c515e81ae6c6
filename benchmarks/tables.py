"""Markdown tables for the benchmarks' results, importable without TensorFlow (``benchmarks/render.py`` uses it).

Example:
    >>> print(markdown_table(("model", "accuracy"), [("cnn", cell(0.7412, "{:.4f}"))]))
"""


def markdown_table(header, rows):
    """A GitHub markdown table (no final newline): ``header`` titles, then one line per row of cells.

    Example:
        >>> markdown_table(("recipe", "agreement"), [("pwws", "0.990")])
        '| recipe | agreement |\\n|---|---|\\n| pwws | 0.990 |'
    """
    lines = [_table_line(header), "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(header)} columns: {row!r}")
        lines.append(_table_line(row))
    return "\n".join(lines)


def _table_line(cells):
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def cell(value, fmt="{}", missing="-"):
    """``value`` formatted with ``fmt``, or ``missing`` when it is ``None``."""
    return missing if value is None else fmt.format(value)
