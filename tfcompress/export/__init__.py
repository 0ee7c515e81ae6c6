"""Export to TFLite for on-device use."""
from tfcompress.export.tflite import (TFLiteClassifier, argmax_agreement, convert_to_int8, op_names,
                                      uses_builtin_ops_only, write_bytes_atomic)

__all__ = ["TFLiteClassifier", "argmax_agreement", "convert_to_int8", "op_names",
           "uses_builtin_ops_only", "write_bytes_atomic"]
