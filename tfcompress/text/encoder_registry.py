"""Encoders by class name, so a model's config can carry its encoder and rebuild it on load.

A serialized encoder is ``{"class": <class name>, "config": encoder.get_config()}``, the same form
as the ``"encoder"`` entry of the Android spec (``tfcompress.export.android``).
"""
from tfcompress.text.hashing_encoder import HashingEncoder
from tfcompress.text.multi_hash_encoder import MultiHashEncoder
from tfcompress.text.ternary_projection import TernaryProjectionEncoder
from tfcompress.text.vocabulary_encoder import VocabularyEncoder
from tfcompress.text.wordpiece_encoder import WordPieceEncoder

ENCODERS = {}


def register_encoder(cls):
    """Class decorator: make ``cls`` rebuildable from ``serialize_encoder``'s output.

    Args:
        cls: an encoder class whose ``cls(**encoder.get_config())`` rebuilds ``encoder``.

    Returns:
        ``cls``, unchanged.

    Example:
        >>> @register_encoder
        ... class LowercaseHashingEncoder(HashingEncoder):
        ...     pass
    """
    ENCODERS[cls.__name__] = cls
    return cls


for _encoder_class in (HashingEncoder, MultiHashEncoder, TernaryProjectionEncoder, VocabularyEncoder, WordPieceEncoder):
    register_encoder(_encoder_class)


def serialize_encoder(encoder):
    """A JSON-friendly description of ``encoder`` that ``deserialize_encoder`` rebuilds.

    Args:
        encoder: an encoder with ``get_config()`` (registered, or it will not load back).

    Returns:
        ``{"class": class name, "config": encoder.get_config()}``.

    Example:
        >>> serialize_encoder(HashingEncoder(500, 16))
        {'class': 'HashingEncoder', 'config': {'num_buckets': 500, 'max_length': 16}}
    """
    return {"class": type(encoder).__name__, "config": dict(encoder.get_config())}


def deserialize_encoder(config):
    """The encoder ``config`` describes; an encoder object is returned as it is.

    Args:
        config: ``serialize_encoder``'s output, or an encoder object.

    Returns:
        The encoder.

    Raises:
        ValueError: the class is not registered (see ``register_encoder``).

    Example:
        >>> deserialize_encoder({"class": "HashingEncoder", "config": {"num_buckets": 500, "max_length": 16}})
    """
    if not isinstance(config, dict):
        return config
    name = config.get("class")
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder class {name!r}; registered encoders are {sorted(ENCODERS)} "
                         "(add one with tfcompress.text.register_encoder)")
    return ENCODERS[name](**config.get("config", {}))
