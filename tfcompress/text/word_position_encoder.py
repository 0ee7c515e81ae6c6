"""Base of the encoders that give every word (token) one model position."""
import numpy as np

from tfcompress.text.word_tokenizer import WordTokenizer


class WordPositionEncoder:
    """Tokenizes with ``WordTokenizer`` and maps token t of a text to model position t.

    Subclasses set ``max_length`` and implement ``encode(texts)``; this base supplies ``words`` and
    ``encode_with_words``, the word alignment that attributions are summed over.

    Args:
        max_length: positions per text; later tokens are cut off.
    """

    def __init__(self, max_length):
        self.max_length = int(max_length)
        self.tokenizer = WordTokenizer()

    def words(self, text):
        """The tokens of ``text`` (lower-cased words and punctuation), one model position each."""
        return self.tokenizer.tokenize(text)

    def encode_with_words(self, texts):
        """(inputs, word_index): word_index[i, t] is the word at position t, -1 at padding."""
        inputs = self.encode(texts)
        word_index = np.full((len(texts), self.max_length), -1, np.int32)
        for row, text in enumerate(texts):
            length = min(len(self.words(text)), self.max_length)
            word_index[row, :length] = np.arange(length)
        return inputs, word_index
