"""What the scripts that vendor a dataset share: a deterministic gzip CSV writer and a summary of the rows."""
import csv
import gzip
import io
import statistics


def write_csv_gz(rows, path, fieldnames):
    """``rows`` (dicts) as a gzip CSV at ``path`` (a ``pathlib.Path``), byte-identical for the same rows, written
    atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    tmp.replace(path)


def describe(rows):
    """Length in whitespace-separated words (median, 90th percentile, share over 256) and class counts."""
    words = sorted(len(row["text"].split()) for row in rows)
    p90 = words[min(len(words) - 1, int(round(0.9 * (len(words) - 1))))]
    over = sum(count > 256 for count in words) / len(words)
    counts = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    return (f"words: median {statistics.median(words):g}, p90 {p90}, over 256 {over:.1%}; "
            f"classes {dict(sorted(counts.items()))}")


def deduplicate(rows, conflict_field="label"):
    """``rows`` with each text's whitespace collapsed, texts seen again (case-insensitive) and empty texts dropped,
    and a text seen with different ``conflict_field`` values dropped entirely; the other fields are kept."""
    def key(row):
        return " ".join(row["text"].split()).lower()

    values_by_key = {}
    for row in rows:
        values_by_key.setdefault(key(row), set()).add(row[conflict_field])
    kept, seen = [], set()
    for row in rows:
        if not key(row) or key(row) in seen or len(values_by_key[key(row)]) > 1:
            continue
        seen.add(key(row))
        kept.append({**row, "text": " ".join(row["text"].split())})
    return kept
