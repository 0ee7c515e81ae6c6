"""Writing Android deliverables: the full-int8 ``.tflite`` with metadata, its sidecars, the model card.

Reading and running what is written here is ``tfcompress.tflite``.
"""
from tfcompress.export.android import android_spec, embed_metadata, export_android
from tfcompress.export.model_card import card_markdown, write_model_card

__all__ = ["android_spec", "card_markdown", "embed_metadata", "export_android", "write_model_card"]
