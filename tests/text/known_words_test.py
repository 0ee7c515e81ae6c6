"""KnownWords: a Bloom filter with no false negatives, a bounded false-positive rate and a spec round trip."""
import pytest

from tfcompress.text.english_words import english_words
from tfcompress.text.known_words import KnownWords


def test_every_listed_word_is_known_and_few_others_are():
    words = english_words(5000)
    known = KnownWords(words, false_positive_rate=0.02)
    assert all(word in known for word in words)
    strangers = [f"zq{index}x" for index in range(5000)]
    assert sum(word in known for word in strangers) / len(strangers) < 0.04
    assert known.nbytes == (known.bits + 7) // 8 < 1.1 * len(words)  # about one byte a word at 2%


def test_the_spec_and_config_rebuild_the_same_filter():
    known = KnownWords(["bar", "lie", "walking"])
    assert KnownWords.from_spec(known.spec()) == known
    assert KnownWords.from_config(known.get_config()) == known
    broken = {**known.spec(), "sha256": "0" * 64}
    with pytest.raises(ValueError, match="sha256"):
        KnownWords.from_spec(broken)
    with pytest.raises(ValueError, match="false_positive_rate"):
        KnownWords(["a"], false_positive_rate=1.5)
