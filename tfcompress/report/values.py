"""Reading metrics and formatting values: a missing value is ``n/a``, never a made-up number."""

MISSING = "n/a"
MODEL_COLORS = {"teacher": "#4c72b0", "student": "#55a868", "qat": "#8172b3", "student_tflite": "#dd8452"}
MODEL_LABELS = {"teacher": "teacher", "student": "student (Keras)", "student_tflite": "student (int8 .tflite)"}


def value_at(data, *keys):
    """``data[k1][k2]...``, or ``None`` where a level is missing or not a dict (e.g. "not_built")."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def fmt(value, pattern="{:.4f}"):
    """``value`` formatted, or ``n/a`` when it is missing."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return pattern.format(value)
    except (TypeError, ValueError):
        return str(value)


def fmt_bytes(count):
    if count is None:
        return MISSING
    return f"{count:,} bytes ({count / 1024:.1f} KiB)"


def fmt_params(count):
    return fmt(count, "{:,}")


def short_count(count):
    """1234567 -> '1.23M', 85432 -> '85.4k'."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if count >= size:
            return f"{count / size:.3g}{suffix}"
    return str(count)
