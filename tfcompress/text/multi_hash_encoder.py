"""Token ids by k seeded hashes: each word is the sum of k table rows, so words almost never share a vector."""
import functools

from tfcompress.text.hashing_encoder import fnv1a_32
from tfcompress.text.word_position_encoder import WordPositionEncoder
from tfcompress.text.word_tokenizer import WordTokenizer


def seeded_fnv1a_32(seed, token):
    """32-bit FNV-1a over the byte ``seed`` followed by the UTF-8 bytes of ``token``."""
    return fnv1a_32(bytes([seed]) + token.encode("utf-8"))


class MultiHashEncoder(WordPositionEncoder):
    """Maps texts to int32 arrays of shape (max_length, num_hashes): k seeded hash ids per token.

    Token t gets ``id_j = 1 + FNV-1a_32(byte j + utf8(token)) mod num_buckets`` for j in 0..k-1
    (Bloom / multi-hash embeddings, Svenstrup et al. 2017): the model sums the k rows, so two words
    share a vector only if all k of their ids coincide (about 1 pair in ``num_buckets ** k``), where a
    single hash into a few thousand buckets merges nearly every word with others. Id 0 is padding (all
    k ids of a padded position). The whole rule is in ``spec()``; an app reproduces it without this
    package.

    Args:
        num_buckets: rows of the shared table besides padding (ids 1..num_buckets).
        num_hashes: seeded hashes per token (k >= 1).
        max_length: tokens per text after truncation/padding.

    Example:
        >>> encoder = MultiHashEncoder(num_buckets=4096, num_hashes=2, max_length=8)
        >>> encoder.encode(["A fine film."]).shape
        (1, 8, 2)
    """

    def __init__(self, num_buckets=4096, num_hashes=2, max_length=48):
        if num_buckets < 1 or max_length < 1:
            raise ValueError("num_buckets and max_length must be positive")
        if not 1 <= num_hashes <= 255:
            raise ValueError(f"num_hashes must be in 1..255 (one seed byte each), got {num_hashes}")
        self.num_buckets = int(num_buckets)
        self.num_hashes = int(num_hashes)
        super().__init__(max_length)
        self.input_shape = (self.max_length, self.num_hashes)
        self.input_dtype, self.input_name = "int32", "token_ids"
        self.token_ids = functools.lru_cache(maxsize=200_000)(self._token_ids)

    def _token_ids(self, token):
        return tuple(1 + seeded_fnv1a_32(seed, token) % self.num_buckets for seed in range(self.num_hashes))

    def token_id(self, token):
        """The k ids of ``token`` (a tuple); what embedding initialization fits rows for."""
        return self.token_ids(token)

    def token_input(self, token):
        return self.token_ids(token)

    def get_config(self):
        return {"num_buckets": self.num_buckets, "num_hashes": self.num_hashes, "max_length": self.max_length}

    def spec(self):
        """Everything an app needs to produce the model's input from raw text."""
        return {
            "tokenizer": WordTokenizer.spec(),
            "hash": "FNV-1a 32-bit (offset 0x811C9DC5, prime 0x01000193) over one seed byte j followed by the "
                    "token's UTF-8 bytes",
            "seeds": list(range(self.num_hashes)),
            "id": f"for each seed j: 1 + hash_j mod {self.num_buckets}",
            "num_buckets": self.num_buckets,
            "num_hashes": self.num_hashes,
            "max_length": self.max_length,
            "layout": "ids[position][j]: position-major, the seeds in order",
            "truncation": "keep the first max_length tokens",
            "padding": "right-pad positions with all ids 0",
            "dtype": "int32",
        }
