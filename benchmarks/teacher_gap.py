"""The acceptance figure of ``benchmarks/teachers.py``: how far the callable teacher's int8 student is from the
registered teacher's, seed by seed. Importable without TensorFlow (``benchmarks/render.py`` uses it).

Example:
    >>> rows = [{"row": "registered", "student_seed": 0, "int8_test_accuracy": 0.77},
    ...         {"row": "callable", "student_seed": 0, "int8_test_accuracy": 0.76}]
    >>> gap_summary(rows)["mean_points"]
    -1.0
"""
MAX_GAP_POINTS = 1.5


def gaps(rows):
    """Callable minus registered int8 clean accuracy, in points, for each student seed both rows have."""
    accuracies = {(row["row"], row.get("student_seed", 0)): row["int8_test_accuracy"] for row in rows}
    seeds = sorted({seed for name, seed in accuracies if name == "callable"} &
                   {seed for name, seed in accuracies if name == "registered"})
    return {seed: 100 * (accuracies["callable", seed] - accuracies["registered", seed]) for seed in seeds}


def gap_summary(rows):
    """The mean gap over the paired seeds and whether it is within ``MAX_GAP_POINTS``, or None before a pair."""
    by_seed = gaps(rows)
    if not by_seed:
        return None
    mean = sum(by_seed.values()) / len(by_seed)
    return {"seeds": sorted(by_seed), "points_by_seed": {str(seed): round(gap, 2) for seed, gap in by_seed.items()},
            "mean_points": round(mean, 2), "within": abs(mean) <= MAX_GAP_POINTS, "max_points": MAX_GAP_POINTS}
