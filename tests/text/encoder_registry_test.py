"""serialize_encoder / deserialize_encoder: encoders by class name and config."""
import json

import pytest

from tfcompress.text import (ENCODERS, HashingEncoder, TernaryProjectionEncoder, WordPieceEncoder,
                             deserialize_encoder, serialize_encoder)


@pytest.mark.parametrize("encoder", [HashingEncoder(500, 16), TernaryProjectionEncoder(24, 12)],
                         ids=["hashing", "ternary"])
def test_round_trip_through_json(encoder):
    serialized = json.loads(json.dumps(serialize_encoder(encoder)))
    assert serialized == {"class": type(encoder).__name__, "config": encoder.get_config()}
    rebuilt = deserialize_encoder(serialized)
    assert type(rebuilt) is type(encoder) and rebuilt.spec() == encoder.spec()
    assert (rebuilt.encode(["a fine film"]) == encoder.encode(["a fine film"])).all()


def test_the_package_encoders_are_registered():
    assert {"HashingEncoder", "TernaryProjectionEncoder", "WordPieceEncoder"} <= set(ENCODERS)


def test_an_encoder_object_passes_through():
    encoder = HashingEncoder(500, 16)
    assert deserialize_encoder(encoder) is encoder


def test_unknown_classes_are_refused():
    with pytest.raises(ValueError, match="unknown encoder class 'Nope'; registered encoders are"):
        deserialize_encoder({"class": "Nope", "config": {}})


def test_wordpiece_config_carries_a_given_vocabulary(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nfilm\n", encoding="utf-8")
    encoder = WordPieceEncoder(vocab_path=vocab, max_length=8)
    assert encoder.get_config() == {"vocab_path": str(vocab), "max_length": 8}
    rebuilt = deserialize_encoder(serialize_encoder(encoder))
    assert rebuilt.vocab == encoder.vocab and rebuilt.spec() == encoder.spec()
