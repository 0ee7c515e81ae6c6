"""The int8 step of a ``.tflite`` output: how far apart two int8 runtimes' roundings put it."""


def int8_step(interpreter, output):
    """The quantization step of the int8 tensor that the DEQUANTIZE op producing ``output`` reads."""
    producer = next(op for op in interpreter._get_ops_details() if output["index"] in op["outputs"])
    assert producer["op_name"] == "DEQUANTIZE"
    scale = {detail["index"]: detail for detail in interpreter.get_tensor_details()}[producer["inputs"][0]]
    return float(scale["quantization"][0])
