"""A frequency-ranked English word list vendored from wordfreq (see ``data/PROVENANCE.md``)."""
import functools
import gzip
import os

WORDS_PATH = os.path.join(os.path.dirname(__file__), "data", "english_words.txt.gz")


@functools.lru_cache(maxsize=1)
def _all_words():
    with gzip.open(WORDS_PATH, "rt", encoding="utf-8") as handle:
        return tuple(line.strip() for line in handle if line.strip())


def english_words(limit=None):
    """The ``limit`` most frequent English words (all 28,482 with ``None``), most frequent first.

    Example:
        >>> english_words(3)
        ['the', 'to', 'and']
    """
    words = _all_words()
    return list(words if limit is None else words[:limit])
