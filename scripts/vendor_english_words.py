"""Write tfcompress/text/data/english_words.txt.gz from the wordfreq wheel on PyPI.

The list is wordfreq 3.1.1's ``small_en`` table (English words with frequency >= 1e-6, most
frequent first), keeping words of lower-case letters with optional inner apostrophes. It gives the
student's embedding fit words never seen in training (``tfcompress.text.english_words``).

Usage (needs the two wheels, e.g. ``pip download --no-deps wordfreq==3.1.1 msgpack -d wheels``):
    python scripts/vendor_english_words.py wheels/wordfreq-3.1.1-py3-none-any.whl wheels/msgpack-*.whl
"""
import gzip
import os
import re
import sys
import tempfile
import zipfile

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
TARGET = os.path.join(os.path.dirname(__file__), "..", "tfcompress", "text", "data", "english_words.txt.gz")


def main(wordfreq_wheel, msgpack_wheel):
    with tempfile.TemporaryDirectory() as folder:
        zipfile.ZipFile(msgpack_wheel).extractall(folder)
        sys.path.insert(0, folder)
        import msgpack

        packed = zipfile.ZipFile(wordfreq_wheel).read("wordfreq/data/small_en.msgpack.gz")
        buckets = msgpack.unpackb(gzip.decompress(packed), raw=False)
    words = [word for bucket in buckets[1:] for word in bucket if WORD.fullmatch(word)]
    text = "\n".join(dict.fromkeys(words)) + "\n"
    with gzip.GzipFile(TARGET, "wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    print(f"{len(words)} words -> {os.path.normpath(TARGET)}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
