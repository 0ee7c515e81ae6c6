"""The word tokenizer and the hashing spec shared by models, TFLite metadata and app code."""
from tfcompress.text.hashing_encoder import HashingEncoder, fnv1a_32
from tfcompress.text.multi_hash_encoder import MultiHashEncoder, seeded_fnv1a_32
from tfcompress.text.ternary_projection import TernaryProjectionEncoder
from tfcompress.text.vocabulary_encoder import VocabularyEncoder, one_edit_variants
from tfcompress.text.wordpiece_encoder import WordPieceEncoder, pretrained_minilm_dir
from tfcompress.text.word_tokenizer import WordTokenizer
from tfcompress.text.encoder_registry import ENCODERS, deserialize_encoder, register_encoder, serialize_encoder

__all__ = ["ENCODERS", "HashingEncoder", "MultiHashEncoder", "TernaryProjectionEncoder", "VocabularyEncoder", "WordPieceEncoder",
           "WordTokenizer", "one_edit_variants",
           "deserialize_encoder", "fnv1a_32", "pretrained_minilm_dir", "register_encoder", "seeded_fnv1a_32",
           "serialize_encoder"]
