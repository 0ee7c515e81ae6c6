"""Export to TFLite for on-device use."""
from tfcompress.export.android import (android_spec, encoder_from_spec, export_android, load_android_model,
                                       read_android_metadata, sidecar_paths)
from tfcompress.export.tflite import (TFLiteClassifier, accuracy, argmax_agreement, convert_to_int8,
                                      measure_tflite, op_names, shorten_tensor_names,
                                      uses_builtin_ops_only, write_bytes_atomic)

__all__ = ["TFLiteClassifier", "accuracy", "android_spec", "argmax_agreement", "convert_to_int8", "encoder_from_spec",
           "export_android", "load_android_model", "measure_tflite", "op_names", "read_android_metadata",
           "shorten_tensor_names", "sidecar_paths", "uses_builtin_ops_only", "write_bytes_atomic"]
