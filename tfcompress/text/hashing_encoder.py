"""Token ids by hashing: no vocabulary file, reproducible in app code from a short spec."""
import functools

from tfcompress.text.word_position_encoder import WordPositionEncoder
from tfcompress.text.word_tokenizer import WordTokenizer

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def fnv1a_32(data):
    """32-bit FNV-1a of a bytes object."""
    value = FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return value


class HashingEncoder(WordPositionEncoder):
    """Maps texts to fixed-length int32 id sequences: id = 1 + fnv1a_32(utf8(token)) mod buckets.

    Id 0 is padding. Texts are tokenized with ``WordTokenizer``, cut to ``max_length`` tokens and
    right-padded with 0. The whole rule is in ``spec()``; an app reproduces it without this package.

    Args:
        num_buckets: number of hash buckets (the embedding table has ``num_buckets + 1`` rows).
        max_length: tokens per text after truncation/padding.

    Example:
        >>> encoder = HashingEncoder(num_buckets=5000, max_length=8)
        >>> encoder.encode(["A fine film."]).shape
        (1, 8)
    """

    def __init__(self, num_buckets=5000, max_length=48):
        if num_buckets < 1 or max_length < 1:
            raise ValueError("num_buckets and max_length must be positive")
        self.num_buckets = int(num_buckets)
        super().__init__(max_length)
        self.input_shape, self.input_dtype, self.input_name = (self.max_length,), "int32", "token_ids"
        self.token_id = functools.lru_cache(maxsize=200_000)(self._token_id)

    def _token_id(self, token):
        return 1 + fnv1a_32(token.encode("utf-8")) % self.num_buckets

    def token_input(self, token):
        return self.token_id(token)

    def get_config(self):
        return {"num_buckets": self.num_buckets, "max_length": self.max_length}

    def spec(self):
        """Everything an app needs to produce the model's input from raw text."""
        return {
            "tokenizer": WordTokenizer.spec(),
            "hash": "FNV-1a 32-bit over the token's UTF-8 bytes (offset 0x811C9DC5, prime 0x01000193)",
            "id": f"1 + hash mod {self.num_buckets}",
            "num_buckets": self.num_buckets,
            "max_length": self.max_length,
            "truncation": "keep the first max_length tokens",
            "padding": "right-pad with id 0",
            "dtype": "int32",
        }
