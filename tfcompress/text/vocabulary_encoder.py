"""A closed word vocabulary with typo recovery: a misspelled word lands on a real word or on "unknown"."""
import base64
import collections
import functools
import gzip
import hashlib

import numpy as np

from tfcompress.text.known_words import KnownWords
from tfcompress.text.one_edit_index import OneEditIndex
from tfcompress.text.word_position_encoder import WordPositionEncoder
from tfcompress.text.word_tokenizer import WordTokenizer

PADDING_ID, UNKNOWN_ID = 0, 1
VOCABULARY_REFERENCE = "preprocessing.vocabulary"
KNOWN_WORDS_REFERENCE = "preprocessing.known_words"
# What an edit may write: the lower-cased letters the character attacks insert and substitute (their
# upper-case letters are lower-cased by the tokenizer), and the apostrophe of "don't".
ALPHABET = "abcdefghijklmnopqrstuvwxyz'"
RECOVERY_RULE = ("a token that is not a vocabulary word is replaced by the vocabulary word of lowest rank among "
                 "its one-edit variants: delete one character; swap two adjacent characters; replace one character "
                 "by a character of the alphabet; insert a character of the alphabet at any position (before the "
                 "first character, between two, or after the last). Characters are Unicode code points. A token "
                 "with no variant in the vocabulary is unknown.")
KNOWN_WORDS_RECOVERY_RULE = ("a token that is a known word (known_words) and not a vocabulary word is unknown; any "
                             "other token that is not a vocabulary word "
                             + RECOVERY_RULE.split("vocabulary word ", 1)[1])


def one_edit_variants(token, alphabet=ALPHABET):
    """Every string one deletion, adjacent swap, substitution or insertion (over ``alphabet``) from ``token``."""
    splits = [(token[:cut], token[cut:]) for cut in range(len(token) + 1)]
    deletes = [left + right[1:] for left, right in splits if right]
    swaps = [left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1]
    substitutes = [left + char + right[1:] for left, right in splits if right for char in alphabet]
    inserts = [left + char + right for left, right in splits for char in alphabet]
    return set(deletes + swaps + substitutes + inserts) - {token}


def vocabulary_from_texts(texts, size, tokenizer=None, labels=None, frequent_words=None):
    """``size`` tokens of ``texts``, most frequent first (ties: alphabetical).

    Without ``labels``: the ``size`` most frequent tokens. With ``labels`` (one class per text): the
    ``frequent_words`` most frequent tokens (the function words a sentence turns on: not, but, no), then the
    tokens that say most about the class (``class_information``) until there are ``size``. A closed
    vocabulary of topical words reads documents of many classes better than one of the most frequent words:
    3,000 words over newsgroups_long's training split, TF-IDF + logistic regression on the first 128 tokens,
    0.863 validation accuracy by frequency and 0.886 with 1,000 frequent words and the rest by information
    (trec 0.809 -> 0.816, rotten_tomatoes 0.712 -> 0.745; benchmarks/results/explore/vocabulary.jsonl).

    Args:
        texts: the texts (e.g. the training split).
        size: the number of words.
        tokenizer: a ``WordTokenizer`` (``None``: the default one).
        labels: the texts' classes, or ``None`` to rank by frequency alone.
        frequent_words: with ``labels``, how many of the most frequent tokens are kept whatever their
            information (``None``: all ``size``, i.e. by frequency alone).
    """
    tokenizer = tokenizer or WordTokenizer()
    tokenized = [tokenizer.tokenize(text) for text in texts]
    counts = collections.Counter(token for tokens in tokenized for token in tokens)
    ranked = [token for token, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    size = int(size)
    if labels is None or frequent_words is None or frequent_words >= size:
        return ranked[:size]
    chosen = set(ranked[:int(frequent_words)])
    information = class_information(tokenized, labels)
    informative = sorted((token for token in information if token not in chosen),
                         key=lambda token: (-information[token], token))
    chosen.update(informative[:size - len(chosen)])
    return [token for token in ranked if token in chosen]


def class_information(tokenized, labels):
    """{token: the mutual information (nats) between the token's presence in a text and the text's class}.

    Args:
        tokenized: each text's tokens.
        labels: each text's class (any hashable values).
    """
    classes = sorted(set(labels))
    if len(labels) != len(tokenized):
        raise ValueError(f"class_information needs one label per text: {len(tokenized)} texts, {len(labels)} labels")
    column = {label: index for index, label in enumerate(classes)}
    texts_of_class = np.zeros(len(classes))
    texts_with = collections.defaultdict(lambda: np.zeros(len(classes)))
    for tokens, label in zip(tokenized, labels):
        texts_of_class[column[label]] += 1
        for token in set(tokens):
            texts_with[token][column[label]] += 1
    total = texts_of_class.sum()
    return {token: _presence_information(present, texts_of_class, total) for token, present in texts_with.items()}


def _presence_information(present, texts_of_class, total):
    """I(presence; class) from the texts with the token per class and all texts per class."""
    information = 0.0
    for joint in (present, texts_of_class - present):
        share = joint.sum() / total
        if share <= 0.0:
            continue
        nonzero = joint > 0
        class_given = joint[nonzero] / joint.sum()
        information += share * float(np.sum(class_given * np.log(class_given * total / texts_of_class[nonzero])))
    return information


def pack_vocabulary(vocabulary):
    """The vocabulary as the spec ships it: base64 of gzip of the UTF-8 words joined by newlines."""
    raw = "\n".join(vocabulary).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def unpack_vocabulary(packed):
    """``pack_vocabulary``'s inverse."""
    return gzip.decompress(base64.b64decode(packed)).decode("utf-8").split("\n")


def vocabulary_from_spec(section):
    """The word list a spec's ``preprocessing.vocabulary`` section ships, checked against its size and sha256."""
    if not isinstance(section, dict) or "data" not in section:
        raise ValueError("the spec's preprocessing has no 'vocabulary' section with 'data'")
    try:
        words = unpack_vocabulary(section["data"])
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"the spec's vocabulary data does not decode (base64 of gzip): {error}") from None
    digest = hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()
    if len(words) != section.get("size") or digest != section.get("sha256"):
        raise ValueError(f"the spec's vocabulary decodes to {len(words)} words with sha256 {digest[:12]}..., but the "
                         f"spec states {section.get('size')} words with sha256 {str(section.get('sha256'))[:12]}...")
    return words


class VocabularyEncoder(WordPositionEncoder):
    """Maps texts to int32 word ids over a closed, frequency-ranked vocabulary, recovering typos.

    Id 0 pads, id 1 is "unknown", the vocabulary word of rank r (0 = most frequent) is id r + 2. With
    ``typo_recovery`` a token outside the vocabulary becomes the most frequent vocabulary word one edit
    away (a deletion, adjacent swap, substitution or insertion; RobEn's "most frequent preimage" rule,
    Jones et al. 2020), else unknown; so the character edits of DeepWordBug and Pruthi's attack lead
    back to the word or to the neutral unknown id, never to a hashed vector no word was trained on.
    Real words are never recovered: a token in ``known_words`` (the English words whose recovery would
    land on another vocabulary word: bar, lie, walking) is read as unknown, so the student reads the
    sentence the teacher read, less the words it does not know. The vocabulary and the known words ship
    inside ``spec()`` and an app reproduces the ids from it.

    Args:
        vocabulary: the words (tokens of ``WordTokenizer``), most frequent first; distinct, no newlines.
        max_length: tokens per text after truncation/padding.
        typo_recovery: recover tokens outside the vocabulary as above (``False``: they are unknown).
        known_words: a ``KnownWords`` filter (or its config) of real words that are never recovered.

    Example:
        >>> encoder = VocabularyEncoder(["the", "film", "good", "."], max_length=6)
        >>> encoder.encode(["The flim is goood."]).tolist()
        [[2, 3, 1, 4, 5, 0]]
    """

    def __init__(self, vocabulary, max_length=48, typo_recovery=True, known_words=None):
        vocabulary = list(vocabulary)
        if not vocabulary:
            raise ValueError("VocabularyEncoder needs at least one vocabulary word")
        bad = [word for word in vocabulary if not word or "\n" in word or word != word.lower()]
        if bad or len(set(vocabulary)) != len(vocabulary):
            raise ValueError(f"vocabulary words must be distinct, non-empty, lower-case and without newlines; "
                             f"got {bad[:5] or 'duplicates'}")
        super().__init__(max_length)
        self.vocabulary = vocabulary
        self.typo_recovery = bool(typo_recovery)
        if isinstance(known_words, dict):
            known_words = KnownWords.from_config(known_words)
        self.known_words = known_words if self.typo_recovery else None
        self.word_ids = {word: rank + 2 for rank, word in enumerate(vocabulary)}
        self.num_buckets = len(vocabulary) + 1  # ids 1..V+1: unknown and the words
        self.input_shape, self.input_dtype, self.input_name = (self.max_length,), "int32", "token_ids"
        self.one_edit = OneEditIndex(self.word_ids, ALPHABET) if self.typo_recovery else None
        self.canonical_id = functools.lru_cache(maxsize=500_000)(self._canonical_id)

    @classmethod
    def from_texts(cls, texts, size, max_length=48, typo_recovery=True, real_words=None, false_positive_rate=0.02,
                   labels=None, frequent_words=None):
        """The encoder over ``size`` tokens of ``texts`` (e.g. the training split): the most frequent, or with
        ``labels`` and ``frequent_words`` the most frequent and the most informative of the class
        (``vocabulary_from_texts``).

        Args:
            real_words: words that recovery must leave alone (e.g. ``english_words()``); those outside the
                vocabulary that recovery would rewrite go into its ``known_words`` filter.
            false_positive_rate: the filter's share of misspellings it takes for real words (they are then
                unknown instead of recovered).
        """
        vocabulary = vocabulary_from_texts(texts, size, labels=labels, frequent_words=frequent_words)
        encoder = cls(vocabulary, max_length, typo_recovery)
        if not real_words or not typo_recovery:
            return encoder
        rewritten = [word for word in real_words
                     if word not in encoder.word_ids and encoder.canonical_id(word) != UNKNOWN_ID]
        return cls(encoder.vocabulary, max_length, typo_recovery, KnownWords(rewritten, false_positive_rate))

    def in_vocabulary(self, token):
        return token in self.word_ids

    def _canonical_id(self, token):
        if token in self.word_ids:
            return self.word_ids[token]
        if not self.typo_recovery or (self.known_words is not None and token in self.known_words):
            return UNKNOWN_ID
        found = self.one_edit.lowest_id(token)
        return UNKNOWN_ID if found is None else found

    def canonical_word(self, token):
        """The vocabulary word ``token`` is read as, or ``None`` for unknown."""
        index = self.canonical_id(token)
        return None if index == UNKNOWN_ID else self.vocabulary[index - 2]

    def token_id(self, token):
        return self.canonical_id(token)

    def token_input(self, token):
        return self.canonical_id(token)

    def reachable_ids(self, token, alphabet=ALPHABET):
        """The ids that ``token`` with at most one edit can be read as (its own id included)."""
        variants = one_edit_variants(token, alphabet)  # not memoized: they would crowd the texts' tokens out
        return {self.canonical_id(token)} | {self._canonical_id(variant) for variant in variants}

    def recovery_rule(self):
        if not self.typo_recovery:
            return "off: a token that is not a vocabulary word is unknown"
        return RECOVERY_RULE if self.known_words is None else KNOWN_WORDS_RECOVERY_RULE

    def get_config(self):
        config = {"vocabulary": list(self.vocabulary), "max_length": self.max_length,
                  "typo_recovery": self.typo_recovery}
        if self.known_words is not None:
            config["known_words"] = self.known_words.get_config()
        return config

    def spec_config(self):
        """``get_config`` as the app spec's ``encoder`` entry writes it: the vocabulary is not repeated
        there but named by reference to ``preprocessing.vocabulary`` (``vocabulary_from_spec``)."""
        config = {**self.get_config(), "vocabulary": VOCABULARY_REFERENCE}
        if self.known_words is not None:
            config["known_words"] = KNOWN_WORDS_REFERENCE
        return config

    def spec(self):
        """Everything an app needs to produce the model's input from raw text."""
        raw = "\n".join(self.vocabulary).encode("utf-8")
        return {
            "tokenizer": WordTokenizer.spec(),
            "vocabulary": {"format": "base64 (RFC 4648) of gzip (RFC 1952) of the UTF-8 words joined by '\\n', "
                                     "most frequent first", "size": len(self.vocabulary),
                           "sha256": hashlib.sha256(raw).hexdigest(), "data": pack_vocabulary(self.vocabulary)},
            "id": "0 padding; 1 unknown; the vocabulary word of rank r (0-based) is r + 2",
            "typo_recovery": {"enabled": self.typo_recovery, "rule": self.recovery_rule(), "alphabet": ALPHABET},
            **({"known_words": self.known_words.spec()} if self.known_words is not None else {}),
            "num_buckets": self.num_buckets,
            "max_length": self.max_length,
            "truncation": "keep the first max_length tokens",
            "padding": "right-pad with id 0",
            "dtype": "int32",
        }
