"""Reading and running ``.tflite`` files: int8 conversion, op checks, the interpreter, raw-text
classifiers over an exported model, and the text spec an exported model carries.

Writing Android deliverables (metadata, sidecars, model cards) is ``tfcompress.export``.

Example:
    >>> from tfcompress.tflite import convert_to_int8, load_android_model
    >>> model_bytes = convert_to_int8(student, student.encoder.encode(texts))
    >>> load_android_model("saved_models/rotten_tomatoes/student.tflite").predict_texts(["a fine film"])
"""
from tfcompress.tflite.classifier import TFLiteClassifier, check_tflite_file, measure_tflite
from tfcompress.tflite.convert import convert_to_int8, shorten_tensor_names
from tfcompress.tflite.ops import op_names, uses_builtin_ops_only
from tfcompress.tflite.spec import (LABEL_FILE_NAME, SPEC_FILE_NAME, SPEC_FORMAT, carries_text_spec, encoder_from_spec,
                                    load_android_model, metadata_writers_available, read_android_metadata,
                                    sidecar_paths)
from tfcompress.tflite.text_classifier import PROBE_TEXTS, TFLiteTextClassifier
from tfcompress.tflite.text_predictor import TextPredictor, softmax

__all__ = ["LABEL_FILE_NAME", "PROBE_TEXTS", "SPEC_FILE_NAME", "SPEC_FORMAT", "TFLiteClassifier", "TFLiteTextClassifier",
           "TextPredictor", "carries_text_spec", "check_tflite_file", "convert_to_int8", "encoder_from_spec", "load_android_model",
           "measure_tflite", "metadata_writers_available", "op_names", "read_android_metadata", "shorten_tensor_names",
           "sidecar_paths", "softmax", "uses_builtin_ops_only"]
