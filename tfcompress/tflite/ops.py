"""Which operators a ``.tflite`` flatbuffer uses."""


def op_names(model_bytes):
    """Names of the operators a ``.tflite`` flatbuffer uses; custom ops as ``CUSTOM:<name>``."""
    from tensorflow.lite.python import schema_py_generated as schema

    flat = schema.Model.GetRootAsModel(model_bytes, 0)
    builtin_names = {value: name for name, value in vars(schema.BuiltinOperator).items()
                     if not name.startswith("_")}
    names = set()
    for index in range(flat.OperatorCodesLength()):
        code = flat.OperatorCodes(index)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            names.add(f"CUSTOM:{code.CustomCode().decode()}")
        else:
            names.add(builtin_names.get(builtin, f"UNKNOWN_{builtin}"))
    return sorted(names)


def uses_builtin_ops_only(model_bytes):
    """True when no operator is a custom or Flex (select TF) op."""
    return builtin_only(op_names(model_bytes))


def builtin_only(operators):
    return not any(name.startswith("CUSTOM:") for name in operators)
