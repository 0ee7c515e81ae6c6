"""The word tokenizer and the hashing spec shared by models, TFLite metadata and app code."""
from tfcompress.text.hashing_encoder import HashingEncoder, fnv1a_32
from tfcompress.text.ternary_projection import TernaryProjectionEncoder
from tfcompress.text.wordpiece_encoder import WordPieceEncoder, pretrained_minilm_dir
from tfcompress.text.word_tokenizer import WordTokenizer

__all__ = ["HashingEncoder", "TernaryProjectionEncoder", "WordPieceEncoder", "pretrained_minilm_dir", "WordTokenizer", "fnv1a_32"]
