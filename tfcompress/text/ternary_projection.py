"""PRADO-style ternary word projections computed by hashing: no embedding table at all."""
import functools

import numpy as np

from tfcompress.text.hashing_encoder import fnv1a_32
from tfcompress.text.word_position_encoder import WordPositionEncoder
from tfcompress.text.word_tokenizer import WordTokenizer

# Two hash bits per feature: 01 -> +1, 10 -> -1, 00 and 11 -> 0.
_TERNARY = {0: 0.0, 1: 1.0, 2: -1.0, 3: 0.0}


class TernaryProjectionEncoder(WordPositionEncoder):
    """Maps texts to (max_length, features) float32 arrays of ternary {-1, 0, +1} word projections.

    Each token gets ``2 * features`` hash bits: word k (k = 0, 1, ...) of them is
    ``fnv1a_32(bytes([k]) + utf8(token))``, read from its least significant bit up. Feature i takes
    bits 2i and 2i+1 of that stream: 01 -> +1, 10 -> -1, 00/11 -> 0. Padding positions are all zero.
    Tokens come from ``WordTokenizer``; the first ``max_length`` are kept.

    Args:
        features: projection size per token (PRADO's B).
        max_length: tokens per text.

    Example:
        >>> TernaryProjectionEncoder(features=64, max_length=8).encode(["fine film"]).shape
        (1, 8, 64)
    """

    def __init__(self, features=64, max_length=48):
        if features < 1 or max_length < 1:
            raise ValueError("features and max_length must be positive")
        self.features = int(features)
        super().__init__(max_length)
        self.input_shape = (self.max_length, self.features)
        self.input_dtype, self.input_name = "float32", "projections"
        self.project_token = functools.lru_cache(maxsize=200_000)(self._project_token)

    def _project_token(self, token):
        data = token.encode("utf-8")
        words = (2 * self.features + 31) // 32
        bits = 0
        for k in range(words):
            bits |= fnv1a_32(bytes([k]) + data) << (32 * k)
        return np.array([_TERNARY[(bits >> (2 * i)) & 3] for i in range(self.features)], np.float32)

    def token_input(self, token):
        return self.project_token(token)

    def get_config(self):
        return {"features": self.features, "max_length": self.max_length}

    def spec(self):
        return {
            "tokenizer": WordTokenizer.spec(),
            "projection": "ternary, 2 hash bits per feature: 01 -> +1, 10 -> -1, 00 and 11 -> 0",
            "hash": "hash word k = FNV-1a 32-bit over bytes([k]) + UTF-8(token), k = 0..ceil(2F/32)-1; "
                    "bit stream = concatenation of the words, least significant bit first; "
                    "feature i reads bits 2i (low) and 2i+1 (high)",
            "features": self.features,
            "max_length": self.max_length,
            "truncation": "keep the first max_length tokens",
            "padding": "all-zero vectors after the last token",
            "dtype": "float32",
        }
