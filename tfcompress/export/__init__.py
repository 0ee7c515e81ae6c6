"""Export to TFLite for on-device use."""
from tfcompress.export.tflite import (TFLiteClassifier, accuracy, argmax_agreement, convert_to_int8,
                                      measure_tflite, op_names, shorten_tensor_names,
                                      uses_builtin_ops_only, write_bytes_atomic)

__all__ = ["TFLiteClassifier", "accuracy", "argmax_agreement", "convert_to_int8", "measure_tflite", "op_names",
           "shorten_tensor_names", "uses_builtin_ops_only", "write_bytes_atomic"]
