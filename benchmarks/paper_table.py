"""The headline table of ``benchmarks/paper.py`` made from its measured rows: the rows, each figure's mean and spread
over the student seeds, and whether ours int8 is above every other row. Importable without TensorFlow
(``benchmarks/render.py`` renders the committed ``paper.json`` with it).

Example:
    >>> measured = {"tfidf": {"row": "tfidf", "model": "TF-IDF", "seed": None, "clean_accuracy": 0.78}}
    >>> summarize(measured)[0]["clean_accuracy"]
    0.78
"""
import statistics

from tables import markdown_table

RECIPES_ATTACKED = ("deepwordbug", "pruthi", "pwws", "textfooler")
STUDENT_TYPES = ("fastgrnn", "prado", "cnn")
PRESETS = ("default", "small")
OUR_PRESETS = (*PRESETS, "quick")  # quick: the CI smoke's run

# The rows in table order: (name, label, trained at each student seed). Ours come last, as (preset, float|int8).
ROWS = (
    ("teacher", "teacher: {teacher} (teaches the distilled rows)", False),
    ("tfidf", "TF-IDF + logistic regression (word 1-2 grams)", False),
    ("fasttext", "fastText (supervised, quantized .ftz)", True),
    *((f"ce_{name}", f"{name} (no distillation), int8", True) for name in STUDENT_TYPES),
    *((f"kd_{name}", f"{name}, plain KD, int8", True) for name in STUDENT_TYPES),
    ("kd_same", "our {student}, plain KD (same encoder, no robust training), int8", True),
    *((f"ours_{preset}_{form}", f"ours, {preset} ({'float Keras' if form == 'float' else 'QAT int8 .tflite'})", True)
      for preset in OUR_PRESETS for form in ("float", "int8")),
)
LABELS = {name: label for name, label, _ in ROWS}
SEEDED = {name for name, _, seeded in ROWS if seeded}

FIGURES = ("clean_accuracy", *(f"{recipe}_accuracy" for recipe in RECIPES_ATTACKED), "certified_typo_accuracy",
           "fidelity_spearman", "bytes", "latency_us", "train_seconds")


def summarize(measured):
    """One table row per model: each figure's mean and spread over the seeds measured, in ``ROWS`` order."""
    table = []
    for name, label, _ in ROWS:
        rows = [row for key, row in measured.items() if key.split("/")[0] == name]
        if not rows:
            continue
        entry = {"row": name, "model": rows[0].get("model", label),
                 "seeds": sorted(row["seed"] for row in rows if row.get("seed") is not None)}
        for figure in FIGURES:
            values = [row[figure] for row in rows if row.get(figure) is not None]
            entry[figure] = statistics.fmean(values) if values else None
            entry[f"{figure}_std"] = statistics.pstdev(values) if len(values) > 1 else None
        entry["notes"] = sorted({note for row in rows for note in (row.get("bytes_note"), row.get("certified_note"))
                                 if note})
        entry["not_applicable"] = not_applicable(name, rows, entry)
        table.append(entry)
    return table


# Why a row has no figure in a column, where its measured rows do not say.
NO_SEEDS = {"teacher": "trained once; it teaches every distilled row", "tfidf": "deterministic: no seed"}
NOT_SHIPPED = "not shipped: the app ships the int8 file (the next row)"
# The figures a row may lack by nature, with the measured row's note that says why.
NOTES = {"certified_typo_accuracy": "certified_note", "bytes": "bytes_note"}
# The titles of the columns that can read "n/a".
NOT_APPLICABLE_TITLES = {"seeds": "seeds", "certified_typo_accuracy": "certified typo acc.", "bytes": "bytes"}


def not_applicable(name, rows, entry):
    """{column figure: why the row has none}: for each figure none of its rows has, and for the seeds of an unseeded
    row."""
    why = {}
    if not entry["seeds"] and name in NO_SEEDS:
        why["seeds"] = NO_SEEDS[name]
    for figure, note in NOTES.items():
        if entry[figure] is not None:
            continue
        reason = next((row[note] for row in rows if row.get(note)), None)
        if reason is None and figure == "bytes" and name.endswith("_float"):
            reason = NOT_SHIPPED
        if reason is not None:
            why[figure] = reason.removeprefix("not applicable: ")
    return why


TARGET_FIGURES = ("clean_accuracy", *(f"{recipe}_accuracy" for recipe in RECIPES_ATTACKED))


def targets(table):
    """For ours int8 (each tier) and each of clean accuracy and accuracy under each attack: whether its seed mean is
    above that of every row that is not ours (the teacher, the peers, the baselines and our student with plain KD),
    with the best of those rows."""
    others = [row for row in table if not row["row"].startswith("ours_")]
    found = []
    for ours in (row for row in table if row["row"].startswith("ours_") and row["row"].endswith("_int8")):
        for figure in TARGET_FIGURES:
            rivals = [row for row in others if row[figure] is not None]
            if ours[figure] is None or not rivals:
                continue
            best = max(rivals, key=lambda row: row[figure])
            but_the_teacher = [row[figure] for row in rivals if row["row"] != "teacher"]
            found.append({"row": ours["row"], "figure": figure, "value": ours[figure],
                          "above_every_other_row": bool(ours[figure] > best[figure]), "best_other_row": best["row"],
                          "best_other_value": best[figure], "rows_compared": len(rivals),
                          "above_every_row_but_the_teacher": bool(not but_the_teacher
                                                                  or ours[figure] > max(but_the_teacher))})
    return found


def spread(value, std, digits):
    if value is None:
        return "-"  # not measured (yet)
    text = f"{value:.{digits}f}" if isinstance(value, float) and digits is not None else f"{int(round(value)):,}"
    return text if std is None else f"{text} ± {std:.{digits if digits is not None else 0}f}"


def _figure(figure, digits):
    return _or_not_applicable(figure, lambda row: spread(row[figure], row[f"{figure}_std"], digits))


def _or_not_applicable(figure, cell):
    return lambda row: "n/a" if figure in row.get("not_applicable", {}) else cell(row)


# The table's columns: (title, the cell of a ``summarize`` row).
COLUMNS = (
    ("model", lambda row: row["model"]),
    (NOT_APPLICABLE_TITLES["seeds"], _or_not_applicable("seeds", lambda row: ", ".join(map(str, row["seeds"])) or "-")),
    ("clean acc.", _figure("clean_accuracy", 4)),
    *((f"{title} acc.", _figure(f"{recipe}_accuracy", 3)) for recipe, title in
      zip(RECIPES_ATTACKED, ("DeepWordBug", "Pruthi", "PWWS", "TextFooler"))),
    (NOT_APPLICABLE_TITLES["certified_typo_accuracy"], _figure("certified_typo_accuracy", 3)),
    ("fidelity (Spearman)", _figure("fidelity_spearman", 3)),
    (NOT_APPLICABLE_TITLES["bytes"], _or_not_applicable("bytes", lambda row: spread(row["bytes"], None, None))),
    ("latency (us)", lambda row: spread(row["latency_us"], None, 1)),
    ("train (s)", lambda row: spread(row["train_seconds"], None, None)),
)
HEADER = tuple(title for title, _ in COLUMNS)
# The README's shorter table: ours int8, our student with plain KD, the compact models with plain KD, the peers and
# the teacher; clean and under attack, the phone's explanation, the bytes.
HEADLINE_ROWS = ("ours_default_int8", "ours_small_int8", "kd_same", "kd_fastgrnn", "kd_prado", "tfidf", "fasttext",
                 "teacher")
HEADLINE_COLUMNS = (*HEADER[:7], "fidelity (Spearman)", "bytes")


def results_table(table, columns=HEADER, rows=None):
    """The markdown table of ``summarize``: ``columns`` (titles of ``COLUMNS``), and ``rows`` (row names, in that
    order; all of the table's rows when None)."""
    cells = dict(COLUMNS)
    return markdown_table(columns, [tuple(cells[title](row) for title in columns) for row in _chosen(table, rows)])


def _chosen(table, rows):
    by_name = {row["row"]: row for row in table}
    return table if rows is None else [by_name[name] for name in rows if name in by_name]


def not_applicable_note(table, columns=HEADER, rows=None):
    """Why cells of ``results_table(table, columns, rows)`` read "n/a": a markdown list, one line per column and
    reason with the rows it holds for ("" when no cell does)."""
    grouped = {}
    for row in _chosen(table, rows):
        for figure, reason in row.get("not_applicable", {}).items():
            title = NOT_APPLICABLE_TITLES[figure]
            if title in columns:
                grouped.setdefault((title, reason), []).append(row["row"])
    ordered = sorted(grouped.items(), key=lambda item: columns.index(item[0][0]))
    return "\n".join(f"- n/a in *{title}* ({', '.join(names)}): {reason}" for (title, reason), names in ordered)


def results_block(table, columns=HEADER, rows=None):
    """``results_table`` and, below it when any cell reads "n/a", ``not_applicable_note``."""
    note = not_applicable_note(table, columns, rows)
    return results_table(table, columns, rows) + (f"\n\n{note}" if note else "")


def targets_table(found):
    """``targets`` as a table: a line per int8 tier of ours, a column per figure ("yes", or "no" with the best row)."""
    tiers = list(dict.fromkeys(entry["row"] for entry in found))
    cells = {(entry["row"], entry["figure"]): entry for entry in found}

    def verdict(entry):
        if entry is None:
            return "-"
        if entry["above_every_other_row"]:
            return f"yes ({entry['value']:.3f})"
        but_the_teacher = "; above every other row" if entry.get("above_every_row_but_the_teacher") else ""
        return f"no ({entry['value']:.3f}; {entry['best_other_row']} {entry['best_other_value']:.3f}{but_the_teacher})"
    return markdown_table(("ours int8", *(figure.replace("_accuracy", "") for figure in TARGET_FIGURES)),
                          [(tier, *(verdict(cells.get((tier, figure))) for figure in TARGET_FIGURES))
                           for tier in tiers])
