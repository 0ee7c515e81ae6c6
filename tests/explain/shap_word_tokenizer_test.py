from tfcompress.explain import ShapWordTokenizer
from tfcompress.text import WordTokenizer


def test_offsets_cover_exactly_the_package_words():
    text = "Don't panic,  it's GREAT!"
    out = ShapWordTokenizer()(text)
    assert [text[a:b].lower() for a, b in out["offset_mapping"]] == WordTokenizer().tokenize(text)
    assert out["input_ids"] == list(range(len(out["offset_mapping"])))
    assert ShapWordTokenizer()("")["input_ids"] == [] and "offset_mapping" not in ShapWordTokenizer()("a", False)
