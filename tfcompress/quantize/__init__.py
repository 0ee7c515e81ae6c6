"""Quantization-aware training (TF-MOT) of tfcompress students, and their int8 export.

Example:
    >>> from tfcompress.quantize import quantize_student, export_qat_int8
    >>> qat = quantize_student(student, student.encoder.encode(data.train.texts[:512]))
    >>> distiller = Distiller(student=qat, teacher=teacher)  # train as usual
    >>> model_bytes = export_qat_int8(qat, qat.encoder.encode(data.train.texts[:200]))
"""
from tfcompress.quantize.calibration import quantization_ranges, recalibrate
from tfcompress.quantize.export import export_qat_int8
from tfcompress.quantize.qat_student import QATStudent, quantize_scope, quantize_student
from tfcompress.quantize.quantizers import InputQuantizer, LayerQuantizeConfig, RangeQuantizer, fake_quant
from tfcompress.quantize.saving import load_qat, save_qat

__all__ = ["InputQuantizer", "LayerQuantizeConfig", "QATStudent", "RangeQuantizer", "export_qat_int8", "fake_quant",
           "load_qat", "quantization_ranges", "quantize_scope", "quantize_student", "recalibrate", "save_qat"]
