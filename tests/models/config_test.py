"""Every model's get_config carries every constructor argument, the encoder included."""
import inspect

import numpy as np
import pytest

from tfcompress.models import STUDENTS, TEACHERS, load_model, save_model
from tfcompress.models.text_classifier import TextClassifier
from tfcompress.text import ENCODERS, HashingEncoder, TernaryProjectionEncoder, WordPieceEncoder

TEXTS = ["a gripping, funny film", "dull and far too long", "good films", ""]
KERAS_KWARGS = {"name", "trainable", "dtype"}
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "film", "##s", "good", "dull", "and", "far", "too", "long",
         "grip", "##ping", "funny", ","]

# Tiny models, each with an encoder other than the one its constructor would build by default.
SMALL = {"bag": dict(num_buckets=500, max_length=16, embedding_dim=8),
         "cnn": dict(num_buckets=500, max_length=16, embedding_dim=8, filters=8, kernel_sizes=(2, 3)),
         "fastgrnn": dict(num_buckets=500, max_length=16, embedding_dim=8, units=8, rank=4),
         "prado": dict(features=16, max_length=16, bottleneck=8, filters=8, ngram_sizes=(1, 2)),
         "bilstm": dict(num_buckets=500, max_length=16, embedding_dim=8, lstm_units=8, attention_units=8),
         "wide_cnn": dict(num_buckets=500, max_length=16, embedding_dim=8, filters=8, kernel_sizes=(2, 3)),
         "minilm": dict(max_length=16, num_layers=1, hidden_size=16, num_heads=2, intermediate_size=32,
                        vocab_size=len(VOCAB), max_positions=16)}


class SaltedHashingEncoder(HashingEncoder):
    """A HashingEncoder whose ids depend on ``salt``: a reload with the plain class would differ.

    Args:
        num_buckets: hash buckets.
        max_length: tokens per text.
        salt: prefix hashed with every token.

    Example:
        >>> SaltedHashingEncoder(500, 16, salt="x").encode(["good"])
    """

    def __init__(self, num_buckets=5000, max_length=48, salt=""):
        self.salt = salt
        super().__init__(num_buckets, max_length)

    def _token_id(self, token):
        return super()._token_id(self.salt + token)

    def get_config(self):
        return {**super().get_config(), "salt": self.salt}


@pytest.fixture(scope="module")
def vocab_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return str(path)


def other_encoder(name, vocab_path):
    """An encoder unlike the default one of model ``name`` (fewer positions, other buckets/vocab)."""
    if name == "prado":
        return TernaryProjectionEncoder(features=16, max_length=12)
    if name == "minilm":
        pytest.importorskip("tensorflow_text")
        return WordPieceEncoder(vocab_path=vocab_path, max_length=12)
    return HashingEncoder(num_buckets=300, max_length=12)


def build(name, **config):
    cls = TEACHERS[name] if name in TEACHERS else STUDENTS[name]
    return cls(num_classes=3, **SMALL[name], **config)


def constructor_arguments(cls):
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name for p in parameters
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def assert_same_encoder(actual, expected):
    assert type(actual) is type(expected)
    assert actual.get_config() == expected.get_config()
    assert actual.spec() == expected.spec()


@pytest.mark.parametrize("name", sorted({**STUDENTS, **TEACHERS}))
def test_get_config_has_every_constructor_argument(name, vocab_path):
    cls = TEACHERS[name] if name in TEACHERS else STUDENTS[name]
    assert "encoder" in constructor_arguments(cls)
    config = build(name, encoder=other_encoder(name, vocab_path)).get_config()
    assert constructor_arguments(cls) == set(config) - KERAS_KWARGS


@pytest.mark.parametrize("name", sorted(SMALL))
def test_from_config_keeps_a_non_default_encoder(name, vocab_path):
    encoder = other_encoder(name, vocab_path)
    model = build(name, encoder=encoder)
    clone = type(model).from_config(model.get_config())
    assert_same_encoder(clone.encoder, encoder)
    assert clone.get_config() == model.get_config()


@pytest.mark.parametrize("name", sorted(SMALL))
def test_save_and_load_keep_a_non_default_encoder(name, vocab_path, tmp_path):
    encoder = other_encoder(name, vocab_path)
    model = build(name, encoder=encoder).build_for_inputs()
    save_model(model, tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    assert_same_encoder(loaded.encoder, encoder)
    np.testing.assert_array_equal(loaded.predict_texts(TEXTS), model.predict_texts(TEXTS))


def test_a_registered_encoder_subclass_is_rebuilt_as_its_own_class(monkeypatch, tmp_path):
    monkeypatch.setitem(ENCODERS, "SaltedHashingEncoder", SaltedHashingEncoder)
    encoder = SaltedHashingEncoder(300, 12, salt="pepper")
    assert not np.array_equal(encoder.encode(TEXTS), HashingEncoder(300, 12).encode(TEXTS))
    model = build("cnn", encoder=encoder).build_for_inputs()
    save_model(model, tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert type(loaded.encoder) is SaltedHashingEncoder and loaded.encoder.salt == "pepper"
    np.testing.assert_array_equal(loaded.predict_texts(TEXTS), model.predict_texts(TEXTS))


def test_an_unregistered_encoder_class_fails_to_load_loudly():
    model = build("cnn", encoder=SaltedHashingEncoder(300, 12, salt="pepper"))
    with pytest.raises(ValueError, match="unknown encoder class 'SaltedHashingEncoder'"):
        type(model).from_config(model.get_config())


def default_encoder_config(name, model):
    """What the constructor builds without an encoder, for a config saved before it was recorded."""
    if name == "prado":
        return TernaryProjectionEncoder(model.features, model.max_length).get_config()
    return HashingEncoder(model.num_buckets, model.max_length).get_config()


@pytest.mark.parametrize("name", ["bilstm", "cnn", "fastgrnn", "prado"])
def test_files_saved_without_the_encoder_entry_load_as_before(name, monkeypatch, tmp_path):
    model = build(name).build_for_inputs()
    with monkeypatch.context() as patch:  # the get_config of earlier versions: no "encoder"
        patch.setattr(TextClassifier, "encoder_config", lambda self: {})
        assert "encoder" not in model.get_config()
        save_model(model, tmp_path / "old.keras")
    loaded = load_model(tmp_path / "old.keras")
    assert loaded.encoder.get_config() == default_encoder_config(name, model)
    np.testing.assert_array_equal(loaded.predict_texts(TEXTS), model.predict_texts(TEXTS))


def test_a_config_without_the_encoder_entry_builds_the_default_encoder():
    model = build("cnn", encoder=HashingEncoder(300, 12))
    config = {key: value for key, value in model.get_config().items() if key != "encoder"}
    assert type(model).from_config(config).encoder.get_config() == {"num_buckets": 500, "max_length": 16}


def test_auto_pooling_reads_documents_and_many_classes_with_channel_attention_and_keeps_the_choice():
    from tfcompress.models.students.cnn import CNNStudent

    short = CNNStudent.LONG_TEXT_TOKENS - 8
    snippets = CNNStudent(num_classes=2, num_buckets=50, max_length=short, pooling="auto")
    documents = CNNStudent(num_classes=2, num_buckets=50, max_length=CNNStudent.LONG_TEXT_TOKENS, pooling="auto")
    questions = CNNStudent(num_classes=6, num_buckets=50, max_length=short, pooling="auto")
    assert (snippets.pooling, documents.pooling, questions.pooling) == ("attention", "channel_attention",
                                                                        "channel_attention")
    assert documents.channel_weights is not None and snippets.attention is not None
    assert CNNStudent.from_config(documents.get_config()).pooling == "channel_attention"
    with pytest.raises(ValueError, match="pooling must be one of"):
        CNNStudent(pooling="mean")
