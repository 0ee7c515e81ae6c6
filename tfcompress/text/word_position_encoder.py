"""Base of the encoders that give every word (token) one model position."""
import numpy as np

from tfcompress.text.word_tokenizer import WordTokenizer


class WordPositionEncoder:
    """Tokenizes with ``WordTokenizer`` and maps token t of a text to model position t.

    Subclasses set ``input_shape`` (positions first) and ``input_dtype`` and implement
    ``token_input(token)``, one position's model input; this base supplies ``encode``, ``words`` and
    ``encode_with_words``, the word alignment that attributions are summed over.

    Args:
        max_length: positions per text; later tokens are cut off.
    """

    def __init__(self, max_length):
        self.max_length = int(max_length)
        self.tokenizer = WordTokenizer()

    def token_input(self, token):
        raise NotImplementedError(f"{type(self).__name__} must implement token_input()")

    def encode(self, texts):
        """The model input of each text, stacked: shape (len(texts), *input_shape); positions after a
        text's first ``max_length`` tokens are padding (zeros)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not a single string")
        out = np.zeros((len(texts), *self.input_shape), self.input_dtype)
        for row, text in enumerate(texts):
            for position, token in enumerate(self.tokenizer.tokenize(text)[:self.max_length]):
                out[row, position] = self.token_input(token)
        return out

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
