"""The one word tokenizer shared by models, attacks, explanations and the app-side spec."""
import re

# A word is a run of letters/digits, optionally joined by inner apostrophes ("don't", "it's");
# every other non-space character (punctuation, symbols, "_") is a token of its own.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_")

SPEC = {
    "name": "tfcompress-word-v1",
    "lowercase": "Unicode lower-casing of the whole text (Python str.lower)",
    "token_regex": _TOKEN.pattern,
    "rule": "a token is a maximal run of Unicode letters/digits, optionally joined by single inner "
            "apostrophes; every other non-whitespace character is a token by itself",
    "letter_or_digit": "a character c with Python c.isalnum() true (Unicode general categories L*, Nd, Nl, No); "
                       "'_' is not one",
    "whitespace": "a character c with Python c.isspace() true: exactly the code points of whitespace_code_points",
    "whitespace_code_points": [0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                               *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000],
    "characters": "Unicode code points (a character outside the Basic Multilingual Plane is one character, "
                  "not two UTF-16 units)",
    "apostrophe": "U+0027 only",
}


class WordTokenizer:
    """Lower-cases and splits text into words and single punctuation marks.

    Example:
        >>> WordTokenizer().tokenize("Don't panic, it's GREAT!")
        ["don't", 'panic', ',', "it's", 'great', '!']
    """

    def tokenize(self, text):
        return _TOKEN.findall(text.lower())

    def spans(self, text):
        """(start, end) character offsets of each token in ``text``."""
        return [match.span() for match in _TOKEN.finditer(text.lower())]

    def get_config(self):
        return {"name": SPEC["name"]}

    @staticmethod
    def spec():
        return dict(SPEC)
