"""A compact set of real words (a Bloom filter) that an app can test membership in, from the model's spec."""
import base64
import hashlib
import math

from tfcompress.text.multi_hash_encoder import seeded_fnv1a_32

KNOWN_WORDS_RULE = ("a token is a known word when, for every j in 0..hashes-1, bit (FNV-1a 32-bit over the byte j "
                    "followed by the token's UTF-8, offset 0x811C9DC5, prime 0x01000193) mod bits is set; bit i is "
                    "bit i mod 8 (least significant first) of byte i div 8 of the decoded data")


class KnownWords:
    """A Bloom filter of words: ``word in known`` is always true for a listed word, and true for an unlisted
    one with a small probability (``false_positive_rate``).

    The vocabulary encoder uses it to leave real words alone: a listed word outside the vocabulary is read as
    unknown, never "recovered" into the vocabulary word one edit away (bar is not bad, lie is not like).
    Its bits ship in the model's spec; an app tests a token with the FNV-1a hash it already has.

    Args:
        words: the words to list.
        false_positive_rate: the share of unlisted tokens the filter admits (sets its size and hash count).
        bits, hashes, data: an existing filter's size, hash count and bytes (``from_spec``); then ``words`` is
            ignored.

    Example:
        >>> known = KnownWords(["bar", "lie", "walking"])
        >>> "bar" in known, "bxr" in known
        (True, False)
    """

    def __init__(self, words=(), false_positive_rate=0.02, bits=None, hashes=None, data=None):
        if data is not None:
            self.bits, self.hashes, self.data = int(bits), int(hashes), bytearray(data)
            if len(self.data) != (self.bits + 7) // 8:
                raise ValueError(f"a filter of {self.bits} bits needs {(self.bits + 7) // 8} bytes, got {len(data)}")
            return
        if not 0 < false_positive_rate < 1:
            raise ValueError(f"false_positive_rate must be in (0, 1), got {false_positive_rate}")
        words = sorted(set(words))
        count = max(len(words), 1)
        self.bits = max(8, math.ceil(-count * math.log(false_positive_rate) / math.log(2) ** 2))
        self.hashes = max(1, round(self.bits / count * math.log(2)))
        self.data = bytearray((self.bits + 7) // 8)
        for word in words:
            for position in self.positions(word):
                self.data[position // 8] |= 1 << (position % 8)

    def positions(self, word):
        return [seeded_fnv1a_32(seed, word) % self.bits for seed in range(self.hashes)]

    def __contains__(self, word):
        return all(self.data[position // 8] >> (position % 8) & 1 for position in self.positions(word))

    @property
    def nbytes(self):
        return len(self.data)

    def spec(self):
        """The filter as the app spec ships it."""
        return {"format": "base64 (RFC 4648) of the filter's bytes", "rule": KNOWN_WORDS_RULE, "bits": self.bits,
                "hashes": self.hashes, "sha256": hashlib.sha256(bytes(self.data)).hexdigest(),
                "data": base64.b64encode(bytes(self.data)).decode("ascii")}

    @classmethod
    def from_spec(cls, section):
        """The filter of a spec's ``known_words`` section, checked against its sha256."""
        if not isinstance(section, dict) or not {"bits", "hashes", "data"} <= set(section):
            raise ValueError("the spec's known_words section needs 'bits', 'hashes' and 'data'")
        data = base64.b64decode(section["data"])
        if hashlib.sha256(data).hexdigest() != section.get("sha256"):
            raise ValueError("the spec's known_words data does not match its sha256")
        return cls(bits=section["bits"], hashes=section["hashes"], data=data)

    def get_config(self):
        return {"bits": self.bits, "hashes": self.hashes, "data": base64.b64encode(bytes(self.data)).decode("ascii")}

    @classmethod
    def from_config(cls, config):
        return cls(bits=config["bits"], hashes=config["hashes"], data=base64.b64decode(config["data"]))

    def __eq__(self, other):
        return isinstance(other, KnownWords) and (self.bits, self.hashes, self.data) == (other.bits, other.hashes,
                                                                                        other.data)


__all__ = ["KNOWN_WORDS_RULE", "KnownWords"]
