from tfcompress.text.english_words import english_words


def test_the_vendored_list_is_frequency_ranked_lowercase_words():
    words = english_words()
    assert len(words) == 28482 and len(set(words)) == len(words)
    assert english_words(5) == words[:5] and words[:3] == ["the", "to", "and"]
    assert all(word.replace("'", "").isalpha() and word == word.lower() for word in words)
    assert words.index("good") < words.index("magnificent") < len(words)
