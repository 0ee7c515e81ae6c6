"""Which operators a ``.tflite`` flatbuffer uses, and whether the flatbuffer holds together at all."""
import struct


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


def flatbuffer_problem(model_bytes):
    """Why ``model_bytes`` is not a whole ``.tflite`` flatbuffer (truncated, or another kind of file), or ``None``.

    Walks the model's tables in Python (every subgraph's tensors and operators, every buffer) before TFLite's own
    loader sees the bytes: the C++ loader does not verify them and can crash the process on a truncated file.
    """
    from tensorflow.lite.python import schema_py_generated as schema

    content = bytes(model_bytes)
    if len(content) < 8 or content[4:8] != b"TFL3":
        return "not a TFLite model (no TFL3 flatbuffer identifier: truncated, or another kind of file)"
    try:
        model = schema.Model.GetRootAsModel(content, 0)
        buffers = model.BuffersLength()
        for index in range(model.SubgraphsLength()):
            graph = model.Subgraphs(index)
            for position in range(graph.TensorsLength()):
                tensor = graph.Tensors(position)
                tensor.ShapeAsNumpy()
                if not 0 <= tensor.Buffer() < max(buffers, 1):
                    return f"tensor {position} points at buffer {tensor.Buffer()} of {buffers}"
            for position in range(graph.OperatorsLength()):
                operator = graph.Operators(position)
                operator.InputsAsNumpy()
                operator.OutputsAsNumpy()
        for index in range(buffers):
            buffer = model.Buffers(index)
            if buffer.Offset() > 1 and buffer.Offset() + buffer.Size() > len(content):
                return f"buffer {index} lies past the end of the file ({len(content)} bytes)"
            if buffer.DataLength():
                buffer.DataAsNumpy()
    except (struct.error, IndexError, ValueError, TypeError, AttributeError) as error:
        return f"the flatbuffer is cut short or damaged ({type(error).__name__}: {error})"
    return None
